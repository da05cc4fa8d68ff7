"""The line above each list: how many rows match (counted up to a cap) and which filters are on, with 清除筛选."""

from __future__ import annotations

from datetime import date

import pytest

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.reports import paging
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, InsuredPerson, Suspension
from miniapp_backend.models.base import utcnow
from miniapp_backend.security.blind_index import blind_index
from tests.admin.pages import clear_link, list_head, login, search
from tests.factories import make_id_number


@pytest.fixture
def centre(create_reviewer, zone, client):
    create_reviewer('centre', role='zone_admin')
    login(client, 'centre')
    return client


def _payable(zone, create_student, create_registration, **statuses):
    for status, count in statuses.items():
        for _ in range(count):
            create_registration(create_student(), zone, status=status, amount_due_fen=40000)


def test_payments_say_how_many_match_and_which_filters_are_on(centre, zone, create_student, create_registration):
    _payable(zone, create_student, create_registration, approved=3, paid=2, submitted=1)
    create_registration(create_student(), zone, status='approved', name='欧阳娜娜', amount_due_fen=40000)
    page = centre.get('/admin/payments').text
    assert list_head(page) == '共 6 条 未筛选，显示全部' and clear_link(page) is None
    paid = search(centre, '/admin/payments', status='paid').text
    assert list_head(paid) == '共 2 条 筛选条件：状态：参保成功 清除筛选'
    assert clear_link(paid) == '/admin/payments'
    found = search(centre, '/admin/payments', q='阳娜', status='approved').text
    assert list_head(found) == '共 1 条 筛选条件：姓名、学号或证件号码：阳娜；状态：待缴费 清除筛选'
    # A status the list does not have filters nothing, and the line says so rather than naming it.
    assert list_head(search(centre, '/admin/payments', status='draft').text) == '共 6 条 未筛选，显示全部'


def test_a_count_beyond_the_cap_says_so(centre, zone, create_student, create_registration, monkeypatch):
    monkeypatch.setattr(paging.capped_count, '__defaults__', (3,))
    _payable(zone, create_student, create_registration, approved=4)
    # Without a search the count is the kept counts' (exact); a search counts rows, up to the cap.
    assert list_head(centre.get('/admin/payments').text).startswith('共 4 条')
    capped = list_head(search(centre, '/admin/payments', q='张').text)
    assert capped.startswith('共 3+ 条 （超过3条不再逐条计数，可加筛选条件缩小范围）')


def test_the_register_says_how_many_match_and_which_filters_are_on(centre, zone):
    for index, status in enumerate(('normal', 'normal', 'suspended')):
        id_number = make_id_number(index + 1)
        db.session.add(
            InsuredPerson(
                id_index=blind_index(id_number),
                id_number=id_number,
                name=f'参保人{index}',
                zone_id=zone.id,
                insurance_type='390',
                status=status,
                since=date(2026, 1, 1),
                source='roster',
            )
        )
    db.session.commit()
    assert list_head(centre.get('/admin/register').text) == '共 3 条 未筛选，显示全部'
    page = search(centre, '/admin/register', status='suspended', q='参保人').text
    assert list_head(page) == '共 1 条 筛选条件：证件号码或姓名：参保人；参保状态：暂停参保 清除筛选'
    assert clear_link(page) == '/admin/register'


def test_suspensions_say_how_many_match_and_which_filters_are_on(centre, zone):
    for index, status in enumerate(('submitted', 'confirmed', 'confirmed')):
        id_number = make_id_number(index + 1)
        db.session.add(
            Suspension(
                name=f'停保人{index}',
                id_number=id_number,
                id_index=blind_index(id_number),
                origin_zone_id=zone.id,
                origin_zone_code=zone.code,
                reason='异地就学',
                suspend_from=date(2026, 9, 1),
                status=status,
                consent_at=utcnow(),
            )
        )
    db.session.commit()
    assert list_head(centre.get('/admin/suspensions').text) == '共 3 条 未筛选，显示全部'
    page = search(centre, '/admin/suspensions', status='confirmed').text
    assert list_head(page) == '共 2 条 筛选条件：状态：已暂停 清除筛选'
    assert clear_link(page) == '/admin/suspensions'


def test_imports_say_how_many_match_filter_by_kind_and_page(centre, zone, create_reviewer, monkeypatch):
    monkeypatch.setattr(paging.newest_first, '__defaults__', (2,))
    reviewer_id = create_reviewer('uploader').id
    for kind in ('roster', 'roster', 'roster', 'subsidised'):
        db.session.add(ImportJob(kind=kind, zone_id=zone.id, reviewer_id=reviewer_id, filename=f'{kind}.xlsx'))
    db.session.commit()
    page = centre.get('/admin/imports').text
    assert list_head(page) == '共 4 条 未筛选，显示全部' and '下一页' in page
    rosters = search(centre, '/admin/imports', kind='roster').text
    assert list_head(rosters) == '共 3 条 筛选条件：导入类型：参保名册 清除筛选'
    assert clear_link(rosters) == '/admin/imports'


def test_the_audit_log_says_how_many_match_and_which_filters_are_on(centre, zone, create_reviewer):
    li = create_reviewer('li')
    li.display_name = '李老师'
    for _ in range(2):
        audit.record(Actor.reviewer(li.id, li.role), 'login', zone_id=zone.id)
    db.session.commit()
    page = search(centre, '/admin/audit', person=str(li.id), since='2000-01-01').text
    summary = list_head(page)
    assert summary.startswith('共 2 条 筛选条件：操作人：李老师（li）；日期：2000-01-01 至 今天（北京时间）')
    assert clear_link(page) == '/admin/audit'


def test_the_audit_log_says_how_many_events_match_the_action_chosen(centre):
    page = search(centre, '/admin/audit', action='login').text
    assert list_head(page) == '共 1 条 筛选条件：操作：登录了审核系统 清除筛选'
    assert clear_link(page) == '/admin/audit'
