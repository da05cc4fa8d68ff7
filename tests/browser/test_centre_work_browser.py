"""The centre's daily work in headless Chromium: a phone suspension, printed documents and their public check."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.payment.record import record_payment
from miniapp_backend.extensions import db
from miniapp_backend.models import Suspension
from miniapp_backend.models.base import utcnow
from tests.admin.test_printing import pdf_links
from tests.browser.pages import sign_in
from tests.factories import make_id_number

pytestmark = pytest.mark.browser


def test_record_a_phone_suspension(page, create_reviewer, zone):
    create_reviewer('liu')
    sign_in(page, 'liu')
    page.click('a:has-text("停保管理")')
    form = page.locator('#phone-suspension')
    form.locator('input[name=name]').fill('赵敏')
    form.locator('input[name=id_number]').fill(make_id_number())
    form.locator('input[name=origin_zone_code]').fill('340403')
    form.locator('select[name=reason]').select_option('在学籍地（外地）参加城乡居民医保')
    form.locator('input[name=suspend_from]').fill('2026-12-31')
    form.locator('input[name=note]').fill('淮南市医保中心 李工 受理号 HN-118')
    form.locator('button:has-text("登记电话停保")').click()
    page.wait_for_selector('text=已登记赵敏的电话停保')
    assert '已暂停' in page.locator('#suspensions').inner_text()
    assert db.session.scalars(sa.select(Suspension.status)).one() == 'confirmed'


def test_print_a_certificate_and_an_e_receipt_and_verify_them(
    page, live_server, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('liu')
    registration = create_registration(create_student(), zone, status='approved', amount_due_fen=40000)
    record_payment(
        registration, amount_fen=40000, paid_at=utcnow(), voucher_no='334000012345', channel='tax', source='gateway'
    )
    db.session.commit()
    sign_in(page, 'liu')
    page.goto(f'/admin/registrations/{registration.id}')
    links = {}
    for selector, name in (('#print-certificate', 'certificate'), ('a.receipt-pdf', 'receipt')):
        href = page.locator(selector).get_attribute('href')
        response = page.request.get(href)  # the browser's own session fetches the PDF
        assert response.status == 200 and response.headers['content-type'] == 'application/pdf'
        [links[name]] = pdf_links(response.body())
    for name, link in links.items():
        # The QR code's target, opened as a stranger would: a new context without the reviewer's cookies.
        stranger = page.context.browser.new_context()
        public = stranger.new_page()
        public.goto(live_server + '/verify/' + link.split('/verify/', 1)[1])
        assert public.locator('#verdict').inner_text() == '有效', name
        text = public.inner_text('body')
        assert registration.id_number not in text and registration.id_number[:6] + '********' in text
        stranger.close()
    page.click('text=查看')
    page.wait_for_selector('text=人民币肆佰元整')
