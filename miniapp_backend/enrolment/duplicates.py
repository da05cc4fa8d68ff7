"""The duplicate rule (DESIGN §3): one active registration per person per year, and none while enrolled elsewhere."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.register import normal_enrolment_elsewhere
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Zone
from miniapp_backend.models.enums import ACTIVE_STATUSES

DUPLICATE_MESSAGE = '该人员处于正常参保状态，不能重复参保（当前参保地：{zone}）'


def already_enrolled(zone: Zone) -> EnrolmentError:
    """409 naming the zone, so the app can offer to suspend the enrolment there."""
    return EnrolmentError('already_enrolled', DUPLICATE_MESSAGE.format(zone=zone.name),
                          details={'zone_code': zone.code, 'zone_name': zone.name})


def check(id_index: str, zone: Zone, year: int, today: date, *, excluding: int | None = None) -> None:
    """Raise already_enrolled when the register or an active registration says the person is enrolled."""
    insured = normal_enrolment_elsewhere(id_index, zone, today)
    if insured is not None:
        raise already_enrolled(insured.zone)
    query = sa.select(Registration).where(Registration.id_index == id_index, Registration.year == year,
                                          Registration.status.in_(ACTIVE_STATUSES))
    if excluding is not None:
        query = query.where(Registration.id != excluding)
    active = db.session.scalars(query.limit(1)).first()
    if active is not None:
        raise already_enrolled(active.zone)
