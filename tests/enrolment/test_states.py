"""The registration state machine: every allowed and every refused transition."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.registration.states import (
    RULES,
    Action,
    TransitionRefused,
    allowed_actions,
    start_renewal,
    transition,
)
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Notification, Registration
from miniapp_backend.models.enums import ActorType, RegistrationStatus as S

#: (from status, action, actor type) → resulting status, for a single-stage zone.
ALLOWED = {
    (S.DRAFT, Action.SUBMIT, 'student'): S.SUBMITTED,
    (S.DRAFT, Action.SUBMIT, 'reviewer'): S.SUBMITTED,
    (S.RETURNED, Action.SUBMIT, 'student'): S.SUBMITTED,
    (S.RETURNED, Action.SUBMIT, 'reviewer'): S.SUBMITTED,
    (S.SUBMITTED, Action.APPROVE, 'reviewer'): S.APPROVED,
    (S.UNDER_REVIEW, Action.APPROVE, 'reviewer'): S.APPROVED,
    (S.SUBMITTED, Action.RETURN, 'reviewer'): S.RETURNED,
    (S.UNDER_REVIEW, Action.RETURN, 'reviewer'): S.RETURNED,
    (S.SUBMITTED, Action.REJECT, 'reviewer'): S.REJECTED,
    (S.UNDER_REVIEW, Action.REJECT, 'reviewer'): S.REJECTED,
    (S.DRAFT, Action.WITHDRAW, 'student'): S.WITHDRAWN,
    (S.SUBMITTED, Action.WITHDRAW, 'student'): S.WITHDRAWN,
    (S.RETURNED, Action.WITHDRAW, 'student'): S.WITHDRAWN,
    # 撤销 by staff before approval (a centre reviewer here; the roles are REVOKERS).
    (S.DRAFT, Action.REVOKE, 'reviewer'): S.REVOKED,
    (S.SUBMITTED, Action.REVOKE, 'reviewer'): S.REVOKED,
    (S.UNDER_REVIEW, Action.REVOKE, 'reviewer'): S.REVOKED,
    (S.RETURNED, Action.REVOKE, 'reviewer'): S.REVOKED,
    (S.APPROVED, Action.MARK_PAID, 'system'): S.PAID,
    (S.APPROVED, Action.MARK_PAID, 'reviewer'): S.PAID,
    # A payment made before the close that the bureau confirmed after the expiry (payment.record says which).
    (S.EXPIRED, Action.MARK_PAID, 'system'): S.PAID,
    (S.EXPIRED, Action.MARK_PAID, 'reviewer'): S.PAID,
    (S.APPROVED, Action.EXPIRE, 'system'): S.EXPIRED,
}
ACTOR_TYPES = ('student', 'reviewer', 'system')
CASES = list(itertools.product(list(S), list(Action), ACTOR_TYPES))


def _actor(kind: str, registration: Registration) -> Actor:
    if kind == 'student':
        return Actor.student(registration.student_id)
    if kind == 'reviewer':
        return Actor.reviewer(7, 'centre_reviewer')
    return Actor.system()


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Notification)),
    )


@pytest.mark.parametrize(('status', 'action', 'actor_kind'), CASES, ids=lambda v: str(v))
def test_every_transition(create_registration, student, zone, status, action, actor_kind):
    registration = create_registration(
        student, zone, status=status.value, stage='centre' if status in (S.SUBMITTED, S.UNDER_REVIEW) else None
    )
    before = _counts()
    expected = ALLOWED.get((status, action, actor_kind))
    actor = _actor(actor_kind, registration)
    if expected is None:
        with pytest.raises(TransitionRefused):
            transition(registration, action, actor, reason='原因')
        db.session.commit()
        db.session.refresh(registration)
        assert registration.status is status
        assert _counts() == before
        return
    event = transition(registration, action, actor, reason='原因')
    db.session.commit()
    assert registration.status is expected
    assert (event.from_status, event.to_status, event.actor_type) == (status, expected, ActorType(actor_kind))
    assert _counts()[0] == before[0] + 1


def test_in_a_zone_without_review_a_submission_is_approved_at_once_and_owes_payment(
    create_registration, create_zone, student
):
    free = create_zone(code='340100', name='合肥市', review_stages=[], premium_fen=38000)
    for offset, status in enumerate((S.DRAFT, S.RETURNED)):  # a year each: a student has one draft a year
        registration = create_registration(student, free, status=status.value, year=free.year + offset)
        event = transition(registration, Action.SUBMIT, Actor.student(student.id))
        db.session.commit()
        assert (event.from_status, event.to_status) == (status, S.APPROVED)
        assert (registration.stage, registration.amount_due_fen) == (None, 38000)
        assert registration.approved_at == registration.submitted_at and registration.payment_check_at is not None
    kinds = db.session.scalars(sa.select(Notification.kind)).all()
    assert kinds == ['approved', 'approved']  # told to pay, not that it waits for a review


def test_rules_cover_the_table():
    """Every allowed case above is allowed by the rules, and nothing else is."""
    derived = {
        (src, action, kind)
        for action, rule in RULES.items()
        for src in rule.sources
        for kind in ACTOR_TYPES
        if ActorType(kind) in rule.actors
    }
    assert derived == set(ALLOWED)


def test_multi_stage_review_moves_stage_by_stage(create_zone, create_registration, student):
    zone = create_zone('370200', '青岛市', review_stages=['counsellor', 'college', 'school'])
    registration = create_registration(student, zone, status='submitted')
    assert registration.stage == 'counsellor'
    with pytest.raises(TransitionRefused) as refused:
        transition(registration, Action.APPROVE, Actor.reviewer(1, 'college_reviewer'))
    assert refused.value.code == 'stage'
    transition(registration, Action.APPROVE, Actor.reviewer(1, 'counsellor'))
    assert (registration.status, registration.stage) == (S.UNDER_REVIEW, 'college')
    transition(registration, Action.APPROVE, Actor.reviewer(2, 'college_reviewer'))
    assert (registration.status, registration.stage) == (S.UNDER_REVIEW, 'school')
    transition(registration, Action.APPROVE, Actor.reviewer(3, 'school_admin'))
    db.session.commit()
    assert (registration.status, registration.stage) == (S.APPROVED, None)
    assert registration.amount_due_fen == zone.premium_fen
    assert registration.payment_check_at is not None


def test_return_needs_a_reason_and_resubmission_restarts_review(create_registration, student, zone):
    registration = create_registration(student, zone, status='submitted')
    with pytest.raises(TransitionRefused) as refused:
        transition(registration, Action.RETURN, Actor.reviewer(1, 'centre_reviewer'), reason='  ')
    assert refused.value.code == 'reason'
    transition(registration, Action.RETURN, Actor.reviewer(1, 'centre_reviewer'), reason='照片不清晰')
    assert registration.review_reason == '照片不清晰'
    transition(registration, Action.SUBMIT, Actor.student(student.id))
    db.session.commit()
    assert (registration.status, registration.stage, registration.review_reason) == (S.SUBMITTED, 'centre', None)


def test_a_student_cannot_act_on_another_students_registration(create_registration, create_student, zone):
    owner, other = create_student(), create_student()
    registration = create_registration(owner, zone)
    with pytest.raises(TransitionRefused) as refused:
        transition(registration, Action.SUBMIT, Actor.student(other.id))
    assert refused.value.code == 'actor'


def test_decisions_write_the_students_message(create_registration, student, zone):
    registration = create_registration(student, zone, status='submitted')
    transition(registration, Action.APPROVE, Actor.reviewer(1, 'zone_admin'))
    db.session.commit()
    notification = db.session.scalars(sa.select(Notification)).one()
    assert (notification.kind, notification.student_id, notification.registration_id) == (
        'approved',
        student.id,
        registration.id,
    )


def test_allowed_actions_for_buttons(create_registration, student, zone):
    registration = create_registration(student, zone, status='submitted')
    assert allowed_actions(registration, Actor.reviewer(1, 'centre_reviewer')) == [
        Action.APPROVE,
        Action.RETURN,
        Action.REJECT,
        Action.REVOKE,
    ]
    assert allowed_actions(registration, Actor.student(student.id)) == [Action.WITHDRAW]
    # Revoking is for those who import and those who run the zone, not a counsellor or a college.
    assert Action.REVOKE not in allowed_actions(registration, Actor.reviewer(2, 'counsellor'))
    assert Action.REVOKE not in allowed_actions(registration, Actor.reviewer(3, 'college_reviewer'))
    assert Action.REVOKE in allowed_actions(registration, Actor.reviewer(4, 'school_admin'))


def test_renewal_enters_approved(create_registration, student, zone):
    registration = create_registration(student, zone)
    event = start_renewal(registration)
    db.session.commit()
    assert registration.status is S.APPROVED and registration.renewal
    assert (event.from_status, event.to_status) == (None, S.APPROVED)
