"""A list's filters offer only the schools and colleges within the reviewer's scope; a school outside it is
ignored with a notice, and a reminder for it is not sent."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, College, School
from tests.admin.pages import csrf_token, login, notices, search


@pytest.fixture
def second_school(zone):
    school = School(code='10360', name='第二大学', zone=zone)
    db.session.add_all([school, College(name='文学院', school=school)])
    db.session.commit()
    return school


def _offered(page: str, name: str) -> list[str]:
    select = page.split(f'name="{name}"')[1].split('</select>')[0]
    return re.findall(r'<option value="[^"]*"[^>]*>([^<]+)</option>', select)


def _suggested_colleges(page: str) -> list[str]:
    return re.findall(
        r'<option value="([^"]+)">', page.split('<datalist id="scope-colleges">')[1].split('</datalist>')[0]
    )


def test_a_school_admin_is_offered_only_their_school_and_its_colleges(client, create_reviewer, zone, second_school):
    create_reviewer('mine', role='school_admin', school_code=zone.schools[0].code)
    login(client, 'mine')
    page = client.get('/admin/roster').text
    assert _offered(page, 'school_id') == ['全部学校', zone.schools[0].name]
    assert _suggested_colleges(page) == ['计算机与信息学院']
    assert _offered(client.get('/admin/').text, 'school') == ['全部学校', zone.schools[0].name]  # 待我审核 too


def test_a_college_reviewer_is_suggested_only_their_college(client, create_reviewer, zone, second_school):
    db.session.add(College(name='外国语学院', school=zone.schools[0]))
    db.session.commit()
    create_reviewer('dean', role='college_reviewer', school_code=zone.schools[0].code, college='计算机与信息学院')
    login(client, 'dean')
    page = client.get('/admin/roster').text
    assert _offered(page, 'school_id') == ['全部学校', zone.schools[0].name]
    assert _suggested_colleges(page) == ['计算机与信息学院']


def test_zone_wide_roles_are_offered_every_school_of_the_zone(client, create_reviewer, zone, second_school):
    create_reviewer('centre')
    login(client, 'centre')
    page = client.get('/admin/roster').text
    assert sorted(_offered(page, 'school_id')[1:]) == sorted([zone.schools[0].name, '第二大学'])
    assert sorted(_offered(client.get('/admin/').text, 'school')[1:]) == sorted([zone.schools[0].name, '第二大学'])
    assert set(_suggested_colleges(page)) == {'文学院', '计算机与信息学院'}


def test_a_school_outside_the_scope_is_ignored_visibly_and_reminds_no_one(client, create_reviewer, zone, second_school):
    create_reviewer('mine', role='school_admin', school_code=zone.schools[0].code)
    login(client, 'mine')
    page = search(client, '/admin/roster', school_id=str(second_school.id), state='pending')
    assert page.status_code == 200
    assert '所选学校不在您的管理范围内，已忽略该条件' in notices(page.text)
    reminded = client.post(
        '/admin/roster/remind',
        data={'csrf_token': csrf_token(client, '/admin/roster'), 'school_id': str(second_school.id)},
        follow_redirects=True,
    )
    assert '所选学校不在您的管理范围内，未发送提醒' in notices(reminded.text)
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == 'roster_reminder')) is None
