"""Recording a payment from any source: once, only when approved, only for the amount due."""

from __future__ import annotations

from datetime import date

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
    again = _pay(other, 40000)
    assert again.outcome is Outcome.ALREADY_RECORDED and other.status == 'approved'
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
