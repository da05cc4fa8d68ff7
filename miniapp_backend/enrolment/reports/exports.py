"""Exports of the admin lists: a small one is written in the request; a large one becomes an export job that a
worker writes to a file in batches (write-only workbook, rows streamed from the database), with progress, and
whose download link expires. The web worker never holds a large result set.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from miniapp_backend.enrolment import file_jobs, labels
from miniapp_backend.enrolment.reports import lists
from miniapp_backend.enrolment.reports.workbooks import REGISTRATION_HEADERS, registration_rows, safe_cell
from miniapp_backend.extensions import db
from miniapp_backend.jobs import enqueue_after_commit
from miniapp_backend.models import AuditEvent, ExportJob, InsuredPerson, Registration, Reviewer
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ImportStatus, PaymentChannel, RegistrationStatus
from miniapp_backend.security.masking import mask_id_number
from miniapp_backend.unit_of_work import commit_batch

logger = logging.getLogger(__name__)

#: Up to this many rows an export is written in the request; above, by a worker.
INLINE_ROWS = 5_000
#: How long a finished export can be downloaded.
LINK_TTL = timedelta(hours=1)
BATCH = 2_000


@dataclass(frozen=True)
class Kind:
    title: str
    headers: Sequence[str]
    query: Callable[[Reviewer, dict[str, Any]], sa.Select]
    rows: Callable[[sa.Select], Iterable[Sequence]]


def _stream(query: sa.Select, *columns) -> sa.Result:
    return db.session.execute(query.with_only_columns(*columns).order_by(columns[0]).execution_options(yield_per=BATCH))


def _payment_rows(query: sa.Select) -> Iterable[Sequence]:
    r = Registration
    for _, name, id_number, student_no, status, due, channel, flag in _stream(
        query, r.id, r.name, r.id_number, r.student_no, r.status, r.amount_due_fen, r.payment_channel, r.flag
    ):
        yield (
            name,
            mask_id_number(id_number),
            student_no,
            RegistrationStatus(status).label,
            (due or 0) / 100,
            PaymentChannel(channel).label if channel else '',
            flag or '',
        )


def _register_rows(query: sa.Select) -> Iterable[Sequence]:
    p = InsuredPerson
    for _, name, id_number, status, since, until, year in _stream(
        query, p.id, p.name, p.id_number, p.status, p.since, p.until, p.paid_through_year
    ):
        yield (
            name,
            mask_id_number(id_number),
            status.label if hasattr(status, 'label') else status,
            since.isoformat(),
            until.isoformat() if until else '',
            year,
        )


def _audit_rows(query: sa.Select) -> Iterable[Sequence]:
    """Events in batches: each batch names its reviewers in one query, and every row ends with its sentence."""
    events = db.session.scalars(query.order_by(AuditEvent.id).execution_options(yield_per=BATCH))
    for batch in events.partitions():
        names = labels.reviewer_names(batch)
        for e in batch:
            actor = names.get(e.actor_id, '') if e.actor_type.value == 'reviewer' else ''
            yield (
                labels.beijing(e.at, '%Y-%m-%d %H:%M:%S'),
                e.actor_type.label,
                actor,
                labels.AUDIT_VERBS.get(e.action, ''),
                e.registration_id,
                labels.status_label(e.from_status),
                labels.status_label(e.to_status),
                e.reason or '',
                labels.sentence(e, names),
            )


KINDS: dict[str, Kind] = {
    'registrations': Kind('参保登记', REGISTRATION_HEADERS, lists.registrations, registration_rows),
    'payments': Kind(
        '缴费',
        ['姓名', '证件号码', '学号', '状态', '应缴金额(元)', '缴费渠道', '需处理'],
        lists.payments,
        _payment_rows,
    ),
    'register': Kind(
        '参保名册',
        ['姓名', '证件号码', '参保状态', '起始日期', '终止日期', '缴费至年度'],
        lists.register,
        _register_rows,
    ),
    'audit': Kind(
        '审计日志',
        ['时间（北京时间）', '操作人类型', '操作人', '操作', '登记编号', '原状态', '新状态', '原因', '事件'],
        lists.audit,
        _audit_rows,
    ),
}


def write(kind: Kind, query: sa.Select, out, progress: Callable[[int], None] | None = None) -> int:
    """The rows as one write-only sheet into `out` (a path or a file object); returns how many."""
    from openpyxl import Workbook  # the export job's, not every web worker's

    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind.title[:31])
    sheet.append(list(kind.headers))
    count = 0
    for row in kind.rows(query):
        sheet.append([safe_cell(value) for value in row])
        count += 1
        if progress and count % BATCH == 0:
            progress(count)
    book.save(out)
    return count


def start(name: str, reviewer: Reviewer, filters: dict[str, Any]) -> bytes | ExportJob:
    """The workbook itself when the list is small; otherwise a queued export job (the caller commits)."""
    kind = KINDS[name]
    query = kind.query(reviewer, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    if total <= INLINE_ROWS:
        out = io.BytesIO()
        write(kind, query, out)
        return out.getvalue()
    job = ExportJob(
        kind=name, filters=_storable(filters), zone_id=reviewer.zone_id, reviewer_id=reviewer.id, total_rows=total
    )
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit('workers.exports.run_export', job.id)
    return job


def _storable(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the job's JSON column keeps them: a day as its ISO text (the list query reads either)."""
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in filters.items()}


def run(export_id: int) -> ExportJob:
    """The job body: write the workbook to disk, reporting progress on the job row as it goes."""
    # Committed: the progress page sees the job running while its rows stream.
    if not file_jobs.claim(ExportJob, export_id, utcnow()):
        return db.session.get(ExportJob, export_id)
    remove_expired()
    job = db.session.get(ExportJob, export_id)
    kind = KINDS[job.kind]
    reviewer = db.session.get(Reviewer, job.reviewer_id)
    folder = Path(current_app.instance_path) / 'exports'
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f'{job.id}-{secrets.token_hex(8)}.xlsx'

    def progress(done: int) -> None:
        # Its own connection: the rows stream through a server-side cursor that a commit here would close.
        with db.engine.begin() as conn:
            conn.execute(sa.update(ExportJob).where(ExportJob.id == export_id).values(processed_rows=done))

    try:
        count = write(kind, kind.query(reviewer, job.filters), str(path), progress)
    except Exception:
        db.session.rollback()
        path.unlink(missing_ok=True)
        job = db.session.get(ExportJob, export_id)
        job.status, job.message, job.finished_at = ImportStatus.FAILED, '导出失败，请重试', utcnow()
        commit_batch()  # kept: the job's unit of work rolls back what is pending when the error goes on to rq
        raise
    job = db.session.get(ExportJob, export_id)
    now = utcnow()
    job.status, job.processed_rows, job.total_rows = ImportStatus.FINISHED, count, count
    job.path, job.finished_at, job.expires_at = str(path), now, now + LINK_TTL
    return job


def downloadable(job: ExportJob) -> bool:
    return (
        job.status is ImportStatus.FINISHED
        and job.path is not None
        and job.expires_at > utcnow()
        and os.path.exists(job.path)
    )


def fail_stale(now: datetime, started_before: datetime) -> int:
    """Exports whose worker died while writing: failed, their partial file removed, so the page stops waiting."""
    stale = file_jobs.stale_running(ExportJob, started_before)
    for job in stale:
        if job.path:
            Path(job.path).unlink(missing_ok=True)
        job.status, job.path, job.finished_at, job.message = ImportStatus.FAILED, None, now, '导出中断，请重新导出'
    return len(stale)


def remove_expired() -> int:
    """Delete the files of expired exports (each export job sweeps before it writes)."""
    expired = db.session.scalars(
        sa.select(ExportJob).where(ExportJob.path.is_not(None), ExportJob.expires_at <= utcnow())
    ).all()
    for job in expired:
        Path(job.path).unlink(missing_ok=True)
        job.path = None
    return len(expired)
