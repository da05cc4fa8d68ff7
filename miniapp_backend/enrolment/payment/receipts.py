"""The e-receipt (缴费凭证) of one payment, sealed like the certificate: its claims are Ed25519-signed into the
token the verification QR carries, so a reader can check the printed figures against ours."""

from __future__ import annotations

from typing import Any

import cn2an
from flask import current_app

from miniapp_backend.extensions import db
from miniapp_backend.models import Payment
from miniapp_backend.security.masking import mask_id_number, mask_name
from miniapp_backend.security.sealing import InvalidToken


def amount_in_words(fen: int) -> str:
    """¥400.00 → 肆佰元整 (the capital figures a receipt carries)."""
    return cn2an.an2cn(f'{fen / 100:.2f}', 'rmb')


def token_for(payment: Payment) -> str:
    registration = payment.registration
    return current_app.extensions['sealer'].sign_token(
        {
            'p': payment.id,
            'r': registration.id,
            'a': payment.amount_fen,
            'v': payment.voucher_no or '',
            'n': mask_name(registration.name),
            'i': mask_id_number(registration.id_number),
        }
    )


def verify(token: str, claims: dict[str, Any] | None = None) -> dict[str, Any]:
    """Whether a receipt is genuine: sealed by us and still matching the recorded payment."""
    if claims is None:
        try:
            claims = current_app.extensions['sealer'].read_token(token)
        except InvalidToken:
            return {'valid': False, 'message': '凭证无效：校验码不正确'}
    payment = db.session.get(Payment, claims.get('p'))
    if payment is None or payment.amount_fen != claims.get('a') or (payment.voucher_no or '') != claims.get('v'):
        return {'valid': False, 'message': '凭证无效：未找到对应的缴费记录'}
    registration = payment.registration
    return {
        'valid': True,
        'message': '缴费凭证有效',
        'kind': '缴费凭证',
        'name': claims['n'],
        'id_number': claims['i'],
        'zone_name': registration.zone.name,
        'year': registration.year,
        'amount_fen': payment.amount_fen,
        'voucher_no': payment.voucher_no or '',
        'paid_at': payment.paid_at,
        'insurance': '城乡居民基本医疗保险',
    }
