"""Short-lived signed links for what a bearer token cannot reach: an <image src> (the parents' QR), a link a
student copies or opens in a web-view (the certificate) and a file wx.downloadFile fetches (the e-receipt PDF).
HMAC over the record id and the signing time; a link lives minutes, not days."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from miniapp_backend.enrolment.errors import EnrolmentError

#: Seconds a signed link stays valid.
LIFETIME = 15 * 60
KINDS = ('payment-qr', 'certificate', 'receipt')


def _signer(kind: str) -> TimestampSigner:
    return TimestampSigner(current_app.config['SECRET_KEY'], salt=f'link:{kind}')


def signed_url(kind: str, record_id: int) -> str:
    """An absolute URL under PUBLIC_BASE_URL that serves `kind` for this record without a token."""
    token = _signer(kind).sign(str(record_id)).decode()
    return f'{current_app.config["PUBLIC_BASE_URL"].rstrip("/")}/api/v1/links/{kind}/{token}'


def record_id(kind: str, token: str) -> int:
    """The record a link names, if its signature is good and it has not expired."""
    try:
        value = _signer(kind).unsign(token, max_age=LIFETIME)
    except SignatureExpired:
        raise EnrolmentError('link_expired', '链接已过期，请在小程序中重新打开', status=410) from None
    except BadSignature:
        raise EnrolmentError('not_found', '链接无效', status=404) from None
    return int(value)
