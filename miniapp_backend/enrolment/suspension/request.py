"""A student asks their home town to suspend its enrolment (暂停参保), with explicit consent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from miniapp_backend.enrolment.errors import EnrolmentError, field_error
from miniapp_backend.enrolment.students import identity
from miniapp_backend.enrolment.suspension.decide import WAITING_MESSAGE
from miniapp_backend.extensions import db
from miniapp_backend.jobs import enqueue_after_commit
from miniapp_backend.models import InsuredPerson, Registration, Student, Suspension, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import SuspensionStatus
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number


def plausible_start(suspend_from: date, now: datetime) -> bool:
    """A suspension starts between the start of last year and the end of next year."""
    return date(now.year - 1, 1, 1) <= suspend_from <= date(now.year + 1, 12, 31)


def request_suspension(student: Student, data: dict[str, Any], now: datetime | None = None) -> Suspension:
    """In-platform origins are confirmed after their upload delay; others go through the origin gateway."""
    now = now or utcnow()
    if data.get('consent') is not True:
        raise field_error('consent', '请阅读并勾选同意暂停原参保地的城乡居民医保')
    if not plausible_start(data['suspend_from'], now):
        raise field_error('suspend_from', '暂停日期不合理')
    id_number, name = _person(student, data)
    origin = db.session.scalars(
        sa.select(InsuredPerson).where(
            InsuredPerson.id_index == blind_index(id_number), InsuredPerson.zone.has(code=data['origin_zone_code'])
        )
    ).first()
    identity.require(
        student, id_number, name, action='suspension', zone=student.zone, names_on_file=[origin.name] if origin else []
    )
    if student.zone is not None and data['origin_zone_code'] == student.zone.code:
        raise field_error('origin_zone_code', '原参保地不能是本次参保的专区')
    return record(data['origin_zone_code'], id_number, name, data['reason'], data['suspend_from'], now, student=student)


def record(
    origin_code: str,
    id_number: str,
    name: str,
    reason: str,
    suspend_from: date,
    now: datetime,
    *,
    student: Student | None = None,
) -> Suspension:
    """A consented suspension routed by its origin: a zone on this platform confirms it after its upload delay,
    any other origin is asked through the gateway by the worker."""
    index = blind_index(id_number)
    origin = db.session.scalars(sa.select(Zone).where(Zone.code == origin_code)).first()
    in_platform = origin is not None and origin.in_platform
    suspension = Suspension(
        student=student,
        origin_zone_code=origin_code,
        origin_zone=origin if in_platform else None,
        id_index=index,
        id_number=id_number,
        name=name,
        reason=reason,
        suspend_from=suspend_from,
        consent_at=now,
        message=WAITING_MESSAGE,
        next_check_at=now + timedelta(minutes=origin.suspension_delay_minutes) if in_platform else now,
    )
    try:
        # One pending request per person and home town is the unique index uq_suspensions_pending's to keep: a
        # second request, at once or later, is refused by it and writes nothing.
        with db.session.begin_nested():
            db.session.add(suspension)
    except IntegrityError:
        raise already_pending(pending(index, origin_code), student) from None
    if not in_platform:
        enqueue_after_commit('workers.jobs.poll_suspensions')
    return suspension


def already_pending(waiting: Suspension | None, student: Student | None) -> EnrolmentError:
    """A second request for a person whose home town is still being asked; the student's own is named so the
    mini-program can show it."""
    own = waiting is not None and student is not None and waiting.student_id == student.id
    message = '该人员已申请暂停在该原参保地的参保，正在等待原参保地确认，请勿重复申请'
    return EnrolmentError(
        'suspension_pending',
        message,
        errors={'id_number': [message]},
        details={'suspension_id': waiting.id} if own else {},
    )


def pending(id_index: str, origin_code: str, *, lock: bool = False) -> Suspension | None:
    """The person's request to this home town still waiting for its answer (at most one: uq_suspensions_pending)."""
    query = sa.select(Suspension).where(
        Suspension.id_index == id_index,
        Suspension.origin_zone_code == origin_code,
        Suspension.status == SuspensionStatus.SUBMITTED,
    )
    return db.session.scalars(query.with_for_update() if lock else query).first()


def _person(student: Student, data: dict[str, Any]) -> tuple[str, str]:
    if data.get('id_number'):
        if not data.get('name'):
            raise field_error('name', '请填写姓名')
        try:
            info = validate_id_number(data.get('id_type') or 'resident_id', data['id_number'])
        except InvalidIdNumber as exc:
            raise field_error('id_number', exc.message, 'invalid_id_number') from None
        return info.number, data['name']
    latest = db.session.scalars(
        sa.select(Registration).where(Registration.student_id == student.id).order_by(Registration.id.desc())
    ).first()
    if latest is None:
        raise field_error('id_number', '请填写需要暂停参保人员的证件号码')
    return latest.id_number, latest.name
