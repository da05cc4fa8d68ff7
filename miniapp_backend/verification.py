"""GET /verify/<token>: the public page a certificate's or a receipt's QR code opens. It states 有效 or 无效 in
Chinese and shows nothing beyond the masked name and ID number the sealed token carries."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from miniapp_backend.enrolment.payment import certificates, receipts
from miniapp_backend.security.sealing import InvalidToken

bp = Blueprint('verification', __name__)


@bp.get('/verify/<string:token>')
def verify(token: str):
    try:
        claims = current_app.extensions['sealer'].read_token(token)
    except InvalidToken:
        result = {'valid': False, 'message': '校验码不正确，该证明或凭证不是本系统出具的，或已被改动'}
    else:
        result = receipts.verify(token, claims) if 'p' in claims else certificates.verify(token)
    response = current_app.make_response(render_template('verify.html', result=result))
    response.headers['Cache-Control'] = 'no-store'
    response.headers['X-Robots-Tag'] = 'noindex'
    return response
