"""The insured register: who is in normal enrolment where (DESIGN §3.3)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import InsuredPerson, Zone
from miniapp_backend.models.enums import InsuredStatus


def normal_enrolment_query(id_indexes: Collection[str], zone_id: int, on: date) -> sa.Select:
    """(id_index, zone_id, id) of these people's normal enrolments in another zone on a given day (values, or bind
    parameters for a statement built once)."""
    return sa.select(InsuredPerson.id_index, InsuredPerson.zone_id, InsuredPerson.id).where(
        InsuredPerson.id_index.in_(id_indexes), *normal_enrolment_elsewhere(zone_id, on)
    )


def normal_enrolment_elsewhere(zone_id, on) -> tuple[sa.ColumnElement[bool], ...]:
    """The conditions of a register row that is a normal enrolment in another zone on a day (values, columns or bind
    parameters)."""
    return (
        InsuredPerson.zone_id != zone_id,
        InsuredPerson.status == InsuredStatus.NORMAL,
        sa.or_(InsuredPerson.until.is_(None), InsuredPerson.until >= on),
    )


def normal_enrolment_zones(id_indexes: Collection[str], zone: Zone, on: date) -> dict[str, Zone]:
    """Each person's normal enrolment in another zone on a given day (which blocks registering here), by blind index."""
    query = normal_enrolment_query(id_indexes, zone.id, on).order_by(InsuredPerson.id)
    found: dict[str, Zone] = {}
    for id_index, zone_id, _ in db.session.execute(query):
        if id_index not in found:
            found[id_index] = db.session.get(Zone, zone_id)
    return found


def record_paid_year(id_index: str, id_number: str, name: str, zone: Zone, year: int) -> InsuredPerson:
    """A paid registration puts (or keeps) the person in normal enrolment here, paid through that year."""
    person = db.session.query(InsuredPerson).filter_by(id_index=id_index, zone_id=zone.id).one_or_none()
    if person is None:
        person = InsuredPerson(
            id_index=id_index, id_number=id_number, name=name, zone=zone, since=date(year, 1, 1), source='payment'
        )
        db.session.add(person)
    person.status = InsuredStatus.NORMAL
    person.until = None
    person.paid_through_year = max(year, person.paid_through_year or year)
    return person


def suspend(id_index: str, zone_id: int, until: date) -> InsuredPerson | None:
    """End a normal enrolment at `until` (the home town's benefit runs to the end of its current year)."""
    person = db.session.query(InsuredPerson).filter_by(id_index=id_index, zone_id=zone_id).one_or_none()
    if person is not None:
        person.status = InsuredStatus.SUSPENDED
        person.until = until
    return person
