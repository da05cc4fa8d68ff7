"""Exports of the admin lists: small ones answered at once, large ones as jobs with a progress page and a
download link that expires."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Response, abort, g, redirect, render_template, send_file, url_for

from miniapp_backend.admin import bp
from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.reports import exports
from miniapp_backend.extensions import db
from miniapp_backend.models import ExportJob

SHANGHAI = timezone(timedelta(hours=8))
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'


def export_response(kind: str, filters: dict[str, Any]) -> Response:
    """The list's workbook, or (when it is large) a redirect to its export job's progress page."""
    result = exports.start(kind, g.reviewer, filters)
    title = exports.KINDS[kind].title
    if isinstance(result, bytes):
        return xlsx_download(result, title)
    audit_export(title, _download_name(result), export_id=result.id)
    return redirect(url_for('admin.export_status', export_id=result.id))


def xlsx_download(data: bytes, title: str, *, audited: bool = True) -> Response:
    """A workbook written in the request, named for the staff who save it (全部登记-20261125.xlsx); an export of
    personal data is audited as `title`'s."""
    name = f'{title}-{datetime.now(SHANGHAI):%Y%m%d}.xlsx'
    if audited:
        audit_export(title, name)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=name)


def audit_export(title: str, filename: str, **detail: Any) -> None:
    """An export leaves the system with personal data in it: the audit log names the list and the file."""
    audit.record(actor_of(g.reviewer), 'export', zone_id=g.reviewer.zone_id, title=title, filename=filename, **detail)


def _download_name(job: ExportJob) -> str:
    return f'{exports.KINDS[job.kind].title}-{job.created_at.astimezone(SHANGHAI):%Y%m%d}-{job.id}.xlsx'


def _job(export_id: int) -> ExportJob:
    job = db.session.get(ExportJob, export_id)
    if job is None or job.zone_id != g.reviewer.zone_id or job.reviewer_id != g.reviewer.id:
        abort(404)
    return job


@bp.get('/exports/<int:export_id>')
def export_status(export_id):
    """Progress (the page refreshes itself while the job runs), then the download link until it expires."""
    job = _job(export_id)
    return render_template(
        'admin/export_status.html',
        job=job,
        title=exports.KINDS[job.kind].title,
        ready=exports.downloadable(job),
        shanghai=SHANGHAI,
    )


@bp.get('/exports/<int:export_id>/download')
def export_download(export_id):
    job = _job(export_id)
    if not exports.downloadable(job):
        abort(410, description='下载链接已过期，请重新导出')
    return send_file(job.path, mimetype=XLSX, as_attachment=True, download_name=_download_name(job))
