"""Crafted workbooks against the import job: each ends finished or failed within its budget, every bad row named."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, InsuredPerson, Registration, SubsidisedPerson
from miniapp_backend.models.base import utcnow
from tests.admin.test_imports import registration_row, upload, workbook
from tests.factories import make_id_number

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 20.0


@pytest.fixture
def admin_client(client, create_reviewer, zone):
    from tests.admin.test_admin import login

    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    return client


def _rewrite_sheet(data: bytes, change) -> bytes:
    """The same workbook with xl/worksheets/sheet1.xml passed through `change` (as a hand-edited file would be)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == 'xl/worksheets/sheet1.xml':
                content = change(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


def _queue_and_run(client, kind, data, budget=BUDGET) -> tuple[ImportJob, float]:
    upload(client, kind, data)
    job = db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc())).first()
    started = time.monotonic()
    job = runner.run(job.id, budget_seconds=budget)
    return job, time.monotonic() - started


def _roster(rows):
    return workbook(KINDS['roster'].headers, rows)


def test_a_lying_dimension_with_one_far_cell_ends_quickly(admin_client):
    ids = [make_id_number() for _ in range(3)]
    data = _roster([['李', '居民身份证', i, '正常参保', '2024-01-01', 2026] for i in ids])

    def lie(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD1048576"/>', xml)
        far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace('</sheetData>', far + '</sheetData>')

    job, took = _queue_and_run(admin_client, 'roster', _rewrite_sheet(data, lie))
    assert took < BUDGET and job.status == 'finished', job.message
    assert (job.ok_rows, job.error_rows) == (3, 0)  # the far cell lies beyond the columns read: an empty row
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InsuredPerson)) == 3
    assert job.workbook is None


def test_a_stale_dimension_does_not_hide_rows(admin_client):
    ids = [make_id_number() for _ in range(4)]
    data = _roster([['李', '居民身份证', i, '正常参保', '2024-01-01', 2026] for i in ids])
    stale = _rewrite_sheet(data, lambda xml: re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:F1"/>', xml))
    job, _ = _queue_and_run(admin_client, 'roster', stale)
    assert (job.status, job.ok_rows, job.error_rows) == ('finished', 4, 0), job.message
    assert job.message == '成功4行，失败0行'


def test_over_long_and_unstorable_cells_and_inf_amounts_are_row_errors(
    admin_client, student, zone, create_registration
):
    headers = KINDS['registrations'].headers
    good = make_id_number()
    rows = [
        registration_row(good),
        registration_row(make_id_number(), 姓名='王' * 300),
        registration_row(make_id_number(), 户籍地区划='3401041'),
        registration_row(make_id_number(), 居住地址='宣城\u2028市'),
        registration_row(make_id_number(), 学号='x' * 70),
    ]
    job, _ = _queue_and_run(admin_client, 'registrations', workbook(headers, rows))
    assert job.status == 'finished', job.message
    assert job.ok_rows == 1 and job.error_rows == 4 and {e.row for e in job.errors} == {3, 4, 5, 6}
    assert db.session.scalars(sa.select(Registration.id_number)).all() == [good]

    approved = create_registration(student, zone, status='approved', amount_due_fen=40000)
    headers = KINDS['reconciliation'].headers
    rows = [
        ['居民身份证', approved.id_number, amount, f'V{n}', '2026-11-01 10:00:00']
        for n, amount in enumerate(['inf', float('inf'), 'nan', '1e300', '-5', '400.001', '９'], start=1)
    ]
    rows.append(['居民身份证', make_id_number(), '400', 'V9' * 200, '2026-11-01 10:00:00'])
    job, _ = _queue_and_run(admin_client, 'reconciliation', workbook(headers, rows))
    assert job.status == 'finished', job.message
    assert job.ok_rows == 0 and job.error_rows == len(rows) == len({e.row for e in job.errors})
    db.session.expire_all()
    assert approved.status == 'approved'


def test_array_formulas_booleans_and_numbers_past_15_digits_are_row_errors_not_data(
    admin_client, student, zone, create_registration
):
    """openpyxl hands an array formula over as an object and Excel keeps 15 digits of a number: neither may be
    stored (an address read "<ArrayFormula object at …>", a voucher 32018526110000012345 became …9216)."""
    from openpyxl import load_workbook
    from openpyxl.worksheet.formula import ArrayFormula

    good = make_id_number()
    rows = [
        registration_row(good),
        registration_row(make_id_number(), 居住地址='placeholder'),
        registration_row(make_id_number(), 学号=True),
    ]
    data = workbook(KINDS['registrations'].headers, rows)
    book = load_workbook(io.BytesIO(data))
    column = KINDS['registrations'].headers.index('居住地址') + 1
    cell = book.active.cell(row=3, column=column)
    cell.value = ArrayFormula(cell.coordinate, '=CONCAT("宣城","市")')
    out = io.BytesIO()
    book.save(out)
    job, _ = _queue_and_run(admin_client, 'registrations', out.getvalue())
    assert (job.status, job.ok_rows, job.error_rows) == ('finished', 1, 2), job.message
    assert {(e.row, e.column) for e in job.errors} == {(3, '居住地址'), (4, '学号')}
    assert db.session.scalars(sa.select(Registration.id_number)).all() == [good]

    approved = create_registration(student, zone, status='approved', amount_due_fen=40000)
    headers = KINDS['reconciliation'].headers
    typed_as_number = ['居民身份证', approved.id_number, '400', 3.2018526110000012e19, '2026-11-01 10:00:00']
    job, _ = _queue_and_run(admin_client, 'reconciliation', workbook(headers, [typed_as_number]))
    assert (job.ok_rows, job.error_rows) == (0, 1) and '文本格式' in job.errors[0].reason
    db.session.expire_all()
    assert approved.status == 'approved'


@pytest.mark.parametrize('kind', ['roster', 'subsidised', 'suspensions', 'reconciliation', 'registrations'])
def test_every_kind_reports_a_person_listed_twice(admin_client, kind):
    twice = make_id_number()
    values = {
        '姓名': '李',
        '证件类型': '居民身份证',
        '证件号码': twice,
        '参保状态': '正常参保',
        '参保日期': '2024-01-01',
        '缴费至年度': 2026,
        '资助类别': '特困人员',
        '认定部门': '民政局',
        '原参保地区划': '340400',
        '暂停原因': '在学籍地参保',
        '暂停日期': '2026-12-01',
        '缴费金额（元）': '400',
        '电子税票号码': 'V1',
        '缴费时间': '2026-11-01 10:00:00',
    }
    if kind == 'registrations':
        rows = [registration_row(twice), registration_row(make_id_number()), registration_row(twice)]
    else:
        row = [values[h] for h in KINDS[kind].headers]
        rows = [row, [*row[:-1], row[-1]], row]
    job, _ = _queue_and_run(admin_client, kind, workbook(KINDS[kind].headers, rows))
    assert job.status == 'finished', job.message
    repeats = {e.row: e.reason for e in job.errors if '与本表' in e.reason}
    assert set(repeats) == {3, 4} if kind != 'registrations' else set(repeats) == {4}, job.errors
    if kind == 'subsidised':
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SubsidisedPerson)) == 1


def test_an_import_past_its_budget_fails_with_what_it_did(admin_client):
    rows = [['李', '居民身份证', make_id_number(), '正常参保', '2024-01-01', 2026] for _ in range(1200)]
    job, took = _queue_and_run(admin_client, 'roster', _roster(rows), budget=0.0)
    assert job.status == 'failed' and '时间上限' in job.message and took < BUDGET
    assert job.workbook is None and job.finished_at is not None


def test_stale_running_imports_are_failed_by_the_sweep(admin_client, app):
    upload(admin_client, 'roster', _roster([['李', '居民身份证', make_id_number(), '正常参保', '2024-01-01', 2026]]))
    job = db.session.scalars(sa.select(ImportJob)).one()
    job.status, job.started_at = 'running', utcnow() - timedelta(hours=3)  # its worker died long ago
    db.session.commit()
    from workers import jobs

    assert jobs.sweep_stale_imports() == {'failed': 1, 'requeued': 0}
    db.session.expire_all()
    assert job.status == 'failed' and '中断' in job.message and job.workbook is None
    assert jobs.sweep_stale_imports() == {'failed': 0, 'requeued': 0}


def test_time_in_a_busy_queue_does_not_make_an_import_stale(admin_client, app):
    """Uploaded 40 minutes ago, started a minute ago: running, not failed under the worker applying its rows."""
    upload(admin_client, 'roster', _roster([['李', '居民身份证', make_id_number(), '正常参保', '2024-01-01', 2026]]))
    job = db.session.scalars(sa.select(ImportJob)).one()
    job.created_at = utcnow() - timedelta(minutes=40)
    job.status, job.started_at = 'running', utcnow() - timedelta(minutes=1)
    db.session.commit()
    from workers import jobs

    assert jobs.sweep_stale_imports() == {'failed': 0, 'requeued': 0}
    db.session.expire_all()
    assert job.status == 'running'


def test_an_import_redis_never_got_is_enqueued_again_by_the_sweep_and_run_once(admin_client, app, test_environ):
    from miniapp_backend.extensions import get_queue
    from workers import jobs

    upload(admin_client, 'roster', _roster([['李', '居民身份证', make_id_number(), '正常参保', '2024-01-01', 2026]]))
    job = db.session.scalars(sa.select(ImportJob)).one()
    assert jobs.sweep_stale_imports()['requeued'] == 0  # just uploaded, and in the queue
    job.created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert jobs.sweep_stale_imports()['requeued'] == 0  # still in the queue: not enqueued twice
    get_queue('imports').empty()  # as if the enqueue after the upload had failed with Redis away
    assert jobs.sweep_stale_imports()['requeued'] == 1
    assert runner.run(job.id).status == 'finished'
    db.session.expire_all()
    assert (job.ok_rows, job.started_at is not None) == (1, True)
    assert runner.run(job.id).ok_rows == 1  # a second run of the same job applies nothing


def test_a_hostile_import_in_its_own_worker_does_not_hold_up_messages(admin_client, test_environ):
    """The imports pool runs the import; the main pool has nothing of it to wait for."""
    data = _rewrite_sheet(
        _roster([['李', '居民身份证', make_id_number(), '正常参保', '2024-01-01', 2026]]),
        lambda xml: re.sub(r'<dimension ref="[^"]+"/>', '<dimension ref="A1:XFD1048576"/>', xml),
    )
    upload(admin_client, 'roster', data)
    env = {**os.environ, **test_environ}
    main = subprocess.run(
        [sys.executable, '-m', 'workers', 'worker', 'main', '--burst'],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert main.returncode == 0
    db.session.expire_all()
    assert db.session.scalars(sa.select(ImportJob.status)).one() == 'queued'  # not its queue
    started = time.monotonic()
    imports = subprocess.run(
        [sys.executable, '-m', 'workers', 'worker', 'imports', '--burst'],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imports.returncode == 0, imports.stderr[-2000:]
    db.session.expire_all()
    job = db.session.scalars(sa.select(ImportJob)).one()
    assert (job.status, job.ok_rows) == ('finished', 1) and time.monotonic() - started < 60
