"""Asking the tax bureau about approved, unpaid registrations (DESIGN §6.1): cost follows the work pending."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis import exceptions as redis_errors
from sqlalchemy.exc import DBAPIError

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import SYSTEM
from miniapp_backend.enrolment.payment.record import Outcome, PaymentResult, note, record_payment
from miniapp_backend.enrolment.registration.states import lock
from miniapp_backend.extensions import db
from miniapp_backend.gateways import GatewayError, TaxGateway, TaxPayment, UnreadablePayment
from miniapp_backend.models import Registration, Zone
from miniapp_backend.models.enums import PaymentSource, RegistrationStatus
from miniapp_backend.unit_of_work import commit_batch

logger = logging.getLogger(__name__)

BATCH = 100
#: The tax side may take up to a day to show a payment; ask again after this long.
RECHECK = timedelta(minutes=10)
GATEWAY_DOWN_RETRY = timedelta(minutes=5)


@dataclass
class PollReport:
    asked: int = 0
    paid: int = 0
    mismatched: int = 0
    unavailable: int = 0
    unreadable: int = 0


def poll_payments(gateway: TaxGateway, now: datetime, batch: int = BATCH) -> PollReport:
    """One batch of due registrations (through the partial index on payment_check_at), grouped by zone and year."""
    query = (
        sa.select(Registration)
        .where(Registration.status == RegistrationStatus.APPROVED, Registration.payment_check_at <= now)
        .order_by(Registration.payment_check_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    due = db.session.scalars(query).all()
    report = PollReport(asked=len(due))
    groups: dict[tuple[int, int], list[Registration]] = defaultdict(list)
    for registration in due:
        groups[(registration.zone_id, registration.year)].append(registration)
    for (zone_id, year), registrations in groups.items():
        _poll_group(gateway, db.session.get(Zone, zone_id), year, registrations, now, report)
    commit_batch()
    return report


def _poll_group(
    gateway: TaxGateway, zone: Zone, year: int, registrations: list[Registration], now: datetime, report: PollReport
) -> None:
    by_number = {registration.id_number: registration for registration in registrations}
    try:
        answer = gateway.query_payments(zone.code, year, list(by_number))
    except GatewayError as exc:
        logger.warning('tax gateway unavailable for zone %s: %s', zone.code, exc)
        report.unavailable += len(registrations)
        for registration in registrations:
            registration.payment_check_at = now + GATEWAY_DOWN_RETRY
        return
    for payment in answer.payments:
        registration = by_number[payment.id_number]
        # Paid already means paid by this same answer (the poll asks only about approved ones): a second payment.
        if registration.status not in (RegistrationStatus.APPROVED, RegistrationStatus.PAID):
            continue
        result = _record(registration, payment)
        if result is None:
            _set_aside(zone, registration, UnreadablePayment(payment.id_number, 'not storable'), report)
            continue
        if result.outcome is Outcome.NOT_PAYABLE:
            _not_recorded(registration, payment, result.message)
        report.paid += result.outcome is Outcome.PAID
        report.mismatched += result.outcome is Outcome.AMOUNT_MISMATCH
    # After the payments: recording one takes the registration's lock, which reloads it (a note set before is lost).
    for unreadable in answer.unreadable:
        _set_aside(zone, by_number.get(unreadable.id_number), unreadable, report)
    for registration in registrations:
        if registration.status is RegistrationStatus.APPROVED:
            registration.payment_check_at = now + RECHECK


def _record(registration: Registration, payment: TaxPayment) -> PaymentResult | None:
    """The payment recorded in a savepoint; None when the database would not store it (whatever the bureau sent
    past the gateway's checks), so one record never rolls back the others nor stalls the poll on this batch."""
    try:
        with db.session.begin_nested():
            return record_payment(
                registration,
                amount_fen=payment.amount_fen,
                paid_at=payment.paid_at,
                voucher_no=payment.voucher_no,
                channel=_channel(payment.channel),
                source=PaymentSource.GATEWAY,
            )
    except (DBAPIError, UnicodeError) as exc:
        logger.warning('payment for registration %s not storable: %s', registration.id, type(exc).__name__)
        return None


def _set_aside(zone: Zone, registration: Registration | None, unreadable: UnreadablePayment, report: PollReport):
    """A record the bureau sent that cannot be recorded: noted on its registration for a reviewer (who checks the
    bureau's voucher and records it by hand), once; the rest of the answer is recorded as usual."""
    report.unreadable += 1
    logger.warning('tax gateway sent an unreadable payment record for zone %s: %s', zone.code, unreadable.problem)
    if registration is None or registration.status not in (RegistrationStatus.APPROVED, RegistrationStatus.PAID):
        return
    db.session.flush()  # the lock reloads the row: what this answer noted on it so far is written first
    lock(registration)
    if note(registration, '税务部门返回的缴费记录无法识别，请向税务部门核实该人员的缴费后人工登记'):
        audit.record(
            SYSTEM, 'payment_unreadable', zone_id=zone.id, registration_id=registration.id, problem=unreadable.problem
        )


def _not_recorded(registration: Registration, payment: TaxPayment, why: str) -> None:
    """A payment the bureau confirmed that cannot be recorded (a second one beside the student's, a voucher on
    another person): noted on the registration with its voucher, for the centre to check and refund, not dropped."""
    if note(registration, f'{why}（本笔电子税票号码{payment.voucher_no}）'):
        audit.record(
            SYSTEM,
            'payment_not_recorded',
            zone_id=registration.zone_id,
            registration_id=registration.id,
            amount_fen=payment.amount_fen,
            voucher_no=payment.voucher_no,
            reason=why,
        )


def _channel(value: str) -> str:
    return value if value in ('tax', 'family') else 'tax'


#: A student pressing 我已缴费 (or coming back from the tax mini-program) asks at most this often.
CHECK_NOW_INTERVAL = timedelta(seconds=30)


def check_now(registration: Registration, gateway: TaxGateway, now: datetime, redis, key_prefix: str) -> bool:
    """Ask the tax bureau about this one registration now, the same query as the poll; at most once per
    CHECK_NOW_INTERVAL per registration (the guard lives in Redis: web processes share it). True when asked."""
    if registration.status is not RegistrationStatus.APPROVED:
        return False
    key = f'{key_prefix}:payment-check:{registration.id}'
    try:
        if not redis.set(key, 1, nx=True, ex=int(CHECK_NOW_INTERVAL.total_seconds())):
            return False
    except redis_errors.RedisError:  # without Redis there is no guard: the poll still finds the payment
        logger.warning('payment check-now guard unavailable; not asking the tax bureau')
        return False
    locked = db.session.scalars(
        sa.select(Registration).where(Registration.id == registration.id).with_for_update()
    ).one()
    if locked.status is RegistrationStatus.APPROVED:
        _poll_group(gateway, locked.zone, locked.year, [locked], now, PollReport(asked=1))
    return True
