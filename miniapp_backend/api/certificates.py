"""Payment (descriptor, QR, receipts) and the printable certificate with its public verification."""
from __future__ import annotations

import base64

from flask import Response, current_app, render_template
from flask_smorest import Blueprint

from miniapp_backend.api.auth import owned, student_required
from miniapp_backend.api.docs import BEARER, errors
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.payment import certificates, target
from miniapp_backend.models import Registration
from miniapp_backend.models.enums import RegistrationStatus
from schemas.payments import PaymentTargetSchema, ReceiptListSchema, VerificationSchema

blp = Blueprint('payments', __name__, description='缴费与参保证明')
ITEM = '/registrations/<int:registration_id>'


@blp.get(f'{ITEM}/payment')
@blp.response(200, PaymentTargetSchema)
@blp.doc(security=BEARER)
@errors(blp, 401, 404, 409)
@student_required
def payment(registration_id):
    """Where and how much to pay: navigateToMiniProgram descriptors and the QR for paying on behalf."""
    return target.payment_target(owned(Registration, registration_id), current_app.config['PUBLIC_BASE_URL'])


@blp.get(f'{ITEM}/payment/qr.png')
@blp.doc(security=BEARER, responses={200: {'description': 'QR code PNG',
                                          'content': {'image/png': {'schema': {'type': 'string',
                                                                               'format': 'binary'}}}}})
@errors(blp, 401, 404, 409)
@student_required
def payment_qr(registration_id):
    """A QR code a parent scans to pay on the student's behalf."""
    registration = owned(Registration, registration_id)
    if registration.status is not RegistrationStatus.APPROVED:
        raise EnrolmentError('invalid_state', '当前无需缴费')
    return Response(target.qr_png(registration), mimetype='image/png')


@blp.get(f'{ITEM}/receipts')
@blp.response(200, ReceiptListSchema)
@blp.doc(security=BEARER)
@errors(blp, 401, 404)
@student_required
def receipts(registration_id):
    """Payment records: tax voucher number, amount, time, channel."""
    rows = target.receipts(owned(Registration, registration_id))
    return {'receipts': [{'voucher_no': p.voucher_no, 'amount_fen': p.amount_fen, 'paid_at': p.paid_at,
                          'channel': p.channel.value} for p in rows]}


@blp.get(f'{ITEM}/certificate')
@blp.doc(security=BEARER, responses={200: {'description': '参保证明 (HTML)',
                                          'content': {'text/html': {'schema': {'type': 'string'}}}}})
@errors(blp, 401, 404, 409)
@student_required
def certificate(registration_id):
    """The printable enrolment certificate with a verification QR code."""
    registration = owned(Registration, registration_id)
    token = certificates.token_for(registration)
    url = f'{current_app.config["PUBLIC_BASE_URL"].rstrip("/")}/api/v1/certificates/verify/{token}'
    qr = base64.b64encode(paying_qr(url)).decode()
    return render_template('certificate.html', registration=registration, verify_url=url, qr=qr,
                           claims=current_app.extensions['sealer'].read_token(token))


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
