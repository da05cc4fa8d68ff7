"""A reviewer's scope: what they may see and change (zone, school, college, class), decided in one place.

`scope_of` is the one decision. Every admin query filters through it: the queue, a record, exports, statistics,
the audit log, the insured register and import history; imports check each row with `Scope.refusal`. Which roles
may upload which import kinds is `IMPORT_KINDS` below: people on zone-wide lists (roster, subsidised list,
suspensions of a home-town enrolment, the tax bureau's reconciliation) are the centre's; a school or college
imports its own students' registrations; a counsellor imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import ROLE_STAGE
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    AuditEvent,
    College,
    ImportJob,
    InsuredPerson,
    Registration,
    Reviewer,
    School,
)
from miniapp_backend.models.enums import ImportKind, RegistrationStatus, ReviewerRole

ZONE_WIDE = (ReviewerRole.ZONE_ADMIN, ReviewerRole.CENTRE_REVIEWER)

#: Which import kinds each role may upload.
IMPORT_KINDS: dict[ReviewerRole, frozenset[ImportKind]] = {
    ReviewerRole.ZONE_ADMIN: frozenset(ImportKind),
    ReviewerRole.CENTRE_REVIEWER: frozenset(ImportKind),
    ReviewerRole.SCHOOL_ADMIN: frozenset({ImportKind.REGISTRATIONS}),
    ReviewerRole.COLLEGE_REVIEWER: frozenset({ImportKind.REGISTRATIONS}),
    ReviewerRole.COUNSELLOR: frozenset(),
}


@dataclass(frozen=True)
class Scope:
    """The part of one zone a reviewer works in; None at a level means every value at that level."""

    reviewer_id: int
    zone_id: int
    school_id: int | None = None
    college: str | None = None
    class_name: str | None = None

    @property
    def zone_wide(self) -> bool:
        return self.school_id is None

    def condition(self, table=Registration) -> sa.ColumnElement[bool]:
        """SQL condition on registrations (or a subquery with the same columns) inside the scope."""
        columns = table.c if hasattr(table, 'c') else table
        parts = [columns.zone_id == self.zone_id]
        if self.school_id is not None:
            parts.append(columns.school_id == self.school_id)
        if self.college is not None:
            parts.append(columns.college == self.college)
        if self.class_name is not None:
            parts.append(columns.class_name == self.class_name)
        return sa.and_(*parts)

    def refusal(
        self, zone_id: int | None, school_id: int | None, college: str | None, class_name: str | None
    ) -> str | None:
        """Why a registration with these values is outside the scope (Chinese, for error reports), or None."""
        if zone_id != self.zone_id:
            return '不属于本专区'
        if self.school_id is not None and school_id != self.school_id:
            return '不属于您管理的学校'
        if self.college is not None and college != self.college:
            return '不属于您管理的学院'
        if self.class_name is not None and class_name != self.class_name:
            return '不属于您管理的班级'
        return None

    def covers(self, registration: Registration) -> bool:
        return (
            self.refusal(registration.zone_id, registration.school_id, registration.college, registration.class_name)
            is None
        )


def scope_of(reviewer: Reviewer) -> Scope:
    """The one decision of what a reviewer may see and change."""
    role = ReviewerRole(reviewer.role)
    if role in ZONE_WIDE:
        return Scope(reviewer.id, reviewer.zone_id)
    school_scope = Scope(reviewer.id, reviewer.zone_id, school_id=reviewer.school_id if reviewer.school_id else -1)
    if role is ReviewerRole.SCHOOL_ADMIN:
        return school_scope
    college = reviewer.college or ''
    if role is ReviewerRole.COLLEGE_REVIEWER:
        return Scope(reviewer.id, reviewer.zone_id, school_scope.school_id, college)
    return Scope(reviewer.id, reviewer.zone_id, school_scope.school_id, college, reviewer.class_name or '')


def scoped_registrations(reviewer: Reviewer) -> sa.Select:
    """Registrations this reviewer may see; nothing outside it exists for them."""
    return sa.select(Registration).where(scope_of(reviewer).condition())


def review_queue(reviewer: Reviewer) -> sa.Select:
    """What waits for this reviewer's stage (a zone admin sees every stage)."""
    query = scoped_registrations(reviewer).where(
        Registration.status.in_((RegistrationStatus.SUBMITTED, RegistrationStatus.UNDER_REVIEW))
    )
    if reviewer.role is not ReviewerRole.ZONE_ADMIN:
        query = query.where(Registration.stage == ROLE_STAGE[reviewer.role])
    return query


def scoped_audit_events(reviewer: Reviewer) -> sa.Select:
    """Zone-wide roles read the zone's log; others the events of registrations in their scope and their own acts."""
    scope = scope_of(reviewer)
    query = sa.select(AuditEvent).where(AuditEvent.zone_id == scope.zone_id)
    if scope.zone_wide:
        return query
    return query.where(
        sa.or_(
            _registered_in(scope, Registration.id == AuditEvent.registration_id),
            sa.and_(
                AuditEvent.actor_type == 'reviewer',
                AuditEvent.actor_id == reviewer.id,
                AuditEvent.registration_id.is_(None),
            ),
        )
    )


def scoped_insured(reviewer: Reviewer) -> sa.Select:
    """The insured register: zone-wide roles see the zone's; others only people registered in their scope."""
    scope = scope_of(reviewer)
    query = sa.select(InsuredPerson).where(InsuredPerson.zone_id == scope.zone_id)
    if scope.zone_wide:
        return query
    return query.where(_registered_in(scope, Registration.id_index == InsuredPerson.id_index))


def _registered_in(scope: Scope, match: sa.ColumnElement[bool]) -> sa.Exists:
    """Whether a registration inside the scope matches the outer row. EXISTS, not IN (the scope's ids): a page
    checks each row it reads with one index probe, while an IN first builds the set of the scope's registrations
    (a school's 300,000 at the bench's size) and, once that outgrows work_mem, PostgreSQL searches it linearly for
    every row: a school admin's first audit page took over 15 s."""
    return sa.exists().where(match, scope.condition())


def scoped_imports(reviewer: Reviewer) -> sa.Select:
    """Import history: zone-wide roles see the zone's imports, others only their own uploads."""
    scope = scope_of(reviewer)
    query = sa.select(ImportJob).where(ImportJob.zone_id == scope.zone_id)
    return query if scope.zone_wide else query.where(ImportJob.reviewer_id == reviewer.id)


def schools_in_scope(reviewer: Reviewer) -> list[School]:
    """The schools a list's filter may offer: the zone's for zone-wide roles, else the reviewer's own school (the
    rows are scoped anyway; offering the others would only lead to empty lists)."""
    scope = scope_of(reviewer)
    query = sa.select(School).where(School.zone_id == scope.zone_id).order_by(School.name, School.id)
    if not scope.zone_wide:
        query = query.where(School.id == scope.school_id)
    return list(db.session.scalars(query))


def colleges_in_scope(reviewer: Reviewer) -> list[str]:
    """The college names a list's filter may suggest: every college of the schools in scope, or the reviewer's
    own college when the scope is narrower than a school."""
    scope = scope_of(reviewer)
    if scope.college is not None:
        return [scope.college]
    schools = [school.id for school in schools_in_scope(reviewer)]
    names = db.session.scalars(
        sa.select(College.name).where(College.school_id.in_(schools)).distinct().order_by(College.name)
    )
    return list(names)


def colleagues(reviewer: Reviewer) -> list[Reviewer]:
    """The staff whose acts the audit log may be filtered by: the zone's reviewers for zone-wide roles; for the
    others the zone-wide reviewers and those of their own school, the people who act on their records."""
    scope = scope_of(reviewer)
    query = sa.select(Reviewer).where(Reviewer.zone_id == scope.zone_id).order_by(Reviewer.username)
    if not scope.zone_wide:
        query = query.where(sa.or_(Reviewer.school_id.is_(None), Reviewer.school_id == scope.school_id))
    return list(db.session.scalars(query))


def may_import(reviewer: Reviewer, kind: ImportKind | str) -> bool:
    return ImportKind(kind) in IMPORT_KINDS[ReviewerRole(reviewer.role)]


def scoped_roster(reviewer: Reviewer, year: int) -> sa.Select:
    """The school-roster entries of one year inside the reviewer's scope (the roster has the same place columns)."""
    from miniapp_backend.models import RosterEntry

    return sa.select(RosterEntry).where(scope_of(reviewer).condition(RosterEntry), RosterEntry.year == year)
