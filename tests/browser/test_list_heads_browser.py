"""A reviewer in headless Chromium reads above a list how many rows match and which filters are on, and clears them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.extensions import db
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def _head(page) -> str:
    return ' '.join(page.locator('#list-head').inner_text().split())


def test_the_payments_list_says_how_many_match_and_which_filter_is_on(
    page, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('wang', role='zone_admin')
    for status in ('approved', 'approved', 'paid'):
        create_registration(create_student(), zone, status=status, amount_due_fen=40000)
    sign_in(page, 'wang')
    page.click('header a:has-text("缴费")')
    assert _head(page) == '共 3 条 未筛选，显示全部'
    page.select_option('select[name=status]', label='参保成功')
    page.click('button:has-text("查询")')
    page.wait_for_url('**/admin/payments?*')
    assert _head(page) == '共 1 条 筛选条件：状态：参保成功 清除筛选'
    page.click('#list-head a:has-text("清除筛选")')
    page.wait_for_url('**/admin/payments')
    assert _head(page) == '共 3 条 未筛选，显示全部'
    assert page.input_value('select[name=status]') == ''


def test_the_audit_log_is_narrowed_to_a_day_and_a_person(page, create_reviewer, zone):
    create_reviewer('wang', role='zone_admin')
    li = create_reviewer('li')
    li.display_name = '李老师'
    for moment in (datetime(2026, 11, 1, 16, 0, tzinfo=UTC), datetime(2026, 11, 2, 16, 0, tzinfo=UTC)):
        audit.record(Actor.reviewer(li.id, li.role), 'login', zone_id=zone.id).at = moment
    db.session.commit()
    sign_in(page, 'wang')
    page.click('header a:has-text("审计日志")')
    page.select_option('select[name=person]', label='李老师（li）')
    page.fill('input[name=since]', '2026-11-02')
    page.fill('input[name=until]', '2026-11-02')
    page.click('button:has-text("筛选")')
    page.wait_for_url('**/admin/audit?*')
    assert _head(page) == '共 1 条 筛选条件：操作人：李老师（li）；日期：2026-11-02 至 2026-11-02（北京时间） 清除筛选'
    assert page.locator('table tr td:has-text("2026-11-02 00:00:00")').count() == 1
