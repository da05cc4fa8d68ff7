"""What the student needs to pay: the amount, the tax mini-program to open, a QR for paying on behalf."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.payment import links
from miniapp_backend.extensions import db
from miniapp_backend.models import Payment, Registration
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import PaymentChannel, RegistrationStatus


def payment_target(registration: Registration) -> dict[str, Any]:
    """navigateToMiniProgram descriptors per channel the zone offers (tax always, family where enabled)."""
    if registration.status is not RegistrationStatus.APPROVED:
        raise EnrolmentError('invalid_state', f'登记状态为「{registration.status.label}」，当前不能缴费')
    zone = registration.zone
    values = {'zone_code': zone.code, 'year': registration.year, 'ref': f'R{registration.id:08d}'}
    extra = {
        'zone_code': zone.code,
        'year': registration.year,
        'amount_fen': registration.amount_due_fen,
        'insurance_type': '390',
        'ref': values['ref'],
    }
    channels = [
        _channel(PaymentChannel.TAX, zone.pay_appid, zone.pay_path_template, values, extra, zone.pay_env_version)
    ]
    if zone.family_channel and zone.family_appid:
        channels.append(
            _channel(
                PaymentChannel.FAMILY,
                zone.family_appid,
                zone.family_path_template or '',
                values,
                extra,
                zone.pay_env_version,
            )
        )
    return {
        'amount_fen': registration.amount_due_fen,
        'channel': 'tax',
        'channels': channels,
        'navigate': channels[0]['navigate'],
        'agency_name': zone.agency_name,
        'tax_authority_name': zone.tax_authority_name,
        'window_closes_at': zone.window_closes_at,
        # By the server's clock, not the phone's: after the close the page stops offering to pay and waits for
        # the bureau's word on a payment already made.
        'window_closed': registration.year == zone.year and zone.window_closes_at <= utcnow(),
        'qr_url': links.signed_url('payment-qr', registration.id),
        'qr_target': qr_target(registration),
    }


#: What a zone's payment path template may name (缴费页面路径模板: pages/pay/index?zone={zone_code}&ref={ref}).
PATH_VALUES = ('zone_code', 'year', 'ref')
_PLACEHOLDER = re.compile(r'\{([^{}]*)\}')


def path_template_problem(template: str) -> str | None:
    """Why a payment path template cannot be saved (in Chinese), or None: braces only around the names it may use."""
    rest = _PLACEHOLDER.sub(lambda found: '' if found.group(1) in PATH_VALUES else '{', template)
    return '路径模板只能使用{zone_code}{year}{ref}，花括号须成对' if '{' in rest or '}' in rest else None


def fill_path(template: str, values: dict[str, Any]) -> str:
    """The template with its names filled in; anything else in braces stays as written (never an error: a template
    saved before its check must not stop a whole zone's payments)."""
    return _PLACEHOLDER.sub(lambda found: str(values.get(found.group(1), found.group(0))), template)


def _channel(channel: PaymentChannel, appid: str, template: str, values: dict, extra: dict, env: str) -> dict:
    return {
        'channel': channel.value,
        'label': channel.label,
        'navigate': {'appId': appid, 'path': fill_path(template, values), 'extraData': extra, 'envVersion': env},
    }


def qr_target(registration: Registration) -> str:
    """What a parent's scan opens: the zone's official account, or the tax mini-program through WeChat's plain URL
    scheme, whose query must be URL-encoded in `query` (never inside `path`)."""
    zone = registration.zone
    if zone.pay_official_account_url:
        return zone.pay_official_account_url
    target = fill_path(
        zone.pay_path_template, {'zone_code': zone.code, 'year': registration.year, 'ref': f'R{registration.id:08d}'}
    )
    path, _, query = target.partition('?')
    scheme = f'weixin://dl/business/?appid={quote(zone.pay_appid, safe="")}&path={quote(path, safe="/")}'
    if query:
        scheme += f'&query={quote(query, safe="")}'
    return scheme + f'&env_version={zone.pay_env_version or "release"}'


def qr_png(registration: Registration) -> bytes:
    """The QR a parent scans to pay on the student's behalf."""
    if registration.status is not RegistrationStatus.APPROVED:
        raise EnrolmentError('invalid_state', f'登记状态为「{registration.status.label}」，当前不能缴费')
    import qrcode  # loaded by the first QR drawn, not by every web worker at start

    image = qrcode.make(qr_target(registration), box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def receipts(registration: Registration) -> list[Payment]:
    return list(
        db.session.scalars(
            sa.select(Payment).where(Payment.registration_id == registration.id).order_by(Payment.paid_at)
        )
    )
