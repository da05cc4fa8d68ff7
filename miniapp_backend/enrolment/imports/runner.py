"""Running an import: read the stored workbook, apply row by row, record progress and per-row errors."""
from __future__ import annotations

import io
import logging
from collections.abc import Callable

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.enrolment.imports.reading import WorkbookRejected, data_rows
from miniapp_backend.enrolment.reports.export import workbook_bytes
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, ImportRowError, Reviewer
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ImportStatus
from miniapp_backend.unit_of_work import commit_batch

logger = logging.getLogger(__name__)
#: Rows applied and committed together; progress is reported after each chunk.
CHUNK_ROWS = 500
#: Rows applied before the tables' statistics are first refreshed, then again each time the count doubles.
FIRST_ANALYSE = 1000


def run(import_id: int, report: Callable[[int, int], None] = lambda done, total: None) -> ImportJob:
    """Apply every row of a queued import; a rejected workbook fails the job and changes nothing."""
    job = db.session.get(ImportJob, import_id)
    if job is None or job.status is not ImportStatus.QUEUED:
        return job
    importer = KINDS[job.kind.value]
    reviewer = db.session.get(Reviewer, job.reviewer_id)
    actor = Actor.reviewer(reviewer.id, reviewer.role)
    job.status = ImportStatus.RUNNING
    commit_batch()
    try:
        rows = data_rows(job.workbook, importer.headers)
        job.total_rows = len(rows)
        commit_batch()
        analyse_at = FIRST_ANALYSE
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start:start + CHUNK_ROWS]
            errors = importer.apply(job.zone, actor, chunk)
            job.processed_rows += len(chunk)
            job.ok_rows += len(chunk) - len(errors)
            job.error_rows += len(errors)
            db.session.add_all(ImportRowError(job=job, row=number, column=error.column, reason=error.reason[:255])
                               for number, error in sorted(errors.items()))
            commit_batch()
            if job.ok_rows >= analyse_at:
                _analyse(importer.tables)
                analyse_at *= 2
            report(job.processed_rows, job.total_rows)
        job.status, job.message = ImportStatus.FINISHED, f'成功{job.ok_rows}行，失败{job.error_rows}行'
    except WorkbookRejected as rejected:
        db.session.rollback()
        job = db.session.get(ImportJob, import_id)
        job.status, job.message = ImportStatus.FAILED, rejected.message
    job.workbook = None  # the uploaded file may hold ID numbers: keep it no longer than needed
    job.finished_at = utcnow()
    commit_batch()
    report(job.processed_rows, job.total_rows)
    logger.info('import %s (%s): %s', job.id, job.kind.value, job.message)
    return job


def _analyse(tables: tuple[str, ...]) -> None:
    """Refresh the planner's statistics for tables an import is filling.

    Autovacuum catches up a minute or more later; until then a table that was small when last analysed is planned
    as small, and the duplicate check of each chunk scans every row instead of looking people up by index.
    """
    if tables and db.session.get_bind().dialect.name == 'postgresql':
        db.session.execute(sa.text('ANALYZE ' + ', '.join(tables)))
        commit_batch()


def error_report(job: ImportJob) -> bytes:
    """行号 / 列 / 原因 for every refused row (no ID numbers in it)."""
    return workbook_bytes('错误报告', ['行号', '列', '原因'], ((e.row, e.column, e.reason) for e in job.errors))


def template(kind: str) -> bytes:
    """A blank template: Chinese headers with notes, dropdowns for enumerations, text format for ID numbers."""
    importer = KINDS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = '导入数据'
    sheet.append(importer.headers)
    for position, header in enumerate(importer.headers, start=1):
        cell = sheet.cell(row=1, column=position)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, len(header) * 2 + 4)
        if header in importer.notes:
            cell.comment = Comment(importer.notes[header], '医保参保')
        if header == '证件号码':
            for row in range(2, 2002):
                sheet.cell(row=row, column=position).number_format = '@'
        if header in importer.choices:
            validation = DataValidation(type='list', formula1='"' + ','.join(importer.choices[header]) + '"',
                                        allow_blank=True, showErrorMessage=True, error='请从下拉列表中选择')
            sheet.add_data_validation(validation)
            validation.add(f'{letter}2:{letter}50001')
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
