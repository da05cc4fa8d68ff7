"""Excel imports: upload, progress, per-row error report, blank templates."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from miniapp_backend.admin import bp, filter_summary, list_filters
from miniapp_backend.admin.exports import xlsx_download
from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.enrolment.imports.reading import WorkbookRejected, check_archive
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.enrolment.reports import lists, paging
from miniapp_backend.enrolment.scope import may_import, scoped_imports
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.jobs import enqueue_after_commit
from miniapp_backend.models import ImportJob
from miniapp_backend.models.enums import ImportKind
from schemas.admin import ImportForm, ImportsFilter


@bp.route('/imports', methods=['GET', 'POST'])
def imports():
    """The upload form and this zone's imports, newest first, filtered by kind."""
    if request.method == 'POST':
        return _upload()
    filters = list_filters(ImportsFilter())
    query = lists.imports(g.reviewer, filters)
    page = paging.newest_first(query, (ImportJob.id,), filters['after'])
    kind = filters['kind'] if filters['kind'] in ImportKind.__members__.values() else ''
    return render_template(
        'admin/imports.html',
        jobs=page.rows,
        after=page.after,
        count=paging.capped_count(query, (ImportJob.id,)),
        summary=filter_summary(('导入类型', ImportKind(kind).label if kind else '')),
        kind=kind,
        kinds=[kind for kind in ImportKind if may_import(g.reviewer, kind)],
    )


def _upload():
    form, invalid = load_form(ImportForm(), request.form)
    upload = request.files.get('file')
    if invalid:
        flash(invalid['kind'], 'error')
        return redirect(url_for('admin.imports'))
    kind = form['kind']
    if not may_import(g.reviewer, kind):
        flash(f'您的角色（{g.reviewer.role.label}）不能导入「{ImportKind(kind).label}」', 'error')
        return redirect(url_for('admin.imports'))
    data = upload.read() if upload else b''
    try:
        if not data:
            raise WorkbookRejected('请选择要上传的Excel文件')
        check_archive(data)
    except WorkbookRejected as rejected:
        flash(rejected.message, 'error')
        return redirect(url_for('admin.imports'))
    job = ImportJob(
        kind=kind,
        zone_id=g.reviewer.zone_id,
        reviewer_id=g.reviewer.id,
        filename=(upload.filename or 'upload.xlsx')[:255],
        workbook=data,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        actor_of(g.reviewer), 'import', zone_id=g.reviewer.zone_id, import_id=job.id, kind=kind, filename=job.filename
    )
    enqueue_after_commit('workers.imports.run_import', job.id)
    return redirect(url_for('admin.import_status', import_id=job.id))


def _job(import_id: int) -> ImportJob:
    job = db.session.scalars(scoped_imports(g.reviewer).where(ImportJob.id == import_id)).first()
    if job is None:
        abort(404)
    return job


@bp.get('/imports/<int:import_id>')
def import_status(import_id):
    """Progress (the page refreshes itself while the job runs) and, once finished, the error report link."""
    return render_template('admin/import_status.html', job=_job(import_id))


@bp.get('/imports/<int:import_id>/errors.xlsx')
def import_errors(import_id):
    job = _job(import_id)
    return xlsx_download(runner.error_report(job), f'导入{job.id}错误明细', audited=False)


@bp.get('/imports/templates/<kind>.xlsx')
def import_template(kind):
    if kind not in KINDS:
        abort(404)
    return xlsx_download(runner.template(kind, g.reviewer.zone), f'{ImportKind(kind).label}导入模板', audited=False)
