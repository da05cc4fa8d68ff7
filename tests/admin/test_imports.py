"""Excel imports: templates, a real worker applying rows, per-row errors, and every hostile or malformed file."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS, chunk_at_once
from miniapp_backend.enrolment.imports.reading import MAX_ROWS
from miniapp_backend.enrolment.registration.states import insert_transitioned
from miniapp_backend.enrolment.suspension import request as suspension_request
from miniapp_backend.enrolment.zones.settings import SHANGHAI
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, ImportJob, InsuredPerson, Registration, Reviewer, Suspension
from miniapp_backend.security.blind_index import blind_index
from tests.admin.pages import csrf_token, login
from tests.factories import make_id_number
from tests.statements import Statements

ROOT = Path(__file__).resolve().parents[2]


def workbook(headers, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, kind, data, filename='data.xlsx'):
    return client.post(
        '/admin/imports',
        data={'kind': kind, 'csrf_token': csrf_token(client, '/admin/'), 'file': (io.BytesIO(data), filename)},
        content_type='multipart/form-data',
        follow_redirects=True,
    )


@pytest.fixture
def admin_client(client, create_reviewer, zone):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    return client


def test_templates_have_headers_and_dropdowns(admin_client):
    for kind, importer in KINDS.items():
        response = admin_client.get(f'/admin/imports/templates/{kind}.xlsx')
        sheet = load_workbook(io.BytesIO(response.data)).active
        assert [cell.value for cell in sheet[1]] == importer.headers
        if importer.choices:
            assert sheet.data_validations.dataValidation
    book = load_workbook(io.BytesIO(admin_client.get('/admin/imports/templates/registrations.xlsx').data))
    listed = {cell.value for column in book['选项'].iter_cols() for cell in column}  # the dropdowns' lists
    assert len(book.active.data_validations.dataValidation) == 5 and {'居民身份证', '未婚'} <= listed
    assert admin_client.get('/admin/imports/templates/nope.xlsx').status_code == 404


def registration_row(id_number, **changes):
    row = {
        '姓名': '王小明',
        '证件类型': '居民身份证',
        '证件号码': id_number,
        '民族': '01-汉族',
        '婚姻状况': '未婚',
        '手机号码': '13800138000',
        '居住地址': '安徽省宣城市宣州区',
        '户籍地址': '安徽省合肥市',
        '户籍地区划': '340104',
        '学校代码': '10359X',
        '学号': '2023001',
        '学院': '计算机与信息学院',
        '班级': '计算机22-1班',
        '特殊身份': '无',
    }
    row.update(changes)
    return [row[h] for h in KINDS['registrations'].headers]


def test_registration_import_in_a_real_worker_with_an_error_report(admin_client, test_environ):
    good = make_id_number()
    rows = [
        registration_row(good),
        registration_row('340524198001010011'),
        registration_row(make_id_number(), 手机号码='=1+1'),
        registration_row(make_id_number(), 学校代码='NOPE'),
        registration_row(int(make_id_number()[:15])),
    ]
    page = upload(admin_client, 'registrations', workbook(KINDS['registrations'].headers, rows))
    job = db.session.scalars(sa.select(ImportJob)).one()
    assert f'导入 #{job.id}' in page.text and '排队中' in page.text
    result = subprocess.run(
        [sys.executable, '-m', 'workers', 'worker', '--burst'],
        cwd=ROOT,
        env={**os.environ, **test_environ},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    assert (job.status, job.ok_rows, job.error_rows, job.workbook) == ('finished', 1, 4, None), result.stderr[-3000:]
    registration = db.session.scalars(sa.select(Registration)).one()
    assert (registration.id_number, registration.status, registration.student_id) == (good, 'submitted', None)
    page = admin_client.get(f'/admin/imports/{job.id}').text
    assert '已完成' in page and '下载错误报告（4行）' in page
    report = list(
        load_workbook(io.BytesIO(admin_client.get(f'/admin/imports/{job.id}/errors.xlsx').data)).active.values
    )
    assert report[0] == ('行号', '列', '原因')
    assert {(r[0], r[1]) for r in report[1:]} == {(3, '证件号码'), (4, '手机号码'), (5, '学校代码'), (6, '证件号码')}
    assert any('公式' in r[2] for r in report[1:]) and any('文本格式' in r[2] for r in report[1:])
    assert not any(good in str(r) for r in report)


def _run(client, kind, data):
    upload(client, kind, data)
    job = db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc())).first()
    return runner.run(job.id)


def test_dates_in_every_excel_form(admin_client):
    headers = KINDS['roster'].headers
    forms = [datetime(2024, 1, 1), 45292, '2024-01-01', '2024/01/01', '20240101', '2024年01月01日', '2024.01.01']
    ids = [make_id_number() for _ in forms]
    rows = [['李', '居民身份证', i, '正常参保', f, 2026] for i, f in zip(ids, forms, strict=True)]
    job = _run(admin_client, 'roster', workbook(headers, rows))
    assert (job.ok_rows, job.error_rows) == (len(forms), 0)
    assert {p.since for p in db.session.scalars(sa.select(InsuredPerson))} == {date(2024, 1, 1)}


def test_suspension_import_and_bad_dates(admin_client):
    headers = KINDS['suspensions'].headers
    start = (date.today() + timedelta(days=7)).isoformat()
    job = _run(
        admin_client,
        'suspensions',
        workbook(
            headers,
            [
                ['王宣城', '居民身份证', make_id_number(), '340400', '在学籍地参保', start],
                ['李', '居民身份证', make_id_number(), '340400', '在学籍地参保', '下个月'],
                ['赵', '居民身份证', make_id_number(), '340400', '在学籍地参保', '1900-01-01'],
                ['钱', '居民身份证', make_id_number(), '341800', '在学籍地参保', start],
                ['孙', '居民身份证', make_id_number(), '340400', '无', start],
            ],
        ),
    )
    assert (job.ok_rows, job.error_rows) == (1, 4)
    assert [(e.row, e.column) for e in job.errors] == [
        (3, '暂停日期'),
        (4, '暂停日期'),
        (5, '原参保地区划'),
        (6, '暂停原因'),
    ]
    asked = db.session.scalars(sa.select(Suspension)).one()
    assert asked.origin_zone_code == '340400'
    # On the desk of the zone that imported it, though its home town (340400) is no zone here.
    assert '王宣城' in admin_client.get('/admin/suspensions').text
    # The same person and home town in a later file, while the first request waits: refused on its row.
    again = _run(
        admin_client,
        'suspensions',
        workbook(headers, [['王', '居民身份证', asked.id_number, '340400', '在学籍地参保', start]]),
    )
    assert (again.ok_rows, again.error_rows) == (0, 1)
    assert (again.errors[0].column, again.errors[0].reason) == (
        '证件号码',
        suspension_request.already_pending(None, None).message,
    )
    assert db.session.scalars(sa.select(Suspension.id)).all() == [asked.id]


@pytest.mark.parametrize(
    ('data', 'message'),
    [
        (b'PK\x03\x04 not really a zip', '不是有效的Excel工作簿'),
        (b'plain text', '不是有效的Excel工作簿'),
    ],
)
def test_not_a_workbook(admin_client, data, message):
    assert message in upload(admin_client, 'roster', data).text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportJob)) == 0


def test_a_zip_bomb_is_refused_before_decompressing(admin_client):
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('[Content_Types].xml', '<Types/>')
        archive.writestr('xl/worksheets/sheet1.xml', '<row/>' * 20_000_000)
    assert '解压后过大' in upload(admin_client, 'roster', out.getvalue()).text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportJob)) == 0


def test_a_bomb_hidden_beside_incompressible_padding_is_refused(admin_client):
    """The archive's ratio is low (the padding does not compress); the shared strings' own is a bomb's."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('[Content_Types].xml', '<Types/>')
        archive.writestr('xl/sharedStrings.xml', '<si><t>a</t></si>' * 3_000_000)
        archive.writestr('xl/media/padding.bin', os.urandom(600_000))
    data = out.getvalue()
    assert len(data) < 1_000_000
    assert '解压后过大' in upload(admin_client, 'roster', data).text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportJob)) == 0


def test_wrong_headers_fail_the_job_and_change_nothing(admin_client):
    job = _run(admin_client, 'roster', workbook(['名字', '号码'], [['王', make_id_number()]]))
    assert job.status == 'failed' and '缺少列' in job.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InsuredPerson)) == 0


@pytest.mark.slow
def test_too_many_rows_are_refused_before_any_row_applies(admin_client):
    headers = KINDS['subsidised'].headers
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for _ in range(MAX_ROWS + 1):
        sheet.append(['王', '居民身份证', '34052419800101001X', '孤儿', ''])
    out = io.BytesIO()
    book.save(out)
    job = _run(admin_client, 'subsidised', out.getvalue())
    assert job.status == 'failed' and '每次最多导入' in job.message and job.processed_rows == 0


def test_reconciliation_uses_the_payment_rules(admin_client, student, zone, create_registration):
    approved = create_registration(student, zone, status='approved', amount_due_fen=40000)
    headers = KINDS['reconciliation'].headers
    job = _run(
        admin_client,
        'reconciliation',
        workbook(
            headers,
            [
                ['居民身份证', approved.id_number, 380, 'V1', '2026-11-20 10:00:00'],
                ['居民身份证', approved.id_number, '400.00', 'V2', datetime(2026, 11, 20, 10)],
                ['居民身份证', make_id_number(), 400, 'V3', '2026-11-20'],
            ],
        ),
    )
    assert (job.ok_rows, job.error_rows) == (1, 2)
    db.session.expire_all()
    assert approved.status == 'paid' and approved.paid_at is not None
    assert [e.column for e in job.errors] == ['缴费金额（元）', '证件号码']


def test_reconciliation_marks_paid_an_expired_registration_paid_before_the_close(
    admin_client, student, create_student, zone, create_registration
):
    """The bureau's file lists a payment made in the window that it confirmed after the expiry: paid. One made after
    the close is refused on its row."""
    in_time = create_registration(student, zone, status='expired', amount_due_fen=40000)
    too_late = create_registration(create_student(), zone, status='expired', amount_due_fen=40000)
    before_close = zone.window_closes_at.astimezone(SHANGHAI) - timedelta(hours=2)
    after_close = zone.window_closes_at.astimezone(SHANGHAI) + timedelta(hours=2)
    job = _run(
        admin_client,
        'reconciliation',
        workbook(
            KINDS['reconciliation'].headers,
            [
                ['居民身份证', in_time.id_number, 400, 'V1', before_close.strftime('%Y-%m-%d %H:%M:%S')],
                ['居民身份证', too_late.id_number, 400, 'V2', after_close.strftime('%Y-%m-%d %H:%M:%S')],
            ],
        ),
    )
    assert (job.ok_rows, job.error_rows) == (1, 1)
    assert [(e.column, e.reason) for e in job.errors] == [
        ('证件号码', '登记已过期，且缴费时间不在本年度缴费期内，不能登记缴费')
    ]
    db.session.expire_all()
    assert (in_time.status, too_late.status) == ('paid', 'expired')
    # The list of imports shows when each was uploaded and finished, and its rows kept and refused (seed 004).
    listed = admin_client.get('/admin/imports').text
    row = re.search(rf'<tr><td><a href="/admin/imports/{job.id}">{job.id}</a></td>(.*?)</tr>', listed, re.S).group(1)
    cells = re.findall(r'<td>(.*?)</td>', row, re.S)
    assert cells[0] == '税务对账' and re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d', cells[2]), cells
    assert re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d', cells[3]) and cells[5:7] == ['2/2', '1'], cells
    assert '>1</a>' in cells[7], cells


def test_registration_import_refuses_repeats_and_people_enrolled_elsewhere(
    admin_client, student, zone, create_zone, create_registration
):
    elsewhere = create_zone('340400', '淮南市')
    insured_there = make_id_number()
    db.session.add(
        InsuredPerson(
            id_index=blind_index(insured_there),
            id_number=insured_there,
            name='李',
            zone=elsewhere,
            status='normal',
            since=date(2024, 9, 1),
            source='roster',
        )
    )
    db.session.commit()
    registered = create_registration(student, zone, status='submitted')
    first = make_id_number()
    rows = [
        registration_row(first),
        registration_row(first),
        registration_row(insured_there),
        registration_row(registered.id_number),
        registration_row(make_id_number()),
    ]
    job = _run(admin_client, 'registrations', workbook(KINDS['registrations'].headers, rows))
    assert (job.ok_rows, job.error_rows) == (2, 3)
    reasons = {error.row: error.reason for error in job.errors}
    assert '同一人' in reasons[3] and '淮南市' in reasons[4] and '宣城市' in reasons[5]
    imported = db.session.scalars(sa.select(Registration).where(Registration.student_id.is_(None))).all()
    assert {r.status for r in imported} == {'submitted'} and len(imported) == 2
    events = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == 'transition', AuditEvent.registration_id.in_([r.id for r in imported])
        )
    )
    assert sorted((e.zone_id, e.to_status) for e in events) == [(zone.id, 'submitted')] * 2


def test_a_chunk_the_database_refuses_is_applied_again_row_by_row(admin_client, student, zone, create_registration):
    """A registration committed after a chunk's duplicate check (here: one the check never saw) breaks the unique
    index at flush; the chunk is redone row by row, and only that person's row is refused."""
    taken = create_registration(student, zone, status='submitted')
    blind_to_active = chunk_at_once(_without_duplicate_check)
    admin = db.session.scalars(sa.select(Reviewer)).one()
    actor = Actor.reviewer(admin.id, admin.role)
    rows = list(
        enumerate(
            [
                dict(zip(KINDS['registrations'].headers, registration_row(n), strict=False))
                for n in (make_id_number(), taken.id_number, make_id_number())
            ],
            start=2,
        )
    )
    errors = blind_to_active(zone, actor, rows)
    db.session.commit()
    assert list(errors) == [3] and errors[3].column == '证件号码'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 3


def _without_duplicate_check(zone, actor, rows):
    from miniapp_backend.enrolment.imports import importers

    schools = {school.code: school for school in zone.schools}
    insert_transitioned([importers.registration_from_row(zone, row, schools) for _, row in rows], 'submit', actor)
    return {}


def test_a_large_import_refreshes_the_statistics_of_the_tables_it_fills(admin_client):
    """Planned on stale statistics, each chunk's duplicate check would scan every registration (see runner)."""
    people = [
        make_id_number(serial=n % 500, birth=date(2004, 1, 1) + timedelta(days=n // 500))
        for n in range(runner.FIRST_ANALYSE)
    ]
    job = _run(
        admin_client,
        'registrations',
        workbook(KINDS['registrations'].headers, [registration_row(number) for number in people]),
    )
    assert (job.ok_rows, job.error_rows) == (runner.FIRST_ANALYSE, 0)
    planned = db.session.execute(
        sa.text("SELECT relname, reltuples FROM pg_class WHERE relname IN ('registrations', 'audit_events')")
    ).all()
    assert all(tuples >= runner.FIRST_ANALYSE for _, tuples in planned) and len(planned) == 2, planned


def test_each_chunk_of_registrations_is_written_by_one_statement_per_table(admin_client, zone):
    """A chunk's registrations, their audit rows and their statistics are a few Core statements (no flush of mapped
    objects, no statement per row), and the workbook is fetched once, not again with each reload of the job's
    progress after a chunk's commit."""
    people = [
        make_id_number(serial=n % 500, birth=date(2005, 1, 1) + timedelta(days=n // 500))
        for n in range(2 * runner.CHUNK_ROWS + 1)
    ]
    upload(
        admin_client,
        'registrations',
        workbook(KINDS['registrations'].headers, [registration_row(number) for number in people]),
    )
    job_id = db.session.scalars(sa.select(ImportJob.id).order_by(ImportJob.id.desc())).first()
    zone_id, first_stage = zone.id, (zone.review_stages or ['centre'])[0]
    db.session.remove()
    flushed = []

    def mapped_rows(session, context, instances):
        flushed.extend(i for i in session.new if isinstance(i, (Registration, AuditEvent)))

    sa.event.listen(Session, 'before_flush', mapped_rows)
    try:
        with Statements() as sent:
            job = runner.run(job_id)
    finally:
        sa.event.remove(Session, 'before_flush', mapped_rows)
    assert (job.ok_rows, job.error_rows) == (len(people), 0)
    inserts = [statement.split(' (')[0] for statement in sent.sql if statement.startswith('INSERT INTO')]
    chunks = 3
    assert inserts.count('INSERT INTO registrations') == chunks, inserts
    assert inserts.count('INSERT INTO audit_events') == chunks, inserts
    assert inserts.count('INSERT INTO registration_count_deltas') == chunks, inserts
    assert sum('import_jobs.workbook' in s for s in sent.sql if s.startswith('SELECT')) == 1
    assert flushed == []
    imported = db.session.scalars(sa.select(Registration).where(Registration.student_id.is_(None))).all()
    assert len(imported) == len(people)
    assert {(r.status, r.stage, r.renewal, r.identity, r.zone_id) for r in imported} == {
        ('submitted', first_stage, False, 'college_student', zone_id)
    }
    assert all(r.submitted_at == r.updated_at and r.created_at <= r.submitted_at for r in imported)
    assert {r.id_number for r in imported} == set(people)
    events = db.session.execute(
        sa.select(AuditEvent.registration_id, AuditEvent.from_status, AuditEvent.to_status).where(
            AuditEvent.action == 'transition', AuditEvent.registration_id.in_([r.id for r in imported])
        )
    ).all()
    assert sorted(events) == sorted((r.id, 'draft', 'submitted') for r in imported)


def test_a_chunk_whose_every_row_is_refused_writes_no_registration(admin_client):
    rows = [registration_row(make_id_number(), 手机号码='123'), registration_row('340524198001010011')]
    upload(admin_client, 'registrations', workbook(KINDS['registrations'].headers, rows))
    job_id = db.session.scalars(sa.select(ImportJob.id).order_by(ImportJob.id.desc())).first()
    with Statements() as sent:
        job = runner.run(job_id)
    assert (job.ok_rows, job.error_rows) == (0, 2)
    assert not [s for s in sent.sql if s.startswith(('INSERT INTO registrations', 'INSERT INTO audit_events'))]
    assert not [s for s in sent.sql if s.startswith('ROLLBACK TO SAVEPOINT')], sent.sql
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == 'transition')) == 0


def test_a_counsellor_who_imports_nothing_is_not_offered_an_empty_upload_form(client, create_reviewer, zone):
    create_reviewer(
        'fdy',
        role='counsellor',
        school_code=zone.schools[0].code,
        college='计算机与信息学院',
        class_name='计算机22-1班',
    )
    login(client, 'fdy')
    page = client.get('/admin/imports').text
    assert 'name="file"' not in page and '您的账号不导入文件' in page
    create_reviewer('centre')
    login(client, 'centre')
    assert 'name="file"' in client.get('/admin/imports').text
