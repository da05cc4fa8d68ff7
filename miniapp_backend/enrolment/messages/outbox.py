"""The outbox: a change and its subscription message are written in one transaction (DESIGN §3.8)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from miniapp_backend.enrolment.messages import templates as message_templates
from miniapp_backend.extensions import db
from miniapp_backend.jobs import enqueue_after_commit
from miniapp_backend.models import Notification, Registration, Suspension, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import NotificationKind as K, SuspensionStatus

#: What the student reads in the app's message list, per kind.
TITLES = {
    K.APPROVED: '参保登记审核通过，请缴费',
    K.RETURNED: '参保登记被退回，请修改后重新提交',
    K.REJECTED: '参保登记未通过审核',
    K.PAID: '缴费成功，参保完成',
    K.SUSPENSION_CONFIRMED: '原参保地已暂停参保，可以登记',
    K.SUSPENSION_REFUSED: '原参保地未同意暂停参保',
    K.WINDOW_CLOSING: '缴费即将截止，请尽快缴费',
    K.SUBMITTED: '参保登记已受理，等待审核',
    K.EXPIRED: '缴费期已过，参保登记已失效',
    K.RENEWAL: '已为您办理续保，请按时缴费',
    K.ROSTER_REMINDER: '您尚未办理大学生医保参保登记',
    K.REVOKED: '参保登记已被撤销，如需参保请重新登记',
}

SUSPENSION_PAGE = 'pages/suspension/suspension'

#: The page of the mini-program a message opens when the zone's template does not name one.
DEFAULT_PAGES = {
    K.APPROVED: 'pages/payment/payment',
    K.RETURNED: 'pages/register/register',
    K.REJECTED: 'pages/home/home',
    K.PAID: 'pages/receipts/receipts',
    K.SUSPENSION_CONFIRMED: SUSPENSION_PAGE,
    K.SUSPENSION_REFUSED: SUSPENSION_PAGE,
    K.WINDOW_CLOSING: 'pages/payment/payment',
    K.SUBMITTED: 'pages/home/home',
    K.EXPIRED: 'pages/home/home',
    K.RENEWAL: 'pages/payment/payment',
    K.ROSTER_REMINDER: 'pages/home/home',
    K.REVOKED: 'pages/home/home',
}

#: A kind sent with another kind's template when the zone set none of its own: a revocation is a review's outcome,
#: and the student subscribed to the rejection's template when submitting (WeChat lets a tap ask for three).
TEMPLATE_FALLBACK = {K.REVOKED: K.REJECTED}


def registration_changed(registration: Registration, kind: K, reason: str | None, now: datetime) -> None:
    """Queue the message of `kind` (states.RULES names it) that a registration's transition owes the student."""
    if registration.student_id is None:
        return
    write(
        kind,
        student_id=registration.student_id,
        zone=registration.zone,
        registration=registration,
        event_key=_event_key(registration, kind, now),
        reason=reason,
    )


def registration_message(
    registration: Registration, kind: K, reason: str | None, now: datetime
) -> dict[str, Any] | None:
    """The columns of the message `registration_changed` would queue, for a caller that inserts it with its own
    statement (ON CONFLICT (event_key) DO NOTHING: the unique event key keeps it once, with no flush and no read
    first); None when none is owed (no student, a muted kind). The drain is queued for after the commit."""
    if registration.student_id is None or kind.value in (registration.zone.muted_kinds or ()):
        return None
    enqueue_after_commit('workers.jobs.drain_outbox')
    event_key = _event_key(registration, kind, now)
    return _columns(kind, registration.student_id, registration.zone, event_key, registration, None, reason)


def _event_key(registration: Registration, kind: K, now: datetime) -> str:
    # Returns and submissions repeat (submit, return, resubmit); each is its own event.
    suffix = f':{int(now.timestamp() * 1000)}' if kind in (K.RETURNED, K.SUBMITTED) else ''
    return f'registration:{registration.id}:{kind.value}{suffix}'


def suspension_changed(suspension: Suspension, zone: Zone | None) -> None:
    """Queue the message for a decided suspension."""
    kind = K.SUSPENSION_CONFIRMED if suspension.status is SuspensionStatus.CONFIRMED else K.SUSPENSION_REFUSED
    if suspension.student_id is None:
        return
    write(
        kind,
        student_id=suspension.student_id,
        zone=zone,
        suspension=suspension,
        event_key=f'suspension:{suspension.id}:{kind.value}',
        reason=suspension.message,
    )


def write(
    kind: K,
    *,
    student_id: int,
    zone: Zone | None,
    event_key: str,
    registration: Registration | None = None,
    suspension: Suspension | None = None,
    reason: str | None = None,
) -> Notification | None:
    """Add the outbox row unless this event already has one (so it is never sent twice)."""
    if zone is not None and kind.value in (zone.muted_kinds or ()):
        return None
    db.session.flush()
    if db.session.query(Notification.id).filter_by(event_key=event_key).first():
        return None
    notification = Notification(**_columns(kind, student_id, zone, event_key, registration, suspension, reason))
    db.session.add(notification)
    enqueue_after_commit('workers.jobs.drain_outbox')
    return notification


def insert_registration_message(registration: Registration, kind: K, reason: str | None, now: datetime) -> None:
    """`registration_changed` for a registration read and written by Core statements (a `rows.Row`, nothing to
    flush): `registration_message`'s columns in one INSERT … ON CONFLICT (event_key) DO NOTHING."""
    values = registration_message(registration, kind, reason, now)
    if values is not None:
        db.session.execute(_insert_once(db.session.get_bind().dialect.name), values)


@functools.lru_cache(maxsize=2)  # built once per dialect: building it per message cost more than sending it
def _insert_once(dialect: str) -> sa.Insert:
    insert = (postgresql if dialect == 'postgresql' else sqlite).insert(Notification)
    return insert.on_conflict_do_nothing(index_elements=['event_key'])


def _columns(
    kind: K,
    student_id: int,
    zone: Zone | None,
    event_key: str,
    registration: Registration | None,
    suspension: Suspension | None,
    reason: str | None,
) -> dict[str, Any]:
    values = message_values(kind, zone, registration, suspension, reason)
    template = _template(zone, kind)
    return dict(
        student_id=student_id,
        kind=kind,
        event_key=event_key,
        registration_id=registration.id if registration else None,
        suspension_id=suspension.id if suspension else None,
        template_id=template.get('template_id'),
        page=page_for(template.get('page') or DEFAULT_PAGES[kind], registration, suspension),
        data=template_data(template.get('fields') or {}, values),
        title=values['title'],
        body=values['summary'],
        next_attempt_at=utcnow(),
    )


def _template(zone: Zone | None, kind: K) -> dict[str, Any]:
    templates = message_templates.usable(zone.message_templates) if zone else {}
    fallback = TEMPLATE_FALLBACK.get(kind)
    return templates.get(kind.value) or (templates.get(fallback.value) if fallback else None) or {}


def page_for(page: str, registration: Registration | None, suspension: Suspension | None) -> str:
    """The page a message opens, carrying the record it is about (pages open with options.id): a registration's
    id on registration pages, a suspension's only on the suspension page (elsewhere it would name the wrong record)."""
    if '?' in page:
        return page
    if registration is not None:
        return f'{page}?id={registration.id}'
    if suspension is not None and page == SUSPENSION_PAGE:
        return f'{page}?id={suspension.id}'
    return page


def message_values(
    kind: K, zone: Zone | None, registration: Registration | None, suspension: Suspension | None, reason: str | None
) -> dict[str, Any]:
    """The named values a zone's template fields may draw from."""
    amount = (
        registration.amount_due_fen
        if registration and registration.amount_due_fen is not None
        else (zone.premium_fen if zone else None)
    )
    # Approved in a zone without review: nothing was 审核通过, the student registered and pays.
    unreviewed = kind is K.APPROVED and zone is not None and zone.review_stages == []
    values = {
        'zone_name': zone.name if zone else '',
        'year': str(registration.year if registration else (zone.year if zone else '')),
        'status': '登记成功' if unreviewed else kind.label,
        'reason': reason or '',
        'amount': f'{amount / 100:.2f}元' if amount is not None else '',
        'deadline': zone.window_closes_at.strftime('%Y年%m月%d日') if zone else '',
        'registration_no': f'R{registration.id:08d}'
        if registration
        else (f'S{suspension.id:08d}' if suspension else ''),
        'name': registration.name if registration else (suspension.name if suspension else ''),
        'title': '参保登记成功，请缴费' if unreviewed else TITLES[kind],
    }
    values['summary'] = '；'.join(v for v in (values['title'], reason or '') if v)
    return values


def template_data(fields: dict[str, str], values: dict[str, Any]) -> dict[str, str]:
    """Fill a template's keys (thing1, phrase2 …) from named values, fitted to WeChat's value rules here, once:
    the stored row is exactly what is sent."""
    from miniapp_backend.wechat.values import fit_value

    return {key: fit_value(key, str(values.get(source, source))) for key, source in fields.items()}
