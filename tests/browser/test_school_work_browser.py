"""A school's daily work in headless Chromium: the roster, progress per class, exemptions, accounts."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, RosterEntry
from tests.admin.test_imports import workbook
from tests.browser.pages import sign_in
from tests.roster.test_roster import CLASS_A, CLASS_B, roster_rows

pytestmark = pytest.mark.browser


def _pending(page, class_name):
    return page.locator(f'#progress tr[data-class="{class_name}"] td.pending').inner_text()


def test_roster_import_progress_drill_down_and_exemption(
    page, create_reviewer, zone, create_student, create_registration, tmp_path
):
    create_reviewer('wang', role='zone_admin')
    rows = roster_rows(zone, count_a=3, count_b=2)
    path = tmp_path / '学籍名单.xlsx'
    path.write_bytes(workbook(KINDS['school_roster'].headers, rows))
    sign_in(page, 'wang')
    page.click('a:has-text("Excel导入")')
    page.select_option('select[name=kind]', 'school_roster')
    page.set_input_files('input[name=file]', str(path))
    page.click('button:has-text("上传并导入")')
    page.wait_for_selector('text=排队中')
    runner.run(db.session.scalars(sa.select(ImportJob)).one().id)  # what the rq worker runs
    create_registration(create_student(), zone, status='submitted', id_number=rows[0][4], class_name=CLASS_A)
    page.click('a:has-text("参保进度")')
    assert (_pending(page, CLASS_A), _pending(page, CLASS_B)) == ('2', '2')
    page.click(f'#progress tr[data-class="{CLASS_A}"] td.pending a')
    page.wait_for_selector('h2:has-text("未办理")')
    listed = page.locator('#roster tr[data-student-no]')
    assert listed.count() == 2
    row = page.locator(f'#roster tr[data-student-no="{rows[1][1]}"]')
    row.locator('select[name=reason]').select_option('已参加职工基本医疗保险')
    row.locator('button:has-text("标记无需参保")').click()
    page.wait_for_selector(f'text=已将{rows[1][2]}标记为无需参保')
    assert page.locator('#roster tr[data-student-no]').count() == 1
    page.click('a:has-text("返回参保进度")')
    assert (_pending(page, CLASS_A), _pending(page, CLASS_B)) == ('1', '2')
    db.session.expire_all()
    assert (
        db.session.scalars(sa.select(RosterEntry.exempt_reason).where(RosterEntry.student_no == rows[1][1])).one()
        == '已参加职工基本医疗保险'
    )


def test_zone_admin_creates_a_counsellor_who_sees_only_their_class(
    page, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('wang', role='zone_admin')
    mine = create_registration(
        create_student(), zone, status='submitted', class_name=CLASS_A, name='本班学生', stage='centre'
    )
    create_registration(create_student(), zone, status='submitted', class_name=CLASS_B, name='外班学生', stage='centre')
    sign_in(page, 'wang')
    page.click('a:has-text("审核账号")')
    page.fill('input[name=username]', 'chen')
    page.fill('input[name=display_name]', '陈老师')
    page.select_option('select[name=role]', label='辅导员')
    page.select_option('select[name=school_id]', label=zone.schools[0].name)
    page.fill('input[name=college]', '计算机与信息学院')
    page.fill('input[name=class_name]', CLASS_A)
    page.click('button:has-text("创建账号")')
    password = page.locator('#issued-password').inner_text()
    page.click('button:has-text("退出")')
    page.goto('/admin/login')
    page.fill('input[name=username]', 'chen')
    page.fill('input[name=password]', password)
    page.click('button:has-text("登录")')
    page.wait_for_url('**/admin/password')
    page.fill('input[name=current]', password)
    page.fill('input[name=password]', 'chen-pass-2026')
    page.fill('input[name=repeat]', 'chen-pass-2026')
    page.click('button:has-text("保存新密码")')
    page.wait_for_selector('text=密码已修改，其他设备上的登录已退出')
    page.goto('/admin/?all=1')
    text = page.inner_text('main')
    assert '本班学生' in text and '外班学生' not in text
    assert re.search(r'全部登记（1）', text)
    page.goto(f'/admin/registrations/{mine.id}')
    assert '本班学生' in page.inner_text('main')
