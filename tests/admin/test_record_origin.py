"""The record page tells how a registration was filed and the person's roster line, also on the registration a
student files again after the school's imported one was refused."""

from __future__ import annotations

import re

import sqlalchemy as sa

from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, Registration, RosterEntry
from tests.admin.pages import login, page_form, submit
from tests.admin.test_imports import registration_row, upload, workbook
from tests.api.conftest import StudentClient
from tests.factories import make_id_number, registration_fields

EXEMPT = '已参加职工基本医疗保险'


def _import(client, kind: str, rows: list[list]) -> None:
    """Upload a workbook through the imports form and run its job, as the imports worker would."""
    upload(client, kind, workbook(KINDS[kind].headers, rows))
    job = db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc())).first()
    runner.run(job.id)
    db.session.expire_all()
    assert job.status.value == 'finished' and not job.errors, job.errors


def _dd(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</d[dt]>', page, re.S)
    return re.sub(r'<[^>]+>', '', found.group(1)) if found else ''


def test_a_registration_filed_again_after_the_imported_one_was_refused_shows_the_import_and_the_exemption(
    client, create_reviewer, zone, fake_wechat
):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    id_number = make_id_number()
    _import(
        client,
        'school_roster',
        [
            [
                '10359X',
                '2023001',
                '王小明',
                '居民身份证',
                id_number,
                '计算机与信息学院',
                '计算机22-1班',
                '2023',
                '全日制',
            ]
        ],
    )
    entry = db.session.scalars(sa.select(RosterEntry)).one()
    exempt = page_form(client, '/admin/roster?state=pending', f'/admin/roster/{entry.id}/exempt')
    submit(client, exempt, reason=EXEMPT)
    _import(client, 'registrations', [registration_row(id_number)])
    imported = db.session.scalars(sa.select(Registration)).one()
    page = client.get(f'/admin/registrations/{imported.id}').text
    assert _dd(page, 'origin') == '学校导入'
    assert EXEMPT in page and 'id="roster-exempt"' in page

    form = page_form(client, f'/admin/registrations/{imported.id}', f'/admin/registrations/{imported.id}/decision')
    submit(client, form, ('decision', 'reject'), reason='学籍信息有误，请本人重新登记')

    student = StudentClient(client.application.test_client(), 'again')
    student.put('/me/zone', json={'zone_code': '341800'})
    created = student.post('/registrations', json=registration_fields(id_number=id_number, name='王小明'))
    assert created.status_code == 201, created.json
    assert student.post(f'/registrations/{created.json["id"]}/submit').status_code == 200

    page = client.get(f'/admin/registrations/{created.json["id"]}').text
    assert _dd(page, 'origin') == '学生在小程序登记'
    earlier = _dd(page, 'other-filings')
    assert f'登记{imported.id}：学校导入，不予通过（原因：学籍信息有误，请本人重新登记）' in earlier
    assert f'href="/admin/registrations/{imported.id}"' in page
    # The roster line is the person's: the new registration shows the exemption as the imported one did.
    assert 'id="roster-exempt"' in page and EXEMPT in page
    assert _dd(page, 'roster').startswith('无需参保：')


def test_the_roster_line_says_when_the_person_is_not_on_a_kept_roster(
    client, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    registration = create_registration(create_student(), zone, status='submitted')
    page = client.get(f'/admin/registrations/{registration.id}').text
    assert 'id="roster"' not in page  # no roster for the year: nobody is missing from it
    _import(
        client,
        'school_roster',
        [
            [
                '10359X',
                '2023009',
                '李四',
                '居民身份证',
                make_id_number(),
                '计算机与信息学院',
                '计算机22-1班',
                '2023',
                '全日制',
            ]
        ],
    )
    page = client.get(f'/admin/registrations/{registration.id}').text
    assert _dd(page, 'roster') == f'不在{zone.year}年度学籍名单中'
    assert _dd(page, 'origin') == '学生在小程序登记'
