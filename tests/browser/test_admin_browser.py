"""A reviewer works the admin page in headless Chromium."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import Registration

pytestmark = pytest.mark.browser


def _login(page, username='centre'):
    page.goto('/admin/login')
    page.fill('input[name=username]', username)
    page.fill('input[name=password]', 'review-pass-1')
    page.click('button:has-text("登录")')
    page.wait_for_url('**/admin/')


def _statuses():
    db.session.expire_all()
    return {r.id: r.status.value for r in db.session.scalars(sa.select(Registration))}


def test_review_and_cash_payment_in_the_browser(page, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    first, second, third, fourth = (create_registration(create_student(), zone, status='submitted') for _ in range(4))
    page.on('dialog', lambda dialog: dialog.accept())  # 登记现金缴费 and 批量通过 ask first
    _login(page)
    assert page.locator('tbody tr, table tr').count() >= 5
    # Search by ID number, open the record, approve.
    page.fill('input[name=q]', first.id_number)
    page.click('button:has-text("查询")')
    page.click('a:has-text("查看")')
    assert first.id_number in page.content()
    page.click('button:has-text("通过")')
    page.wait_for_selector('text=已通过')
    # Cash payment on the approved record.
    page.fill('input[name=voucher_no]', 'CASH-001')
    page.click('button:has-text("登记现金缴费")')
    page.wait_for_selector('text=现金缴费已登记，参保成功')
    # Return with a reason.
    page.goto(f'/admin/registrations/{second.id}')
    page.fill('textarea[name=reason]', '证件照片不清晰，请重新上传')
    page.click('button:has-text("退回")')
    page.wait_for_selector('text=已退回')
    # Batch approve the rest.
    page.goto('/admin/')
    for registration in (third, fourth):
        page.check(f'input[name=ids][value="{registration.id}"]')
    page.click('button:has-text("批量通过")')
    page.wait_for_selector('text=批量通过：成功2条，失败0条')
    assert _statuses() == {first.id: 'paid', second.id: 'returned', third.id: 'approved', fourth.id: 'approved'}
    assert db.session.get(Registration, second.id).review_reason == '证件照片不清晰，请重新上传'


def test_enter_in_a_reason_decides_nothing_and_a_refusal_is_asked_before_it_is_sent(
    page, create_reviewer, zone, create_student, create_registration
):
    """Enter in 批量退回原因 sent the form with its first button, 批量通过; 不予通过 sat next to 通过 unasked."""
    create_reviewer('centre')
    first, second = (create_registration(create_student(), zone, status='submitted') for _ in range(2))
    _login(page)
    dialogs = []

    def accept(dialog):  # were Enter to press a button, its question would be answered yes
        dialogs.append(dialog.message)
        dialog.accept()

    page.on('dialog', accept)
    page.check(f'input[name=ids][value="{first.id}"]')
    page.fill('input[name=reason]', '照片不清晰，请重新上传')
    page.press('input[name=reason]', 'Enter')
    page.check(f'input[name=ids][value="{second.id}"]')
    page.press(f'input[name=ids][value="{second.id}"]', 'Enter')
    page.wait_for_timeout(500)
    assert (dialogs, _statuses()) == ([], {first.id: 'submitted', second.id: 'submitted'})
    page.remove_listener('dialog', accept)
    asked = []
    page.once('dialog', lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click('button:has-text("批量退回")')
    page.wait_for_timeout(300)
    assert asked == ['确定退回所选的登记吗？学生会收到退回原因。'] and _statuses()[first.id] == 'submitted'
    page.goto(f'/admin/registrations/{first.id}')
    page.fill('textarea[name=reason]', '非本校学生')
    page.press('textarea[name=reason]', 'Control+Enter')
    page.once('dialog', lambda dialog: dialog.accept())
    page.click('button:has-text("不予通过")')
    page.wait_for_selector('text=不予通过')
    assert _statuses() == {first.id: 'rejected', second.id: 'submitted'}


def test_wrong_password_in_the_browser(page, create_reviewer, zone):
    create_reviewer('centre')
    page.goto('/admin/login')
    page.fill('input[name=username]', 'centre')
    page.fill('input[name=password]', 'wrong-password')
    page.click('button:has-text("登录")')
    page.wait_for_selector('text=用户名或密码错误')


def test_statistics_page_in_the_browser(page, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    create_registration(
        create_student(),
        zone,
        status='submitted',
        submitted_at=__import__('miniapp_backend.models.base', fromlist=['utcnow']).utcnow(),
    )
    _login(page)
    page.click('a:has-text("统计")')
    page.wait_for_selector('svg[aria-label="参保进度"]')
    assert '累计提交 1' in page.content()


def test_import_with_errors_and_its_report_in_the_browser(page, create_reviewer, zone, tmp_path):
    import io as _io
    from pathlib import Path

    from openpyxl import load_workbook

    from miniapp_backend.enrolment.imports import runner
    from miniapp_backend.enrolment.imports.importers import KINDS
    from miniapp_backend.models import ImportJob
    from tests.admin.test_imports import workbook
    from tests.factories import make_id_number

    create_reviewer('centre')
    path = tmp_path / 'roster.xlsx'
    path.write_bytes(
        workbook(
            KINDS['roster'].headers,
            [
                ['王', '居民身份证', make_id_number(), '正常参保', '2024-01-01', 2026],
                ['李', '居民身份证', '123', '正常参保', '2024-01-01', 2026],
            ],
        )
    )
    _login(page)
    page.click('a:has-text("Excel导入")')
    page.select_option('select[name=kind]', 'roster')
    page.set_input_files('input[name=file]', str(path))
    page.click('button:has-text("上传并导入")')
    page.wait_for_selector('text=排队中')
    runner.run(db.session.scalars(sa.select(ImportJob)).one().id)  # what the rq worker runs (tested with a real one)
    page.reload()
    page.wait_for_selector('#error-report')
    with page.expect_download() as download:
        page.click('#error-report')
    rows = list(load_workbook(_io.BytesIO(Path(download.value.path()).read_bytes())).active.values)
    assert rows[0] == ('行号', '列', '原因') and rows[1][:2] == (3, '证件号码')


def test_next_after_a_decision_walks_the_filtered_queue_to_its_end(
    page, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('centre')
    older, elsewhere, newer = (
        create_registration(create_student(), zone, status='submitted', college=college)
        for college in ('计算机与信息学院', '外国语学院', '计算机与信息学院')
    )
    _login(page)
    page.fill('input[name=college]', '计算机与信息学院')
    page.click('button:has-text("查询")')
    page.click('a:has-text("查看")')  # the newest of the filtered queue
    assert newer.id_number in page.content()
    page.click('button:has-text("通过")')
    page.wait_for_selector('text=已通过，待学生缴费')
    page.click('#next-record')
    page.wait_for_url(f'**/admin/registrations/{older.id}?college=*')
    assert older.id_number in page.content()
    page.fill('textarea[name=reason]', '照片不清晰')
    page.click('button:has-text("退回")')
    page.wait_for_selector('text=已退回')
    assert page.locator('#next-record').count() == 0
    assert page.locator('#queue-done').inner_text() == '队列已处理完'
    page.click('a:has-text("返回审核队列")')
    page.wait_for_selector('text=没有记录')
    assert _statuses() == {older.id: 'returned', elsewhere.id: 'submitted', newer.id: 'approved'}


def test_select_all_ticks_every_row_of_the_page_for_a_batch(
    page, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('centre')
    rows = [create_registration(create_student(), zone, status='submitted') for _ in range(3)]
    _login(page)
    page.check('.select-all')
    assert page.locator('input[name=ids]:checked').count() == 3
    page.uncheck('.select-all')
    assert page.locator('input[name=ids]:checked').count() == 0
    page.check('.select-all')
    page.once('dialog', lambda dialog: dialog.accept())
    page.click('button:has-text("批量通过")')
    page.wait_for_selector('text=批量通过：成功3条')
    assert _statuses() == {row.id: 'approved' for row in rows}
