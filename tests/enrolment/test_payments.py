"""Recording a payment from any source: once, only when approved, only for the amount due."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from miniapp_backend.enrolment.payment.record import Outcome, record_payment
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, InsuredPerson, Notification, Payment
from miniapp_backend.models.base import utcnow


def _pay(registration, amount_fen: int, voucher_no: str | None = 'V1'):
    return record_payment(
        registration, amount_fen=amount_fen, paid_at=utcnow(), voucher_no=voucher_no, channel='tax', source='gateway'
    )


def test_a_payment_of_the_amount_due_marks_paid_puts_the_person_on_the_register_and_tells_the_student(
    zone, student, create_registration
):
    approved = create_registration(student, zone, status='approved', amount_due_fen=40000)
    result = _pay(approved, 40000)
    assert result.outcome is Outcome.PAID and approved.status == 'paid'
    person = db.session.scalars(sa.select(InsuredPerson).where(InsuredPerson.id_index == approved.id_index)).one()
    assert (person.zone_id, person.status, person.paid_through_year) == (zone.id, 'normal', zone.year)
    assert person.since == date(zone.year, 1, 1)
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['paid']


def test_the_same_voucher_is_recorded_once(zone, student, create_student, create_registration):
    approved = create_registration(student, zone, status='approved', amount_due_fen=40000)
    _pay(approved, 40000)
    other = create_registration(create_student(), zone, status='approved', amount_due_fen=40000)
    again = _pay(other, 40000)  # the same voucher on another person's line is refused, not counted as theirs
    assert again.outcome is Outcome.NOT_PAYABLE and other.status == 'approved'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_a_wrong_amount_is_flagged_and_audited_never_marked_paid(zone, student, create_registration):
    approved = create_registration(student, zone, status='approved', amount_due_fen=40000)
    result = _pay(approved, 38000)
    assert result.outcome is Outcome.AMOUNT_MISMATCH and approved.status == 'approved'
    assert '应缴400.00元，实缴380.00元' in approved.flag
    assert db.session.scalars(sa.select(AuditEvent.action)).all() == ['payment_mismatch']
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_only_an_approved_registration_can_be_paid(zone, student, create_registration):
    submitted = create_registration(student, zone, status='submitted')
    result = _pay(submitted, 40000)
    assert result.outcome is Outcome.NOT_PAYABLE and submitted.status == 'submitted'


def _reconciled(registration, paid_at, voucher_no='V-LATE'):
    """A line of the bureau's reconciliation file."""
    return record_payment(
        registration, amount_fen=40000, paid_at=paid_at, voucher_no=voucher_no, channel='tax', source='reconciliation'
    )


def _paid_before_the_close(registration, zone):
    return _reconciled(registration, zone.window_closes_at - timedelta(hours=1))


def _expired(zone, student, create_registration, **overrides):
    return create_registration(student, zone, status='expired', amount_due_fen=40000, **overrides)


def test_a_payment_made_before_the_close_and_confirmed_after_the_expiry_marks_paid(
    create_zone, student, create_registration
):
    zone = create_zone(window_closes_at=utcnow() - timedelta(days=5))
    expired = _expired(zone, student, create_registration)
    result = _paid_before_the_close(expired, zone)
    assert result.outcome is Outcome.PAID and expired.status == 'paid'
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['paid']


def test_an_expired_registration_takes_no_payment_made_after_the_close(create_zone, student, create_registration):
    zone = create_zone(window_closes_at=utcnow() - timedelta(days=5))
    expired = _expired(zone, student, create_registration)
    result = _pay(expired, 40000)
    assert result.outcome is Outcome.NOT_PAYABLE and expired.status == 'expired'
    assert result.message == '登记已过期，且缴费时间不在本年度缴费期内，不能登记缴费'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_an_expired_registration_of_a_person_registered_again_takes_no_payment(
    create_zone, student, create_student, create_registration
):
    zone = create_zone(window_closes_at=utcnow() - timedelta(days=5))
    expired = _expired(zone, student, create_registration)
    create_registration(create_student(), zone, status='approved', id_number=expired.id_number)
    result = _paid_before_the_close(expired, zone)
    assert result.outcome is Outcome.NOT_PAYABLE and expired.status == 'expired'
    assert result.message == '登记已过期，该人员已有本年度其他有效登记，不能登记缴费'


def test_a_second_payment_of_a_paid_registration_is_named_a_duplicate_to_refund(zone, student, create_registration):
    """Seed 000's 切勿重复交费: a parent's payment beside the student's is refused naming the first voucher."""
    approved = create_registration(student, zone, status='approved', amount_due_fen=40000)
    assert _pay(approved, 40000, 'V-FIRST').outcome is Outcome.PAID
    again = _pay(approved, 40000, 'V-PARENT')
    assert again.outcome is Outcome.NOT_PAYABLE
    assert again.message == '重复缴费：该登记已缴费（电子税票号码V-FIRST），本笔请按退费流程处理'
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_an_expired_registration_takes_no_payment_dated_before_the_window_and_takes_the_last_second_whole(
    create_zone, student, create_student, create_registration
):
    zone = create_zone(window_closes_at=utcnow() - timedelta(days=5))
    expired = _expired(zone, student, create_registration)
    early = _reconciled(expired, zone.window_opens_at - timedelta(days=1), 'V-EARLY')
    assert early.outcome is Outcome.NOT_PAYABLE and expired.status == 'expired'
    last = create_registration(create_student(), zone, status='expired', amount_due_fen=40000)
    # 23:59:59.5 on the closing day
    at_the_close = _reconciled(last, zone.window_closes_at + timedelta(milliseconds=500), 'V-LAST-SECOND')
    assert at_the_close.outcome is Outcome.PAID


def test_a_voucher_recorded_for_one_person_is_refused_on_anothers_line(
    zone, student, create_student, create_registration
):
    first = create_registration(student, zone, status='approved', amount_due_fen=40000)
    other = create_registration(create_student(), zone, status='approved', amount_due_fen=40000)
    assert _pay(first, 40000, 'V-SHARED').outcome is Outcome.PAID
    again = _pay(other, 40000, 'V-SHARED')
    assert again.outcome is Outcome.NOT_PAYABLE and other.status == 'approved'
    assert again.message == '该电子税票号码已登记在另一人员的缴费上，请核对'
    assert _pay(first, 40000, 'V-SHARED').outcome is Outcome.ALREADY_RECORDED  # the same line again
