"""What a student sees: their current registration and suspension, and the one next step."""
from __future__ import annotations

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Student, Suspension
from miniapp_backend.models.enums import RegistrationStatus as S, SuspensionStatus

NEXT_BY_STATUS = {S.SUBMITTED: 'wait_review', S.UNDER_REVIEW: 'wait_review', S.RETURNED: 'fix_returned',
                  S.APPROVED: 'pay', S.PAID: 'done', S.REJECTED: 'register', S.EXPIRED: 'register',
                  S.WITHDRAWN: 'register'}


def current_registration(student: Student) -> Registration | None:
    """The newest registration for the student's zone and its current year."""
    if student.zone is None:
        return None
    return db.session.scalars(sa.select(Registration).where(
        Registration.student_id == student.id, Registration.zone_id == student.zone_id,
        Registration.year == student.zone.year).order_by(Registration.id.desc())).first()


def current_suspension(student: Student) -> Suspension | None:
    return db.session.scalars(sa.select(Suspension).where(Suspension.student_id == student.id)
                              .order_by(Suspension.id.desc())).first()


def next_action(student: Student, registration: Registration | None, suspension: Suspension | None) -> str:
    """One of choose_zone, suspend_origin, register, sign_letter, submit, wait_review, fix_returned, pay,
    wait_payment, done."""
    if student.zone is None:
        return 'choose_zone'
    if registration is None or registration.status is S.WITHDRAWN:
        waiting = suspension is not None and suspension.status is SuspensionStatus.SUBMITTED
        return 'suspend_origin' if waiting else 'register'
    if registration.status is S.DRAFT:
        return 'sign_letter' if registration.letter_required and registration.letter is None else 'submit'
    if registration.status is S.APPROVED and registration.flag:
        return 'wait_payment'  # a payment arrived that a reviewer must look at
    return NEXT_BY_STATUS[registration.status]
