"""Running an import: read the stored workbook, apply row by row, record progress and per-row errors."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from miniapp_backend.enrolment import file_jobs
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.enrolment.imports.reading import BudgetExceeded, CellError, WorkbookRejected, data_rows
from miniapp_backend.enrolment.reports.workbooks import workbook_bytes
from miniapp_backend.enrolment.scope import may_import
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, ImportRowError, Reviewer
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ImportStatus
from miniapp_backend.unit_of_work import commit_batch

logger = logging.getLogger(__name__)
#: The column that names the person in every import kind.
PERSON_COLUMN = '证件号码'
#: Rows applied and committed together; progress is reported after each chunk.
CHUNK_ROWS = 500
#: Rows applied before the tables' statistics are first refreshed, then again each time the count doubles.
FIRST_ANALYSE = 1000


def run(
    import_id: int, report: Callable[[int, int], None] = lambda done, total: None, budget_seconds: float | None = None
) -> ImportJob:
    """Apply every row of a queued import; it always ends `finished` or `failed`, within its time budget.

    A rejected workbook fails the job and changes nothing; a row the rules refuse is reported with its row number;
    anything unexpected fails the job with the rows already applied kept and counted.
    """
    if not file_jobs.claim(ImportJob, import_id, utcnow()):
        return db.session.get(ImportJob, import_id)
    job = db.session.get(ImportJob, import_id)
    budget = budget_seconds if budget_seconds is not None else current_app.config['IMPORT_TIME_BUDGET']
    deadline = time.monotonic() + budget
    try:
        _apply_all(job, deadline, report)
        job.status, job.message = ImportStatus.FINISHED, f'成功{job.ok_rows}行，失败{job.error_rows}行'
    except WorkbookRejected as rejected:
        job = _failed(import_id, rejected.message)
    except Exception:
        logger.exception('import %s stopped by an unexpected error', import_id)
        job = _failed(import_id, '导入因系统错误中断')
    job.workbook = None  # the uploaded file may hold ID numbers: keep it no longer than needed
    job.finished_at = utcnow()
    commit_batch()
    report(job.processed_rows, job.total_rows)
    logger.info('import %s (%s): %s', job.id, job.kind.value, job.message)
    return job


def _apply_all(job: ImportJob, deadline: float, report: Callable[[int, int], None]) -> None:
    importer = KINDS[job.kind.value]
    reviewer = db.session.get(Reviewer, job.reviewer_id)
    actor = Actor.reviewer(reviewer.id, reviewer.role)
    if not reviewer.active or not may_import(reviewer, job.kind):
        raise WorkbookRejected(f'上传人的角色（{reviewer.role.label}）不能导入「{job.kind.label}」')
    rows = data_rows(job.workbook, importer.headers, deadline)
    job.total_rows = len(rows)
    rows, repeated = _first_of_each(rows, importer.repeat_columns)
    job.processed_rows += len(repeated)
    _record(job, repeated)
    commit_batch()
    analyse_at = FIRST_ANALYSE
    for start in range(0, len(rows), CHUNK_ROWS):
        if time.monotonic() > deadline:
            raise BudgetExceeded(f'导入超过时间上限，其余{len(rows) - start}行未导入，请拆分文件后重新上传')
        chunk = rows[start : start + CHUNK_ROWS]
        errors = importer.apply(job.zone, actor, chunk)
        job.processed_rows += len(chunk)
        job.ok_rows += len(chunk) - len(errors)
        _record(job, errors)
        commit_batch()
        if job.ok_rows >= analyse_at:
            _analyse(importer.tables)
            analyse_at *= 2
        report(job.processed_rows, job.total_rows)


def _record(job: ImportJob, errors: dict[int, CellError]) -> None:
    job.error_rows += len(errors)
    db.session.add_all(
        ImportRowError(job=job, row=number, column=error.column[:64], reason=error.reason[:255])
        for number, error in sorted(errors.items())
    )


def _first_of_each(
    rows: list[tuple[int, dict]], columns: tuple[str, ...]
) -> tuple[list[tuple[int, dict]], dict[int, CellError]]:
    """Every kind: a person (or, for payments, a person's voucher) listed twice in one file is applied once, and
    each repeat is reported with the row it repeats."""
    seen: dict[tuple, int] = {}
    kept, repeated = [], {}
    what = '是同一人' if columns == (PERSON_COLUMN,) else '重复'
    for number, row in rows:
        key = tuple(str(row.get(column) or '').strip().upper() for column in columns)
        if not all(key):
            kept.append((number, row))
            continue
        if key in seen:
            repeated[number] = CellError(columns[0], f'与本表第{seen[key]}行{what}')
            continue
        seen[key] = number
        kept.append((number, row))
    return kept, repeated


def _failed(import_id: int, message: str) -> ImportJob:
    """Roll back the unfinished chunk; what was committed before stays, and the job says it failed."""
    db.session.rollback()
    job = db.session.get(ImportJob, import_id)
    job.status = ImportStatus.FAILED
    job.message = (
        f'{message}（已处理{job.processed_rows}行：成功{job.ok_rows}行，失败{job.error_rows}行）'
        if job.processed_rows
        else message
    )[:255]
    return job


def fail_stale(now, budget_seconds: float) -> int:
    """Imports a worker started long past their budget ago and never ended (the worker died): failed, with their
    workbook dropped, so none stays `running` forever. Time spent waiting in the queue does not count."""
    stale = file_jobs.stale_running(ImportJob, now - timedelta(seconds=2 * budget_seconds + 300))
    for job in stale:
        job.status, job.workbook, job.finished_at = ImportStatus.FAILED, None, now
        job.message = (
            f'导入中断（超过时间上限未完成），已处理{job.processed_rows}行，请核对后重新上传'
            if job.processed_rows
            else '导入中断（超过时间上限未完成），请重新上传'
        )
    commit_batch()
    return len(stale)


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


#: What the 说明 sheet says about each column (the import's own checks are the final word).
COLUMN_HELP = {
    '姓名': '与证件一致的姓名',
    '证件类型': '从下拉列表选择；不填按居民身份证',
    '证件号码': '文本格式，18位身份证号码末位X大写',
    '民族': '从下拉列表选择（GB 3304，如“01-汉族”）',
    '婚姻状况': '从下拉列表选择',
    '手机号码': '11位手机号码',
    '居住地址': '现居住地址',
    '户籍地址': '户口簿上的地址',
    '户籍地区划': '户籍所在县（区）的6位行政区划代码',
    '学校代码': '从下拉列表选择本专区的学校',
    '学校': '从下拉列表选择本专区的学校',
    '学号': '学校的学号',
    '学院': '学院全称',
    '班级': '班级全称，与辅导员账号的班级一致',
    '特殊身份': '资助参保对象须本人在小程序签署承诺书，此处只能填“无”',
    '原参保地区划': '原参保地（户籍地）6位行政区划代码',
    '暂停原因': '从下拉列表选择',
    '暂停日期': 'YYYY-MM-DD，一般为当年12月31日',
    '参保状态': '从下拉列表选择',
    '参保日期': 'YYYY-MM-DD',
    '缴费至年度': '四位年份',
    '缴费金额（元）': '如 400.00',
    '电子税票号码': '税务部门出具的电子税票号码',
    '缴费时间': 'YYYY-MM-DD HH:MM:SS（北京时间）',
    '资助类别': '从下拉列表选择',
    '认定部门': '如 民政局、乡村振兴局',
    '入学年份': '四位年份，如 2024',
    '学习形式': '从下拉列表选择（全日制 / 非全日制）',
}


def _choices(importer, zone) -> dict[str, list[str]]:
    """Dropdown values per column: the importer's own, plus those that depend on the zone or on long code lists."""
    from miniapp_backend.enrolment.labels import ETHNICITIES
    from miniapp_backend.enrolment.suspension.desk import REASONS

    choices = dict(importer.choices)
    extra = {'民族': [f'{code}-{name}' for code, name in ETHNICITIES.items()], '暂停原因': list(REASONS)}
    if zone is not None:
        extra['学校代码'] = [f'{school.code}-{school.name}' for school in zone.schools]
        extra['学校'] = [school.name for school in zone.schools]
    choices.update({header: values for header, values in extra.items() if header in importer.headers})
    return choices


def template(kind: str, zone=None) -> bytes:
    """A blank template: Chinese headers with notes, dropdowns for every enumerated column (lists kept on a hidden
    sheet, so long ones such as the 58 民族 fit), text format for ID numbers, and a 说明 sheet."""
    from openpyxl import Workbook  # loaded where a template is made, not by every web worker at start
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    importer = KINDS[kind]
    choices = _choices(importer, zone)
    book = Workbook()
    sheet = book.active
    sheet.title = '导入数据'
    options = book.create_sheet('选项')
    options.sheet_state = 'hidden'
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
        if header in choices:
            options.cell(row=1, column=position, value=header)
            for row, value in enumerate(choices[header], start=2):
                options.cell(row=row, column=position, value=value)
            source = f"'选项'!${letter}$2:${letter}${len(choices[header]) + 1}"
            validation = DataValidation(
                type='list', formula1=source, allow_blank=True, showErrorMessage=True, error='请从下拉列表中选择'
            )
            sheet.add_data_validation(validation)
            validation.add(f'{letter}2:{letter}50001')
    guide = book.create_sheet('说明', 1)
    guide.append(['列', '填写说明', '可选值'])
    for header in importer.headers:
        guide.append(
            [header, importer.notes.get(header) or COLUMN_HELP.get(header, ''), '、'.join(choices.get(header, [])[:60])]
        )
    guide.append([])
    guide.append(
        ['', '从第2行起每行一人；表头不要修改；有误的行不会导入，导入完成后可下载错误报告，改正后只需重新上传这些行。']
    )
    for column, width in zip('ABC', (16, 60, 80), strict=True):
        guide.column_dimensions[column].width = width
    for cell in guide[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
