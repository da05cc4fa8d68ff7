"""The scope suite: every admin page, export and import kind, as each role, against records inside and outside
its scope. Nothing outside shows (names, ID numbers, counts, audit rows, imports) and nothing outside changes."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import SYSTEM
from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.enrolment.registration.review import seen_stamp
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    AuditEvent,
    College,
    Document,
    ImportJob,
    ImportRowError,
    InsuredPerson,
    Payment,
    Registration,
    School,
    SchoolClass,
)
from tests.factories import make_id_number

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: (school code, college, class) of each cell of the campus; zone B is a whole other zone.
CELLS = {
    'class1': ('10359X', '计算机与信息学院', '计算机22-1班'),
    'class2': ('10359X', '计算机与信息学院', '计算机22-2班'),
    'college2': ('10359X', '经济与管理学院', '经济22-1班'),
    'school2': ('S2', '经管学院', '经管22-1班'),
}
#: Which cells each role sees.
VISIBLE = {
    'zone_admin': {'class1', 'class2', 'college2', 'school2'},
    'centre_reviewer': {'class1', 'class2', 'college2', 'school2'},
    'school_admin': {'class1', 'class2', 'college2'},
    'college_reviewer': {'class1', 'class2'},
    'counsellor': {'class1'},
}
SCOPES = {
    'zone_admin': {},
    'centre_reviewer': {},
    'school_admin': {'school_code': '10359X'},
    'college_reviewer': {'school_code': '10359X', 'college': '计算机与信息学院'},
    'counsellor': {'school_code': '10359X', 'college': '计算机与信息学院', 'class_name': '计算机22-1班'},
}
ALLOWED_IMPORTS = {
    'zone_admin': set(KINDS),
    'centre_reviewer': set(KINDS),
    'school_admin': {'registrations'},
    'college_reviewer': {'registrations'},
    'counsellor': set(),
}


class Person:
    def __init__(self, cell, registration):
        self.cell, self.registration = cell, registration
        self.id, self.name, self.id_number = registration.id, registration.name, registration.id_number


@pytest.fixture
def campus(create_zone, create_student, create_registration):
    zone = create_zone(review_stages=['counsellor', 'college', 'school', 'centre'])
    other_zone = create_zone('370200', '青岛市')
    s1 = zone.schools[0]
    computing = s1.colleges[0]
    economics = College(name='经济与管理学院', school=s1)
    s2 = School(code='S2', name='宣城第二学院', zone=zone)
    business = College(name='经管学院', school=s2)
    db.session.add_all(
        [
            SchoolClass(name='计算机22-2班', college=computing),
            economics,
            s2,
            business,
            SchoolClass(name='经济22-1班', college=economics),
            SchoolClass(name='经管22-1班', college=business),
        ]
    )
    db.session.commit()
    schools = {'10359X': s1, 'S2': s2}
    people = []
    for cell, (school, college, class_name) in CELLS.items():
        for status, stage in (('submitted', 'counsellor'), ('approved', None)):
            registration = create_registration(
                create_student(),
                zone,
                status=status,
                stage=stage,
                name=f'范围{cell}{status}',
                id_number=make_id_number(),
                school=schools[school],
                college=college,
                class_name=class_name,
                amount_due_fen=40000 if status == 'approved' else None,
                student_no=f'NO{cell}{status}',
            )
            people.append(Person(cell, registration))
    outsider = create_registration(
        create_student(),
        other_zone,
        status='submitted',
        name='他区人员',
        id_number=make_id_number(),
        school=other_zone.schools[0],
    )
    people.append(Person('zone_b', outsider))
    for person in people:
        r = person.registration
        db.session.add(
            Document(
                registration=r,
                kind='id_photo',
                content_type='image/jpeg',
                data=f'PHOTO-{person.id}'.encode(),
                sha256='0' * 64,
            )
        )
        db.session.add(
            InsuredPerson(
                id_index=r.id_index, id_number=r.id_number, name=r.name, zone_id=r.zone_id, since=r.created_at.date()
            )
        )
        audit.record(SYSTEM, 'open_record', zone_id=r.zone_id, registration_id=r.id)
    db.session.commit()
    return zone, people


def _login(client, create_reviewer, role):
    create_reviewer(role, role=role, **SCOPES[role])
    client.post(
        '/admin/login',
        data={
            'username': role,
            'password': 'review-pass-1',
            'csrf_token': _CSRF.search(client.get('/admin/login').text).group(1),
        },
    )
    assert client.get('/admin/').status_code == 200


def _text(response) -> str:
    if response.mimetype.endswith('spreadsheetml.sheet'):
        book = load_workbook(io.BytesIO(response.data))
        return '\n'.join(
            ' '.join('' if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    if response.mimetype.startswith('image/'):
        return response.data.decode('latin-1')
    return response.get_data(as_text=True)


def _pages(app, people, jobs):
    """Every GET page of the admin blueprint: plain ones with and without format=xlsx, per-record, per-import."""
    for rule in app.url_map.iter_rules():
        if (
            not rule.endpoint.startswith('admin.')
            or 'GET' not in rule.methods
            or rule.endpoint in ('admin.static', 'admin.login', 'admin.import_template')
        ):
            continue
        if not rule.arguments:
            path = rule.rule
            yield path
            yield f'{path}?format=xlsx'
            yield f'{path}?all=1'
            yield f'{path}?all=1&format=xlsx'
        elif rule.arguments == {'registration_id'}:
            for person in people:
                yield rule.rule.replace('<int:registration_id>', str(person.id))
        elif rule.arguments == {'import_id'}:
            for job in jobs:
                yield rule.rule.replace('<int:import_id>', str(job))


@pytest.mark.parametrize('role', list(VISIBLE))
def test_every_page_and_export_shows_only_the_scope(app, client, create_reviewer, campus, role):
    zone, people = campus
    # An import by another reviewer (zone-wide) exists; its error report names a row of another school.
    create_reviewer('other-admin', role='zone_admin')
    other = db.session.scalars(sa.select(ImportJob)).first()
    job = ImportJob(
        kind='roster',
        zone_id=zone.id,
        reviewer_id=db.session.scalars(sa.text("SELECT id FROM reviewers WHERE username = 'other-admin'")).one(),
        filename='他人的导入.xlsx',
    )
    db.session.add(job)
    db.session.flush()
    db.session.add(ImportRowError(job=job, row=2, column='证件号码', reason='他人的错误报告'))
    db.session.commit()
    assert other is None
    _login(client, create_reviewer, role)
    inside = [p for p in people if p.cell in VISIBLE[role]]
    outside = [p for p in people if p.cell not in VISIBLE[role]]
    markers = [m for p in outside for m in (p.name, p.id_number, f'PHOTO-{p.id}')]
    seen = set()
    for path in _pages(app, people, [job.id]):
        response = client.get(path)
        assert response.status_code in (200, 302, 403, 404), path
        text = _text(response)
        leaked = [m for m in markers if m in text]
        assert not leaked, f'{role} sees {leaked} on {path}'
        if any(f'/registrations/{p.id}' in path for p in outside) or (
            '/imports/' in path and role not in ('zone_admin', 'centre_reviewer')
        ):
            assert response.status_code in (302, 403, 404), f'{role} opened {path}'
        seen.update(m for p in inside for m in (p.name,) if m in text)
    # The scope is shown, not only hidden: every inside person appears somewhere.
    assert seen == {p.name for p in inside}
    _check_counts(client, inside)
    _check_audit(client, inside, outside)


def _check_counts(client, inside):
    rows = list(load_workbook(io.BytesIO(client.get('/admin/statistics?format=xlsx').data)).active.values)
    by_status = sum(row[2] for row in rows[1:] if row[0] == '按状态')
    assert by_status == len(inside)


def _check_audit(client, inside, outside):
    rows = list(load_workbook(io.BytesIO(client.get('/admin/audit?format=xlsx').data)).active.values)
    shown = {row[4] for row in rows[1:] if row[4] is not None}
    assert shown <= {p.id for p in inside}
    assert not shown & {p.id for p in outside}


@pytest.mark.parametrize('role', list(VISIBLE))
def test_nothing_outside_the_scope_changes(app, client, create_reviewer, campus, role):
    _, people = campus
    _login(client, create_reviewer, role)
    outside = [p for p in people if p.cell not in VISIBLE[role]]
    token = _CSRF.search(client.get('/admin/').text).group(1)
    before = _state(outside)
    ids = [str(p.id) for p in outside]
    for person in outside:
        for data in (
            {'decision': 'approve'},
            {'decision': 'reject', 'reason': '越权'},
            {'decision': 'return', 'reason': '越权'},
        ):
            # With the record's true stamp, as if its page had been seen: the scope alone refuses.
            seen = seen_stamp(person.registration)
            client.post(f'/admin/registrations/{person.id}/decision', data={**data, 'seen': seen, 'csrf_token': token})
        client.post(f'/admin/registrations/{person.id}/cash', data={'amount': '400', 'csrf_token': token})
    seen = [f'{p.id}:{seen_stamp(p.registration)}' for p in outside]
    client.post('/admin/batch', data={'decision': 'approve', 'ids': ids, 'seen': seen, 'csrf_token': token})
    client.post('/admin/payments/cash', data={'ids': ids, 'csrf_token': token})
    assert _state(outside) == before


def _state(people):
    db.session.expire_all()
    ids = [p.id for p in people]
    statuses = db.session.execute(
        sa.select(Registration.id, Registration.status, Registration.stage)
        .where(Registration.id.in_(ids))
        .order_by(Registration.id)
    ).all()
    payments = db.session.scalar(
        sa.select(sa.func.count()).select_from(Payment).where(Payment.registration_id.in_(ids))
    )
    transitions = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.registration_id.in_(ids), AuditEvent.action == 'transition')
    )
    return statuses, payments, transitions


def _workbook(kind, rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(KINDS[kind].headers)
    for row in rows:
        sheet.append([row.get(h, '') for h in KINDS[kind].headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(kind, people):
    """One row per campus cell for each import kind (new people for registrations, the approved ones else)."""
    if kind == 'registrations':
        return [
            {
                '姓名': f'新生{cell}',
                '证件类型': '居民身份证',
                '证件号码': make_id_number(),
                '民族': '01-汉族',
                '婚姻状况': '未婚',
                '手机号码': '13800138000',
                '居住地址': '宣城',
                '户籍地址': '合肥',
                '户籍地区划': '340104',
                '学校代码': school,
                '学号': f'N{cell}',
                '学院': college,
                '班级': class_name,
                '特殊身份': '无',
            }
            for cell, (school, college, class_name) in CELLS.items()
        ]
    approved = [p for p in people if p.registration.status == 'approved']
    common = [{'姓名': p.name, '证件类型': '居民身份证', '证件号码': p.id_number} for p in approved]
    if kind == 'school_roster':
        return [
            {
                **row,
                '学校': p.registration.school.code,
                '学号': f'R{n}',
                '学院': p.registration.college,
                '班级': p.registration.class_name,
                '入学年份': '2024',
                '学习形式': '全日制',
            }
            for n, (row, p) in enumerate(zip(common, approved, strict=True))
        ]
    extra = {
        'suspensions': {'原参保地区划': '340400', '暂停原因': '在学籍地参保', '暂停日期': '2026-12-01'},
        'roster': {'参保状态': '正常参保', '参保日期': '2024-01-01', '缴费至年度': '2026'},
        'reconciliation': {'缴费金额（元）': '400', '电子税票号码': None, '缴费时间': '2026-10-01 10:00:00'},
        'subsidised': {'资助类别': '低保对象', '认定部门': '民政局'},
    }[kind]
    return [
        {**row, **extra, **({'电子税票号码': f'V{n}'} if kind == 'reconciliation' else {})}
        for n, row in enumerate(common)
    ]


@pytest.mark.parametrize('role', list(VISIBLE))
@pytest.mark.parametrize('kind', list(KINDS))
def test_imports_follow_the_role_and_scope(app, client, create_reviewer, campus, role, kind):
    _, people = campus
    _login(client, create_reviewer, role)
    outside = [p for p in people if p.cell not in VISIBLE[role]]
    before = _state(outside)
    response = client.post(
        '/admin/imports',
        content_type='multipart/form-data',
        follow_redirects=True,
        data={
            'kind': kind,
            'csrf_token': _CSRF.search(client.get('/admin/imports').text).group(1),
            'file': (io.BytesIO(_workbook(kind, _rows(kind, people))), 'data.xlsx'),
        },
    )
    job = db.session.scalars(sa.select(ImportJob)).first()
    if kind not in ALLOWED_IMPORTS[role]:
        assert job is None and '不能导入' in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == len(people)
        return
    job = runner.run(job.id)
    assert job.status == 'finished', job.message
    assert _state(outside) == before
    if kind == 'registrations':
        created = db.session.scalars(sa.select(Registration).where(Registration.name.like('新生%'))).all()
        assert {r.name.removeprefix('新生') for r in created} == VISIBLE[role]
        reasons = [e.reason for e in job.errors]
        assert len(reasons) == len(CELLS) - len(VISIBLE[role])
        assert all(re.search('不属于您管理的(学校|学院|班级)', reason) for reason in reasons)
