"""Recording a payment, whichever way it arrives: tax-bureau poll, reconciliation import or cash entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

from miniapp_backend.enrolment import audit, insured_register
from miniapp_backend.enrolment.actors import SYSTEM, Actor
from miniapp_backend.enrolment.registration import duplicates
from miniapp_backend.enrolment.registration.states import Action, lock, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import Payment, Registration
from miniapp_backend.models.enums import PaymentChannel, PaymentSource, RegistrationStatus


class Outcome(StrEnum):
    PAID = 'paid'
    ALREADY_RECORDED = 'already_recorded'
    AMOUNT_MISMATCH = 'amount_mismatch'
    NOT_PAYABLE = 'not_payable'


@dataclass(frozen=True)
class PaymentResult:
    outcome: Outcome
    payment: Payment | None = None
    message: str = ''


def record_payment(
    registration: Registration,
    *,
    amount_fen: int,
    paid_at: datetime,
    voucher_no: str | None,
    channel: PaymentChannel | str,
    source: PaymentSource | str,
    actor: Actor = SYSTEM,
    idempotency_key: str | None = None,
) -> PaymentResult:
    """Mark an approved registration paid, once; an amount other than the one due is flagged, not marked.

    The registration's row lock is taken first, so concurrent recordings of one registration run one after the
    other and all but the first find it paid; a form submitted twice finds its own payment by its token.
    """
    lock(registration)
    if idempotency_key:
        existing = db.session.query(Payment).filter_by(idempotency_key=idempotency_key).one_or_none()
        if existing is not None:
            return PaymentResult(Outcome.ALREADY_RECORDED, existing, '该笔缴费已登记（重复提交未再记录）')
    if voucher_no:
        existing = db.session.query(Payment).filter_by(voucher_no=voucher_no).one_or_none()
        if existing is not None and existing.registration_id != registration.id:
            # The same voucher on another person's line (a reconciliation file's mistake, or a forged one).
            return PaymentResult(Outcome.NOT_PAYABLE, None, '该电子税票号码已登记在另一人员的缴费上，请核对')
        if existing is not None:
            return PaymentResult(Outcome.ALREADY_RECORDED, existing, '该缴费凭证已登记')
    refusal = _not_payable(registration, paid_at)
    if refusal:
        return PaymentResult(Outcome.NOT_PAYABLE, None, refusal)
    due = registration.amount_due_fen if registration.amount_due_fen is not None else registration.zone.premium_fen
    if amount_fen != due and PaymentSource(source) is PaymentSource.CASH:
        # A reviewer's typo at the desk, not money that arrived wrong: refused like any bad form, nothing kept.
        message = f'缴费金额不符：应缴{due / 100:.2f}元，填写的是{amount_fen / 100:.2f}元，未登记，请核对后重新填写'
        return PaymentResult(Outcome.AMOUNT_MISMATCH, None, message)
    if amount_fen != due:
        flag = f'缴费金额不符：应缴{due / 100:.2f}元，实缴{amount_fen / 100:.2f}元（凭证{voucher_no or "无"}）'
        if not note(registration, flag):  # the poll asks again every few minutes: one audit row per mismatch
            return PaymentResult(Outcome.AMOUNT_MISMATCH, None, flag)
        audit.record(
            actor,
            'payment_mismatch',
            zone_id=registration.zone_id,
            registration_id=registration.id,
            amount_fen=amount_fen,
            due_fen=due,
            voucher_no=voucher_no,
            source=str(source),
        )
        return PaymentResult(Outcome.AMOUNT_MISMATCH, None, flag)
    payment = Payment(
        registration=registration,
        amount_fen=amount_fen,
        channel=PaymentChannel(channel),
        source=PaymentSource(source),
        voucher_no=voucher_no,
        paid_at=paid_at,
        recorded_by_id=actor.id if actor.role else None,
        idempotency_key=idempotency_key,
    )
    db.session.add(payment)
    registration.payment_channel = PaymentChannel(channel)
    registration.flag = None
    transition(registration, Action.MARK_PAID, actor)
    insured_register.record_paid_year(
        registration.id_index, registration.id_number, registration.name, registration.zone, registration.year
    )
    return PaymentResult(Outcome.PAID, payment)


#: Between the notes a registration's flag holds.
NOTE_SEPARATOR = '；'


def note(registration: Registration, text: str) -> bool:
    """Add a note for the reviewer to the registration's flag, unless it is there already (the poll asks again
    every few minutes, and one registration may owe several notes: a mismatch and an unreadable record). True when
    it was added, so the caller writes its audit row once."""
    notes = [part for part in (registration.flag or '').split(NOTE_SEPARATOR) if part]
    if text in notes:
        return False
    registration.flag = NOTE_SEPARATOR.join([*notes, text])[:255]
    return True


def _not_payable(registration: Registration, paid_at: datetime) -> str | None:
    """Why this payment cannot mark the registration paid, or None. An expired registration takes a payment made
    before its window closed (the tax bureau confirmed it late), unless the person has another active one."""
    status = registration.status
    if status is RegistrationStatus.EXPIRED:
        zone = registration.zone
        # The window's last second whole (an Excel time may carry its fraction).
        closes = zone.window_closes_at + timedelta(seconds=1)
        if registration.year != zone.year or not zone.window_opens_at <= paid_at < closes:
            return '登记已过期，且缴费时间不在本年度缴费期内，不能登记缴费'
        if duplicates.active_elsewhere(registration):
            return '登记已过期，该人员已有本年度其他有效登记，不能登记缴费'
        return None
    if status is RegistrationStatus.PAID:
        # Seed 000's 切勿重复交费: a second payment (a parent's beside the student's, cash beside the tax app) is
        # named as such, with the first one, so the centre can refund it.
        first = db.session.scalars(
            sa.select(Payment).where(Payment.registration_id == registration.id).order_by(Payment.id)
        ).first()
        said = f'（电子税票号码{first.voucher_no or "无，现金收据"}）' if first is not None else ''
        return f'重复缴费：该登记已缴费{said}，本笔请按退费流程处理'
    if status is not RegistrationStatus.APPROVED:
        return f'登记状态为「{status.label}」，不能登记缴费'
    return None
