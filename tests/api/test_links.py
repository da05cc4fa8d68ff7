"""Links that work without the bearer token (signed, short-lived), 我已缴费 checking now, Chinese field errors."""

from __future__ import annotations

import io
import time
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from PIL import Image

from miniapp_backend.enrolment.payment import links
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration
from miniapp_backend.models.base import utcnow
from tests.factories import make_id_number


@pytest.fixture
def approved(student_client, create_zone, create_registration):
    zone = create_zone()
    student = student_client()
    from miniapp_backend.models import Student

    owner = db.session.get(Student, student.student_id)
    registration = create_registration(owner, zone, status='approved', amount_due_fen=40000, id_number=make_id_number())
    return student, registration


def _public_path(url: str) -> str:
    return urlsplit(url).path


def test_parents_qr_is_served_from_a_signed_link_without_a_token(app, approved, client):
    student, registration = approved
    target = student.get(f'/registrations/{registration.id}/payment').json
    assert client.get(f'/api/v1/registrations/{registration.id}/payment/qr.png').status_code == 401
    image = client.get(_public_path(target['qr_url']))
    assert image.status_code == 200 and image.mimetype == 'image/png'
    assert Image.open(io.BytesIO(image.data)).size[0] > 100
    scheme = urlsplit(target['qr_target'])
    params = parse_qs(scheme.query)
    assert (scheme.scheme, scheme.netloc, scheme.path) == ('weixin', 'dl', '/business/')
    assert params['appid'] == ['wx-tax-appid'] and params['path'] == ['pages/pay/index']
    assert '?' not in params['path'][0] and '%3D' in target['qr_target']
    assert parse_qs(unquote(params['query'][0]))['ref'] == [f'R{registration.id:08d}']


def test_a_path_template_saved_before_it_was_checked_never_stops_a_zones_payments(app, approved, client):
    """A stray name or brace ({zone} for {zone_code}) is refused by the settings form now; one already stored is
    left as written, and the payment page and the parents' QR still answer."""
    student, registration = approved
    registration.zone.pay_path_template = 'pages/pay/index?zone={zone}&ref={ref}&x={'
    db.session.commit()
    target = student.get(f'/registrations/{registration.id}/payment')
    assert target.status_code == 200, target.json
    assert target.json['navigate']['path'] == f'pages/pay/index?zone={{zone}}&ref=R{registration.id:08d}&x={{'
    assert client.get(_public_path(target.json['qr_url'])).status_code == 200


def test_the_payment_page_is_told_by_the_servers_clock_when_the_window_has_closed(app, approved):
    student, registration = approved
    assert student.get(f'/registrations/{registration.id}/payment').json['window_closed'] is False
    registration.zone.window_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    target = student.get(f'/registrations/{registration.id}/payment').json
    assert target['window_closed'] is True and target['amount_fen'] == 40000


def test_tampered_and_expired_links_are_refused(app, approved, client, monkeypatch):
    student, registration = approved
    url = student.get(f'/registrations/{registration.id}/payment').json['qr_url']
    other = _public_path(url).replace(f'/{registration.id}.', f'/{registration.id + 1}.')
    assert client.get(other).status_code == 404
    assert client.get(_public_path(url)[:-2] + 'xx').status_code == 404
    real_time = time.time
    monkeypatch.setattr(time, 'time', lambda: real_time() + links.LIFETIME + 5)
    expired = client.get(_public_path(url))
    assert expired.status_code == 410 and expired.json['message'] == '链接已过期，请在小程序中重新打开'


def test_certificate_link_only_after_payment(app, approved, client, fake_tax):
    student, registration = approved
    assert student.get(f'/registrations/{registration.id}/certificate-link').status_code == 409
    fake_tax.add_payment('341800', registration.year, registration.id_number, 40000, utcnow(), 'V-LINK-1')
    assert student.post(f'/registrations/{registration.id}/payment/check').json['status'] == 'paid'
    link = student.get(f'/registrations/{registration.id}/certificate-link').json
    assert link['expires_in'] <= 3600
    page = client.get(_public_path(link['url']))
    assert page.status_code == 200 and '参保证明' in page.text


def test_the_e_receipt_pdf_comes_from_a_signed_link_of_the_students_own_payment(
    app, approved, client, fake_tax, student_client
):
    student, registration = approved
    fake_tax.add_payment('341800', registration.year, registration.id_number, 40000, utcnow(), 'V-RECEIPT-1')
    assert student.post(f'/registrations/{registration.id}/payment/check').json['status'] == 'paid'
    (receipt,) = student.get(f'/registrations/{registration.id}/receipts').json['receipts']
    link = student.get(f'/registrations/{registration.id}/receipts/{receipt["id"]}/link').json
    assert link['expires_in'] <= 3600
    # No bearer token (wx.downloadFile): a PDF naming the tax voucher.
    pdf = client.get(_public_path(link['url']))
    assert pdf.status_code == 200 and pdf.mimetype == 'application/pdf' and pdf.data.startswith(b'%PDF')
    # Another student cannot get a link to it; a tampered link is refused.
    other = student_client()
    assert other.get(f'/registrations/{registration.id}/receipts/{receipt["id"]}/link').status_code == 404
    assert student.get(f'/registrations/{registration.id}/receipts/{receipt["id"] + 1}/link').status_code == 404
    assert client.get(_public_path(link['url'])[:-2] + 'xx').status_code == 404


def test_check_now_asks_the_tax_bureau_at_most_every_30_seconds(app, approved, fake_tax):
    student, registration = approved
    first = student.post(f'/registrations/{registration.id}/payment/check').json
    assert first == {'checked': True, 'status': 'approved', 'status_label': first['status_label']}
    fake_tax.add_payment(
        '341800', registration.year, registration.id_number, 40000, utcnow() - timedelta(minutes=1), 'V-NOW-1'
    )
    asked = len(fake_tax.requests)
    second = student.post(f'/registrations/{registration.id}/payment/check').json
    assert (second['checked'], second['status'], len(fake_tax.requests)) == (False, 'approved', asked)
    app.extensions['redis'].delete(f'test:payment-check:{registration.id}')
    third = student.post(f'/registrations/{registration.id}/payment/check').json
    assert (third['checked'], third['status'], third['status_label']) == (True, 'paid', '参保成功')


def test_check_now_with_a_record_the_bureau_sent_wrong_answers_and_flags_it(app, approved, fake_tax):
    student, registration = approved
    fake_tax.add_payment('341800', registration.year, registration.id_number, 40000, '0001-01-01T00:00:00+01:00', 'V')
    answer = student.post(f'/registrations/{registration.id}/payment/check')
    assert answer.status_code == 200 and answer.json['status'] == 'approved'
    db.session.expire_all()
    assert '缴费记录无法识别' in db.session.get(Registration, registration.id).flag


def test_missing_fields_are_named_in_chinese(app, student_client, zone):
    response = student_client().post('/registrations', json={'name': '张晓雨'})
    assert response.status_code == 422
    assert response.json['errors']['zone_code'] == ['此项为必填项']
    assert response.json['errors']['id_number'] == ['此项为必填项']
