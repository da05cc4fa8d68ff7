"""The subsidised list (seed 001 贫困生名单) against what students declared: who is on it, whether they registered,
and where the list and the declaration disagree."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from miniapp_backend.enrolment.scope import scoped_registrations
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Reviewer, SubsidisedPerson
from miniapp_backend.models.enums import ACTIVE_STATUSES, ReviewerRole
from miniapp_backend.security.blind_index import blind_index

ZONE_WIDE = (ReviewerRole.ZONE_ADMIN, ReviewerRole.CENTRE_REVIEWER)


@dataclass(frozen=True)
class Line:
    person: SubsidisedPerson | None
    registration: Registration | None

    @property
    def mismatch(self) -> str:
        """Why the list and the declaration disagree, in a reviewer's words ('' when they agree)."""
        declared = self.registration.special_identity if self.registration else None
        if self.person is None:
            return f'自报“{declared.label}”，但不在资助名单中' if declared else ''
        if self.registration is None:
            return ''
        if declared is None:
            return f'在资助名单（{self.person.category.label}）中，但登记未申报特殊身份'
        if declared is not self.person.category:
            return f'自报“{declared.label}”，名单为“{self.person.category.label}”'
        return ''


def lines(reviewer: Reviewer, year: int, term: str = '', only_mismatch: bool = False) -> list[Line]:
    """Everyone on the list with their registration this year, then declarations the list does not hold."""
    registrations = (
        scoped_registrations(reviewer)
        .where(Registration.year == year, Registration.status.in_(ACTIVE_STATUSES))
        .subquery()
    )
    joined = aliased(Registration, registrations)
    query = (
        sa.select(SubsidisedPerson, joined)
        .outerjoin(joined, joined.id_index == SubsidisedPerson.id_index)
        .where(SubsidisedPerson.zone_id == reviewer.zone_id, SubsidisedPerson.year == year)
    )
    if reviewer.role not in ZONE_WIDE:
        query = query.where(joined.id.is_not(None))  # a school sees its own students on the list
    undeclared = sa.select(joined).where(
        joined.special_identity.is_not(None),
        ~sa.exists().where(
            SubsidisedPerson.id_index == joined.id_index,
            SubsidisedPerson.zone_id == reviewer.zone_id,
            SubsidisedPerson.year == year,
        ),
    )
    term = term.strip()
    if term:
        query = query.where(
            sa.or_(
                SubsidisedPerson.id_index == blind_index(term),
                SubsidisedPerson.name.contains(term),
                joined.name.contains(term),
                joined.student_no == term,
            )
        )
        undeclared = undeclared.where(
            sa.or_(joined.id_index == blind_index(term), joined.name.contains(term), joined.student_no == term)
        )
    found = [
        Line(person, registration)
        for person, registration in db.session.execute(query.order_by(SubsidisedPerson.id).limit(2000))
    ]
    found += [Line(None, registration) for registration in db.session.scalars(undeclared.limit(2000))]
    return [line for line in found if line.mismatch] if only_mismatch else found
