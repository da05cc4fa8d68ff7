"""Payment (descriptor, QR, receipts) and the printable certificate with its public verification."""

from __future__ import annotations

import base64

from flask import Response, current_app, render_template
from flask_smorest import Blueprint

from miniapp_backend.api.auth import owned, student_required
from miniapp_backend.api.docs import BEARER, doc, errors
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.payment import certificates, documents, links, polling, target
from miniapp_backend.extensions import db, get_redis
from miniapp_backend.gateways import tax_gateway
from miniapp_backend.models import Payment, Registration
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import RegistrationStatus
from schemas.payments import (
    LinkSchema,
    PaymentCheckSchema,
    PaymentTargetSchema,
    ReceiptListSchema,
    VerificationSchema,
)

blp = Blueprint('payments', __name__, description='缴费与参保证明')
ITEM = '/registrations/<int:registration_id>'


@blp.get(f'{ITEM}/payment')
@blp.response(200, PaymentTargetSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409)
@student_required
def payment(registration_id):
    """Where and how much to pay: navigateToMiniProgram descriptors and the QR for paying on behalf."""
    return target.payment_target(owned(Registration, registration_id))


@blp.post(f'{ITEM}/payment/check')
@blp.response(200, PaymentCheckSchema)
@doc(security=BEARER)
@errors(blp, 401, 404)
@student_required
def check_payment(registration_id):
    """我已缴费: ask the tax bureau about this registration now (at most every 30 s), then answer its status."""
    registration = owned(Registration, registration_id)
    checked = polling.check_now(
        registration, tax_gateway(), utcnow(), get_redis(), current_app.config['REDIS_KEY_PREFIX']
    )
    return {
        'checked': checked,
        'status': str(registration.status),
        'status_label': RegistrationStatus(registration.status).label,
    }


@blp.get(f'{ITEM}/payment/qr.png')
@doc(
    security=BEARER,
    responses={
        200: {
            'description': 'QR code PNG',
            'content': {'image/png': {'schema': {'type': 'string', 'format': 'binary'}}},
        }
    },
)
@errors(blp, 401, 404, 409)
@student_required
def payment_qr(registration_id):
    """A QR code a parent scans to pay on the student's behalf."""
    return Response(target.qr_png(owned(Registration, registration_id)), mimetype='image/png')


@blp.get('/links/payment-qr/<string:token>')
@doc(
    responses={
        200: {
            'description': 'QR code PNG',
            'content': {'image/png': {'schema': {'type': 'string', 'format': 'binary'}}},
        }
    }
)
@errors(blp, 404, 409, 410)
def signed_payment_qr(token):
    """The parents' QR from a signed link (an <image src> carries no token)."""
    registration = _linked('payment-qr', token)
    return Response(target.qr_png(registration), mimetype='image/png', headers={'Cache-Control': 'no-store'})


@blp.get(f'{ITEM}/receipts')
@blp.response(200, ReceiptListSchema)
@doc(security=BEARER)
@errors(blp, 401, 404)
@student_required
def receipts(registration_id):
    """Payment records: tax voucher number, amount, time, channel."""
    rows = target.receipts(owned(Registration, registration_id))
    return {
        'receipts': [
            {
                'id': p.id,
                'voucher_no': p.voucher_no,
                'amount_fen': p.amount_fen,
                'paid_at': p.paid_at,
                'channel': p.channel.value,
            }
            for p in rows
        ]
    }


@blp.get(f'{ITEM}/receipts/<int:payment_id>/link')
@blp.response(200, LinkSchema)
@doc(security=BEARER)
@errors(blp, 401, 404)
@student_required
def receipt_link(registration_id, payment_id):
    """A signed link to the e-receipt PDF, valid 15 minutes: wx.downloadFile then wx.openDocument."""
    registration = owned(Registration, registration_id)
    payment = next((p for p in target.receipts(registration) if p.id == payment_id), None)
    if payment is None:
        raise EnrolmentError('not_found', '缴费记录不存在', status=404)
    return {'url': links.signed_url('receipt', payment.id), 'expires_in': links.LIFETIME}


@blp.get('/links/receipt/<string:token>')
@doc(
    responses={
        200: {'description': '电子缴费凭证 (PDF)', 'content': {'application/pdf': {'schema': {'type': 'string'}}}}
    }
)
@errors(blp, 404, 410)
def signed_receipt(token):
    """The e-receipt PDF from a signed link (wx.downloadFile sends no bearer token)."""
    payment = db.session.get(Payment, links.record_id('receipt', token))
    if payment is None:
        raise EnrolmentError('not_found', '链接无效', status=404)
    return Response(
        documents.receipt_pdf(payment),
        mimetype='application/pdf',
        headers={'Content-Disposition': f'inline; filename="receipt-{payment.id}.pdf"', 'Cache-Control': 'no-store'},
    )


@blp.get(f'{ITEM}/certificate')
@doc(
    security=BEARER,
    responses={200: {'description': '参保证明 (HTML)', 'content': {'text/html': {'schema': {'type': 'string'}}}}},
)
@errors(blp, 401, 404, 409)
@student_required
def certificate(registration_id):
    """The printable enrolment certificate with a verification QR code."""
    return _certificate_page(owned(Registration, registration_id))


@blp.get(f'{ITEM}/certificate-link')
@blp.response(200, LinkSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409)
@student_required
def certificate_link(registration_id):
    """A signed link to the certificate, valid 15 minutes, to open in a web-view or copy."""
    registration = owned(Registration, registration_id)
    certificates.token_for(registration)  # refuses before payment
    return {'url': links.signed_url('certificate', registration.id), 'expires_in': links.LIFETIME}


@blp.get('/links/certificate/<string:token>')
@doc(responses={200: {'description': '参保证明 (HTML)', 'content': {'text/html': {'schema': {'type': 'string'}}}}})
@errors(blp, 404, 409, 410)
def signed_certificate(token):
    """The certificate from a signed link."""
    return _certificate_page(_linked('certificate', token))


def _linked(kind: str, token: str) -> Registration:
    registration = db.session.get(Registration, links.record_id(kind, token))
    if registration is None:
        raise EnrolmentError('not_found', '链接无效', status=404)
    return registration


def _certificate_page(registration: Registration):
    token = certificates.token_for(registration)
    url = documents.verify_url(token)  # the public HTML page, readable by anyone who scans it
    qr = base64.b64encode(paying_qr(url)).decode()
    return render_template(
        'certificate.html',
        registration=registration,
        verify_url=url,
        qr=qr,
        claims=current_app.extensions['sealer'].read_token(token),
    )


def paying_qr(url: str) -> bytes:
    import io

    import qrcode

    out = io.BytesIO()
    qrcode.make(url, box_size=6, border=2).save(out)
    return out.getvalue()


@blp.get('/certificates/verify/<string:token>')
@blp.response(200, VerificationSchema)
@errors(blp, 400)
def verify(token):
    """Public: is this certificate genuine?"""
    return certificates.verify(token)
