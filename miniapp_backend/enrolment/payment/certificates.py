"""The enrolment certificate (参保证明) and its sealed verification token."""

from __future__ import annotations

from typing import Any

from flask import current_app

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration
from miniapp_backend.models.enums import RegistrationStatus
from miniapp_backend.security.masking import mask_id_number, mask_name
from miniapp_backend.security.sealing import InvalidToken


def token_for(registration: Registration) -> str:
    """Ed25519-sealed claims; altering any of them breaks verification."""
    if registration.status is not RegistrationStatus.PAID:
        raise EnrolmentError('invalid_state', '缴费成功后才能打印参保证明')
    return current_app.extensions['sealer'].sign_token(
        {
            'r': registration.id,
            'z': registration.zone.code,
            'y': registration.year,
            'n': mask_name(registration.name),
            'i': mask_id_number(registration.id_number),
        }
    )


def verify(token: str) -> dict[str, Any]:
    """Whether a certificate is genuine and still matches a paid registration."""
    try:
        claims = current_app.extensions['sealer'].read_token(token)
    except InvalidToken:
        return {'valid': False, 'message': '证明无效：校验码不正确'}
    if 'p' in claims or 'y' not in claims:  # a receipt's token is no certificate
        return {'valid': False, 'message': '证明无效：不是参保证明的校验码'}
    registration = db.session.get(Registration, claims.get('r'))
    if registration is None or registration.status is not RegistrationStatus.PAID:
        return {'valid': False, 'message': '证明无效：未找到对应的参保缴费记录'}
    return {
        'valid': True,
        'message': '证明有效',
        'name': claims['n'],
        'id_number': claims['i'],
        'zone_name': registration.zone.name,
        'year': claims['y'],
        'insurance': '城乡居民基本医疗保险',
    }
