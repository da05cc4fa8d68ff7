"""Proofs: a payment's e-receipt (HTML and PDF), certificates from a record and for a class, the public check."""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from miniapp_backend.enrolment.payment.receipts import amount_in_words
from miniapp_backend.enrolment.payment.record import record_payment
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Payment, School
from miniapp_backend.models.base import utcnow
from tests.admin.pages import login


def pdf_links(data: bytes) -> list[str]:
    """The PDF opens, and its verification links (the QR code's target) are read back from its annotations."""
    reader = PdfReader(io.BytesIO(data))
    links = []
    for page in reader.pages:
        for annotation in page.get('/Annots') or []:
            action = annotation.get_object().get('/A')
            if action and action.get('/URI'):
                links.append(str(action['/URI']))
    return links


def verify_path(url: str) -> str:
    return '/verify/' + url.split('/verify/', 1)[1]


@pytest.fixture
def paid(zone, create_student, create_registration):
    made = []
    for number in range(2):
        registration = create_registration(
            create_student(), zone, status='approved', amount_due_fen=40000, name=f'王小{"一二"[number]}'
        )
        record_payment(
            registration,
            amount_fen=40000,
            paid_at=utcnow(),
            voucher_no=f'3340000{number}',
            channel='tax',
            source='gateway',
        )
        made.append(registration)
    db.session.commit()
    return made


def test_amounts_in_words():
    assert amount_in_words(40000) == '肆佰元整'
    assert amount_in_words(38050) == '叁佰捌拾元伍角'


def test_receipt_page_and_pdf_verify_on_the_public_page(client, create_reviewer, paid):
    create_reviewer('liu')
    login(client, 'liu')
    payment = db.session.scalars(sa.select(Payment).where(Payment.registration_id == paid[0].id)).one()
    record = client.get(f'/admin/registrations/{paid[0].id}').text
    assert f'/admin/payments/{payment.id}/receipt.pdf' in record and '打印参保证明（PDF）' in record
    page = client.get(f'/admin/payments/{payment.id}/receipt').text
    for expected in (
        '缴费凭证',
        '王小一',
        '¥400.00',
        '人民币肆佰元整',
        '税务系统缴费',
        '33400000',
        '北京时间',
        '宣城市税务局',
    ):
        assert expected in page
    assert paid[0].id_number not in page
    response = client.get(f'/admin/payments/{payment.id}/receipt.pdf')
    assert response.mimetype == 'application/pdf' and response.data.startswith(b'%PDF')
    [link] = pdf_links(response.data)
    public = client.application.test_client()  # nobody logged in: a bank clerk scanning the QR code
    check = public.get(verify_path(link)).text
    assert '有效' in check and '缴费凭证' in check and '¥400.00' in check
    assert paid[0].id_number not in check and paid[0].id_number[:6] in check and '王*' in check
    forged = verify_path(link)[:-3] + ('AAA' if not link.endswith('AAA') else 'BBB')
    assert '无效' in public.get(forged).text
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == 'print_receipt')) == 1


def test_certificates_from_the_record_and_for_a_class(
    client, create_reviewer, paid, zone, create_student, create_registration
):
    create_reviewer('liu')
    pending = create_registration(create_student(), zone, status='approved', amount_due_fen=40000)
    login(client, 'liu')
    one = client.get(f'/admin/registrations/{paid[0].id}/certificate.pdf')
    [link] = pdf_links(one.data)
    assert '有效' in client.get(verify_path(link)).text
    refused = client.get(f'/admin/registrations/{pending.id}/certificate.pdf', follow_redirects=True)
    assert '缴费成功后才能打印参保证明' in refused.text
    batch = client.get(f'/admin/certificates.pdf?college={paid[0].college}&class_name={paid[0].class_name}')
    assert len(PdfReader(io.BytesIO(batch.data)).pages) == 2 and len(pdf_links(batch.data)) == 2
    # The record page's link names the school too: another school's class of the same name is not printed.
    other = School(code='OTHER1', name='另一所大学', zone=zone)
    db.session.add(other)
    twin = create_registration(
        create_student(), zone, status='approved', amount_due_fen=40000, school=other, class_name=paid[0].class_name
    )
    record_payment(twin, amount_fen=40000, paid_at=utcnow(), voucher_no='33400009', channel='tax', source='gateway')
    db.session.commit()
    link = re.search(r'href="(/admin/certificates\.pdf\?[^"]+)"', client.get(f'/admin/registrations/{paid[0].id}').text)
    own = client.get(html.unescape(link.group(1)))
    assert len(PdfReader(io.BytesIO(own.data)).pages) == 2
    assert client.get('/admin/certificates.pdf?class_name=没有这个班').status_code == 404


def test_a_certificate_is_invalid_once_the_registration_is_no_longer_paid(client, create_reviewer, paid):
    create_reviewer('liu')
    login(client, 'liu')
    [link] = pdf_links(client.get(f'/admin/registrations/{paid[0].id}/certificate.pdf').data)
    db.session.execute(sa.text("UPDATE registrations SET status = 'expired' WHERE id = :id"), {'id': paid[0].id})
    db.session.commit()
    page = client.get(verify_path(link)).text
    assert '无效' in page and re.search(r'未找到对应的参保缴费记录', page)


def test_another_scope_cannot_print(client, create_reviewer, create_zone, paid):
    create_zone('370200', '青岛市')
    create_reviewer('qd', zone_code='370200')
    login(client, 'qd')
    payment = db.session.scalars(sa.select(Payment)).first()
    assert client.get(f'/admin/payments/{payment.id}/receipt.pdf').status_code == 404
    assert client.get(f'/admin/registrations/{paid[0].id}/certificate.pdf').status_code == 404
