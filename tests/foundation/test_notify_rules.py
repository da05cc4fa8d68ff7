"""states.RULES says which transitions tell the student, and with which message kind; zones may mute kinds."""

from __future__ import annotations

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.registration.states import RULES, Action, start_renewal, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import Notification
from miniapp_backend.models.enums import NotificationKind as K, RegistrationStatus as S

ADMIN = Actor.reviewer(1, 'zone_admin')


def _kinds():
    return db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all()


def test_every_message_kind_of_a_transition_comes_from_the_rules():
    # A zone without review approves a submission at once: the student is told to pay.
    assert RULES[Action.SUBMIT].notify == {S.SUBMITTED: K.SUBMITTED, S.APPROVED: K.APPROVED}
    assert RULES[Action.REVOKE].notify == {S.REVOKED: K.REVOKED}
    assert RULES[Action.APPROVE].notify == {S.APPROVED: K.APPROVED}
    assert RULES[Action.EXPIRE].notify == {S.EXPIRED: K.EXPIRED}
    assert RULES[Action.WITHDRAW].notify == {}


def test_submit_is_acknowledged_and_only_the_last_stage_approval_tells(create_zone, student, create_registration):
    zone = create_zone('370200', '青岛市', review_stages=['counsellor', 'college'])
    registration = create_registration(student, zone)
    transition(registration, Action.SUBMIT, Actor.student(student.id))
    transition(registration, Action.APPROVE, ADMIN)
    assert registration.status is S.UNDER_REVIEW and _kinds() == [K.SUBMITTED]
    transition(registration, Action.APPROVE, ADMIN)
    assert _kinds() == [K.SUBMITTED, K.APPROVED]
    notice = db.session.scalars(sa.select(Notification).where(Notification.kind == K.SUBMITTED)).one()
    assert notice.title == '参保登记已受理，等待审核'


def test_renewal_tells_the_student_to_pay(zone, student, create_registration):
    registration = create_registration(student, zone)
    start_renewal(registration)
    assert _kinds() == [K.RENEWAL]


def test_a_muted_kind_is_not_written(zone, student, create_registration):
    zone.muted_kinds = ['submitted']
    registration = create_registration(student, zone)
    transition(registration, Action.SUBMIT, Actor.student(student.id))
    transition(registration, Action.RETURN, ADMIN, reason='照片不清晰')
    assert _kinds() == [K.RETURNED]
