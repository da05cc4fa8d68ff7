"""The duplicate rule (DESIGN §3.5): one active registration per person per year, and none while enrolled elsewhere."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from miniapp_backend import ratelimits
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.insured_register import normal_enrolment_elsewhere, normal_enrolment_query
from miniapp_backend.extensions import db
from miniapp_backend.models import InsuredPerson, Registration, Zone
from miniapp_backend.models.enums import ACTIVE_STATUSES
from miniapp_backend.security.blind_index import blind_index

DUPLICATE_MESSAGE = '该人员处于正常参保状态，不能重复参保（当前参保地：{zone}）'
#: What a student hears when the name typed is not the name on file: nothing about where the person is enrolled.
NOT_ELIGIBLE_MESSAGE = (
    '该证件号码暂不能在本专区登记：不符合办理条件或需核实身份。请核对姓名和证件号码，或联系学校、医保中心'
)


def already_enrolled(zone: Zone) -> EnrolmentError:
    """409 naming the zone, so the app can offer to suspend the enrolment there."""
    return EnrolmentError(
        'already_enrolled',
        DUPLICATE_MESSAGE.format(zone=zone.name),
        details={'zone_code': zone.code, 'zone_name': zone.name},
    )


def not_eligible() -> EnrolmentError:
    """409 without the zone: the same whoever the ID number belongs to and wherever they are enrolled."""
    return EnrolmentError('not_eligible', NOT_ELIGIBLE_MESSAGE, errors={'id_number': [NOT_ELIGIBLE_MESSAGE]})


def refusal(id_index: str, zone: Zone, name: str | None) -> EnrolmentError:
    """already_enrolled naming the zone only to a student who typed the name on file (keyed hash, as the identity
    proof compares); anyone else learns only that the person is not eligible here (docs/IDENTITY.md §1). The two
    answers differ, so names guessed for one ID number are limited (ENROLLED_NAME_GUESS_RATE): past the limit every
    refusal for that number is 429, the right name's too."""
    if name_matches(id_index, name):
        return already_enrolled(zone) if ratelimits.within('ENROLLED_NAME_GUESS_RATE', id_index) else _guessing()
    return not_eligible() if ratelimits.allow(('ENROLLED_NAME_GUESS_RATE', id_index)) else _guessing()


def _guessing() -> EnrolmentError:
    return EnrolmentError('rate_limited', '该证件号码近期尝试次数过多，请稍后再试，或联系学校、医保中心', status=429)


def name_matches(id_index: str, name: str | None) -> bool:
    """The name given is every name on file for the person (the register, this platform's active registrations)."""
    if not name or not name.strip():
        return False
    names = db.session.scalars(
        sa.union(
            sa.select(InsuredPerson.name).where(InsuredPerson.id_index == id_index),
            sa.select(Registration.name).where(
                Registration.id_index == id_index, Registration.status.in_(ACTIVE_STATUSES)
            ),
        )
    ).all()
    wanted = blind_index(name.strip(), purpose='name')
    return bool(names) and all(blind_index(n, purpose='name') == wanted for n in names)


def refuse_if_enrolled(id_index: str, zone_id: int | None, name: str | None) -> None:
    """Raise `refusal` when a statement that read `enrolled_zone_columns` found the person enrolled in `zone_id`."""
    if zone_id is not None:
        raise refusal(id_index, db.session.get(Zone, zone_id), name)


def sql_values(values: Collection[Enum]) -> list[sa.ColumnElement]:
    """Code constants (statuses) written into a statement as SQL literals, for `column.in_()` in the hot paths'
    statements: a list of bound values is expanded into its parameters again at every execution."""
    return [sa.literal_column(f"'{value.value}'") for value in values]


_ACTIVE = sql_values(ACTIVE_STATUSES)


def enrolled_zone_columns(id_index, zone_id, year, today, excluding) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """The duplicate check as two scalar subqueries another statement carries (one round trip for the read and the
    check): the zone of the person's normal enrolment elsewhere on the register, and the zone of their active
    registration this year other than `excluding`. Arguments are columns or bind parameters; the register wins."""
    other = aliased(Registration)
    on_register = (
        sa.select(InsuredPerson.zone_id)
        .where(InsuredPerson.id_index == id_index, *normal_enrolment_elsewhere(zone_id, today))
        .order_by(InsuredPerson.id)
        .limit(1)
        .scalar_subquery()
    )
    active = (
        sa.select(other.zone_id)
        .where(
            other.id_index == id_index,
            other.year == year,
            other.status.in_(_ACTIVE),
            other.id != excluding,
        )
        .order_by(other.id)
        .limit(1)
        .scalar_subquery()
    )
    return on_register, active


def check(id_index: str, zone: Zone, year: int, today: date, *, name: str | None, excluding: int | None = None) -> None:
    """Raise when the register or an active registration says the person is enrolled (see `refusal`)."""
    found = enrolled_zones([id_index], zone, year, today, excluding=excluding)
    if found:
        raise refusal(id_index, found[id_index], name)


def active_elsewhere(registration: Registration) -> bool:
    """Whether the person has an active registration that year other than this one (the unique index's rule)."""
    return db.session.scalar(
        sa.select(
            sa.exists().where(
                Registration.id_index == registration.id_index,
                Registration.year == registration.year,
                Registration.status.in_(ACTIVE_STATUSES),
                Registration.id != registration.id,
            )
        )
    )


#: One round trip: the register's rows first (rank 0), then this year's active registrations. Built once with bind
#: parameters: building it per call was about a tenth of a create's own CPU time.
_ENROLLED = sa.union_all(
    normal_enrolment_query(
        sa.bindparam('insured_ids', expanding=True), sa.bindparam('zone_id'), sa.bindparam('today')
    ).add_columns(sa.literal(0).label('rank')),
    sa.select(Registration.id_index, Registration.zone_id, Registration.id, sa.literal(1).label('rank')).where(
        Registration.id_index.in_(sa.bindparam('active_ids', expanding=True)),
        Registration.year == sa.bindparam('year'),
        Registration.status.in_(ACTIVE_STATUSES),
        Registration.id != sa.bindparam('excluding'),
    ),
).order_by('rank', 'id')


def enrolled_zones(
    id_indexes: Collection[str], zone: Zone, year: int, today: date, *, excluding: int | None = None
) -> dict[str, Zone]:
    """Where each of these people is already enrolled: normally in another zone on the register (checked first),
    or by an active registration this year. People enrolled nowhere are absent."""
    ids = list(id_indexes)
    values = {
        'insured_ids': ids,
        'active_ids': ids,
        'zone_id': zone.id,
        'today': today,
        'year': year,
        'excluding': excluding or 0,  # ids start at 1
    }
    found: dict[str, Zone] = {}
    for id_index, zone_id, _, _ in db.session.execute(_ENROLLED, values):
        if id_index not in found:
            found[id_index] = db.session.get(Zone, zone_id)
    return found
