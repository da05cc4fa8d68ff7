"""Deciding a home-town suspension (暂停参保): confirmed or refused, with the student told either way."""

from __future__ import annotations

from datetime import date, datetime

from miniapp_backend.enrolment import audit, insured_register
from miniapp_backend.enrolment.actors import SYSTEM, Actor
from miniapp_backend.enrolment.messages import outbox
from miniapp_backend.extensions import db
from miniapp_backend.models import Suspension, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ActorType, SuspensionStatus

CONFIRMED_MESSAGE = '原参保地已确认暂停参保，请返回继续参保登记'
#: A confirmation by the centre's staff on the desk: the home town did not answer here, staff vouch for it.
HAND_CONFIRMED_MESSAGE = '医保中心工作人员已人工确认暂停参保，请返回继续参保登记'
WAITING_MESSAGE = '已提交，等待原参保地确认（一般需要10–30分钟）'


class SuspensionAlreadyDecided(Exception):
    """A decided suspension is final."""


def confirm(
    suspension: Suspension, *, actor: Actor = SYSTEM, message: str | None = None, now: datetime | None = None
) -> None:
    """Confirm: the home-town normal enrolment ends at the end of its current year, unblocking registration."""
    now = now or utcnow()
    _decide(suspension, SuspensionStatus.CONFIRMED, message or CONFIRMED_MESSAGE, actor, now)
    if suspension.origin_zone_id is not None:
        insured_register.suspend(suspension.id_index, suspension.origin_zone_id, date(now.year, 12, 31))
    else:
        # A home town outside the platform may still be in our register from a roster import.
        zone = db.session.query(Zone).filter_by(code=suspension.origin_zone_code).one_or_none()
        if zone is not None:
            insured_register.suspend(suspension.id_index, zone.id, date(now.year, 12, 31))


def refuse(suspension: Suspension, *, actor: Actor = SYSTEM, message: str, now: datetime | None = None) -> None:
    """Refuse, keeping the home-town enrolment; the student is told why."""
    _decide(suspension, SuspensionStatus.REFUSED, message, actor, now or utcnow())


def _decide(suspension: Suspension, status: SuspensionStatus, message: str, actor: Actor, now: datetime) -> None:
    if suspension.status is not SuspensionStatus.SUBMITTED:
        raise SuspensionAlreadyDecided(suspension.id)
    suspension.status = status
    suspension.message = message
    suspension.decided_at = now
    suspension.next_check_at = None
    # Who decided, for the desk: a reviewer by hand, else (None) the home town through the worker or the gateway.
    suspension.decided_by_id = actor.id if actor.type is ActorType.REVIEWER else None
    audit.record(
        actor,
        f'suspension_{status.value}',
        zone_id=suspension.origin_zone_id,
        reason=message,
        suspension_id=suspension.id,
    )
    outbox.suspension_changed(suspension, suspension.origin_zone or _zone_of_student(suspension))


def _zone_of_student(suspension: Suspension) -> Zone | None:
    return suspension.student.zone if suspension.student else None
