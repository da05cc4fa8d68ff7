"""What the student needs to pay: the amount, the tax mini-program to open, a QR for paying on behalf."""
from __future__ import annotations

import io
from typing import Any

import qrcode
import sqlalchemy as sa

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.extensions import db
from miniapp_backend.models import Payment, Registration
from miniapp_backend.models.enums import PaymentChannel, RegistrationStatus


def payment_target(registration: Registration, public_base_url: str) -> dict[str, Any]:
    """navigateToMiniProgram descriptors per channel the zone offers (tax always, family where enabled)."""
    if registration.status is not RegistrationStatus.APPROVED:
        raise EnrolmentError('invalid_state', f'登记状态为「{registration.status.label}」，当前无需缴费')
    zone = registration.zone
    values = {'zone_code': zone.code, 'year': registration.year, 'ref': f'R{registration.id:08d}'}
    extra = {'zone_code': zone.code, 'year': registration.year, 'amount_fen': registration.amount_due_fen,
             'insurance_type': '390', 'ref': values['ref']}
    channels = [_channel(PaymentChannel.TAX, zone.pay_appid, zone.pay_path_template, values, extra,
                         zone.pay_env_version)]
    if zone.family_channel and zone.family_appid:
        channels.append(_channel(PaymentChannel.FAMILY, zone.family_appid, zone.family_path_template or '', values,
                                 extra, zone.pay_env_version))
    return {'amount_fen': registration.amount_due_fen, 'channel': 'tax', 'channels': channels,
            'navigate': channels[0]['navigate'], 'agency_name': zone.agency_name,
            'tax_authority_name': zone.tax_authority_name,
            'qr_url': f'{public_base_url.rstrip("/")}/api/v1/registrations/{registration.id}/payment/qr.png'}


def _channel(channel: PaymentChannel, appid: str, template: str, values: dict, extra: dict, env: str) -> dict:
    return {'channel': channel.value, 'label': channel.label,
            'navigate': {'appId': appid, 'path': template.format(**values), 'extraData': extra, 'envVersion': env}}


def qr_png(registration: Registration) -> bytes:
    """A QR a parent scans to open the zone's payment page for this person (the official account, or the
    tax mini-program path)."""
    zone = registration.zone
    target = zone.pay_official_account_url or (
        f'weixin://dl/business/?appid={zone.pay_appid}&path='
        + zone.pay_path_template.format(zone_code=zone.code, year=registration.year, ref=f'R{registration.id:08d}'))
    image = qrcode.make(target, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def receipts(registration: Registration) -> list[Payment]:
    return list(db.session.scalars(sa.select(Payment).where(Payment.registration_id == registration.id)
                                   .order_by(Payment.paid_at)))
