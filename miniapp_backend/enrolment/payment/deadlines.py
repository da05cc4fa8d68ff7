"""The enrolment window: remind the unpaid before it closes, expire them once it has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import SYSTEM
from miniapp_backend.enrolment.messages import outbox
from miniapp_backend.enrolment.registration.states import Action, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Zone
from miniapp_backend.models.enums import NotificationKind, RegistrationStatus
from miniapp_backend.unit_of_work import commit_batch


@dataclass
class RemindReport:
    reminded: int = 0
    #: Registrations a school imported for a student who has not yet opened the app: there is nobody to message.
    without_student: int = 0


def remind_unpaid(now: datetime) -> RemindReport:
    """Once per registration, within the zone's reminder days before its window closes."""
    report = RemindReport()
    for zone in db.session.scalars(sa.select(Zone).where(Zone.window_closes_at > now)):
        if now < zone.window_closes_at - timedelta(days=zone.remind_days_before_close):
            continue
        query = sa.select(Registration).where(
            Registration.zone_id == zone.id,
            Registration.status == RegistrationStatus.APPROVED,
            Registration.reminded_at.is_(None),
        )
        for registration in db.session.scalars(query):
            if registration.student_id is None:
                report.without_student += 1  # not marked reminded: once the student signs in, they are reminded
                continue
            outbox.write(
                NotificationKind.WINDOW_CLOSING,
                student_id=registration.student_id,
                zone=zone,
                registration=registration,
                event_key=f'registration:{registration.id}:window_closing',
            )
            registration.reminded_at = now
            report.reminded += 1
    commit_batch()
    return report


def expire_unpaid(now: datetime, settle: timedelta = timedelta(0)) -> int:
    """Approved registrations still unpaid `settle` after their zone's window closed: a payment made on the last
    evening reaches the tax bureau's records days later, and the payment poll keeps asking until then."""
    count = 0
    closed = sa.select(Zone.id).where(Zone.window_closes_at <= now - settle)
    query = sa.select(Registration).where(
        Registration.zone_id.in_(closed), Registration.status == RegistrationStatus.APPROVED
    )
    for registration in db.session.scalars(query):
        transition(registration, Action.EXPIRE, SYSTEM, now=now)
        count += 1
    commit_batch()
    return count
