"""What a student sees: their current registration and suspension, and the one next step."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Student, Suspension, Zone
from miniapp_backend.models.enums import RegistrationStatus as S, SuspensionStatus

NEXT_BY_STATUS = {
    S.SUBMITTED: 'wait_review',
    S.UNDER_REVIEW: 'wait_review',
    S.RETURNED: 'fix_returned',
    S.APPROVED: 'pay',
    S.PAID: 'done',
    S.REJECTED: 'register',
    S.EXPIRED: 'register',
    S.WITHDRAWN: 'register',
    S.REVOKED: 'register',
}


def _current_query() -> sa.Select:
    registration_id = (
        sa.select(Registration.id)
        .where(
            Registration.student_id == sa.bindparam('student'),
            Registration.zone_id == sa.bindparam('zone'),
            Registration.year == sa.bindparam('year'),
        )
        .order_by(Registration.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    suspension_id = (
        sa.select(Suspension.id)
        .where(Suspension.student_id == sa.bindparam('student'))
        .order_by(Suspension.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # Paid up here last year (seed 002's 续保学生): this year is a renewal, not a registration and a review.
    renewable = (
        sa.select(Registration.id)
        .where(
            Registration.student_id == sa.bindparam('student'),
            Registration.zone_id == sa.bindparam('zone'),
            Registration.year == sa.bindparam('year') - 1,
            Registration.status == S.PAID,
        )
        .exists()
    )
    return (
        sa.select(Registration, Suspension, renewable)
        .select_from(sa.select(sa.literal(1).label('one')).subquery())
        .outerjoin(Registration, Registration.id == registration_id)
        .outerjoin(Suspension, Suspension.id == suspension_id)
    )


#: Built once: GET /me is the mini-program's busiest call, and building the statement costs more than running it.
_CURRENT = _current_query()


@dataclass(frozen=True)
class StudentView:
    """What the student's home page shows (GET /me): who, where, the current registration and the next step."""

    student: Student
    zone: Zone | None
    registration: Registration | None
    suspension: Suspension | None
    next_action: str


def view(student: Student) -> StudentView:
    registration, suspension, renewable = current(student)
    action = next_action(student, registration, suspension, renewable=renewable)
    return StudentView(student, student.zone, registration, suspension, action)


def current(student: Student) -> tuple[Registration | None, Suspension | None, bool]:
    """The newest registration for the student's zone and its current year, the newest suspension, and whether
    the student's own registration here was paid last year."""
    year = student.zone.year if student.zone else None
    row = db.session.execute(_CURRENT, {'student': student.id, 'zone': student.zone_id, 'year': year}).one()
    return row[0], row[1], bool(row[2])


def next_action(
    student: Student, registration: Registration | None, suspension: Suspension | None, *, renewable: bool = False
) -> str:
    """One of choose_zone, suspend_origin, renew, register, sign_letter, submit, wait_review, fix_returned, pay,
    wait_payment, done."""
    if student.zone is None:
        return 'choose_zone'
    if registration is None or registration.status in (S.WITHDRAWN, S.REVOKED):  # as if none: start again
        if suspension is not None and suspension.status is SuspensionStatus.SUBMITTED:
            return 'suspend_origin'
        return 'renew' if renewable else 'register'
    if registration.status is S.DRAFT:
        return 'sign_letter' if registration.letter_required and registration.letter is None else 'submit'
    if registration.status is S.APPROVED and registration.flag:
        return 'wait_payment'  # a payment arrived that a reviewer must look at
    return NEXT_BY_STATUS[registration.status]


#: A registration in one of these holds the student to its zone: moving elsewhere would leave it behind unseen
#: (home shows the zone chosen), its review and messages going on for a zone the student left.
UNDER_WAY = (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED, S.APPROVED)


def choose_zone(student: Student, zone: Zone) -> None:
    """Set the student's zone; refused while a registration is under way in the current one (withdraw it first)."""
    if student.zone is not None and zone.id != student.zone_id:
        registration, _, _ = current(student)
        if registration is not None and registration.status in UNDER_WAY:
            raise EnrolmentError(
                'registration_under_way',
                f'您在{student.zone.name}专区有办理中的登记（{registration.status.label}），请先撤回该登记再更换专区',
                details={'registration_id': registration.id},
            )
    student.zone = zone
