"""Enrolment progress against the school roster (seed 001 参保统计): per school / college / class, who has done
what, and the list of those who have done nothing (未办理)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from miniapp_backend.enrolment.scope import scoped_roster
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Reviewer, RosterEntry, School
from miniapp_backend.models.enums import ACTIVE_STATUSES, RegistrationStatus as S, StudyMode

REVIEWING = (S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED)
PASSED = (S.APPROVED, S.PAID)

#: The states a roster student is in, as the progress pages filter them.
STATES = {
    'pending': '未办理',
    'registered': '已登记',
    'reviewing': '审核中（含退回待改）',
    'approved': '已通过',
    'paid': '已缴费',
    'exempt': '无需参保',
}


@dataclass(frozen=True)
class Progress:
    school_id: int | None
    school: str
    college: str
    class_name: str
    roster: int
    exempt: int
    registered: int
    reviewing: int
    approved: int
    paid: int

    @property
    def due(self) -> int:
        """应参保: the roster minus those marked exempt."""
        return self.roster - self.exempt

    @property
    def pending(self) -> int:
        """未办理: should enrol and has no active registration this year."""
        return self.due - self.registered


def _with_status(reviewer: Reviewer, year: int) -> sa.Subquery:
    """Each scoped roster entry with the status of its active registration this year (NULL: none)."""
    entries = scoped_roster(reviewer, year).subquery()
    # Joined on the table itself by the blind index (the planner then looks each student up by it). A person has
    # at most one active registration per year in any zone (the partial unique index), so no zone condition: one
    # enrolled in another zone has enrolled too.
    active = sa.and_(
        Registration.id_index == entries.c.id_index, Registration.year == year, Registration.status.in_(ACTIVE_STATUSES)
    )
    return sa.select(entries, Registration.status.label('reg_status')).outerjoin(Registration, active).subquery()


def _counts(rows: sa.Subquery) -> list:
    """名单人数, 无需参保, 已登记, 审核中, 已通过, 已缴费 as aggregate columns."""
    counted = sa.and_(rows.c.exempt_reason.is_(None), rows.c.reg_status.is_not(None))

    def count(condition):
        return sa.func.count().filter(condition)

    return [
        sa.func.count(),
        count(rows.c.exempt_reason.is_not(None)),
        count(counted),
        count(sa.and_(counted, rows.c.reg_status.in_([s.value for s in REVIEWING]))),
        count(sa.and_(counted, rows.c.reg_status.in_([s.value for s in PASSED]))),
        count(sa.and_(counted, rows.c.reg_status == S.PAID.value)),
    ]


def by_class(reviewer: Reviewer, year: int) -> list[Progress]:
    """One row per school / college / class in the reviewer's scope, ordered for reading."""
    rows = _with_status(reviewer, year)
    query = (
        sa.select(School.id, School.name, rows.c.college, rows.c.class_name, *_counts(rows))
        .join(School, School.id == rows.c.school_id)
        .group_by(School.id, School.name, School.code, rows.c.college, rows.c.class_name)
        .order_by(School.code, rows.c.college, rows.c.class_name)
    )
    return [Progress(*row) for row in db.session.execute(query).all()]


def by_study_mode(reviewer: Reviewer, year: int) -> list[Progress]:
    """参保类型: the same counts per 全日制 / 非全日制 (the label stands in the school column)."""
    rows = _with_status(reviewer, year)
    query = sa.select(rows.c.study_mode, *_counts(rows)).group_by(rows.c.study_mode).order_by(rows.c.study_mode)
    return [Progress(None, StudyMode(mode).label, '', '', *counts) for mode, *counts in db.session.execute(query)]


def totals(rows: list[Progress]) -> Progress:
    return Progress(
        None,
        '合计',
        '',
        '',
        *(
            sum(getattr(r, f) for r in rows)
            for f in ('roster', 'exempt', 'registered', 'reviewing', 'approved', 'paid')
        ),
    )


def entries(
    reviewer: Reviewer,
    year: int,
    *,
    state: str | None = None,
    school_id: int | None = None,
    college: str | None = None,
    class_name: str | None = None,
) -> sa.Select:
    """Roster entries (with their registration status) filtered by state and place, for the drill-down pages."""
    rows = _with_status(reviewer, year)
    query = sa.select(RosterEntry, rows.c.reg_status).join(rows, rows.c.id == RosterEntry.id)
    not_exempt = rows.c.exempt_reason.is_(None)
    conditions = {
        'pending': sa.and_(not_exempt, rows.c.reg_status.is_(None)),
        'registered': sa.and_(not_exempt, rows.c.reg_status.is_not(None)),
        'reviewing': sa.and_(not_exempt, rows.c.reg_status.in_([s.value for s in REVIEWING])),
        'approved': sa.and_(not_exempt, rows.c.reg_status.in_([s.value for s in PASSED])),
        'paid': sa.and_(not_exempt, rows.c.reg_status == S.PAID.value),
        'exempt': rows.c.exempt_reason.is_not(None),
    }
    if state in conditions:
        query = query.where(conditions[state])
    if school_id:
        query = query.where(RosterEntry.school_id == school_id)
    if college:
        query = query.where(RosterEntry.college == college)
    if class_name:
        query = query.where(RosterEntry.class_name == class_name)
    return query.order_by(RosterEntry.school_id, RosterEntry.college, RosterEntry.class_name, RosterEntry.student_no)


def entry_of(registration: Registration) -> RosterEntry | None:
    """The person's line on the school roster of a registration's zone and year (the roster is kept per person, by
    blind index, so every registration of the person finds it, a new one after a refusal too)."""
    return db.session.scalars(
        sa.select(RosterEntry).where(
            RosterEntry.zone_id == registration.zone_id,
            RosterEntry.year == registration.year,
            RosterEntry.id_index == registration.id_index,
        )
    ).first()


def kept(zone_id: int, year: int) -> bool:
    """Whether the zone has a school roster for the year at all (without one, nobody is missing from it)."""
    return db.session.scalar(sa.select(sa.exists().where(RosterEntry.zone_id == zone_id, RosterEntry.year == year)))


def state_of(entry: RosterEntry, status: str | None) -> str:
    """The one word the roster list shows for a student."""
    if entry.exempt_reason:
        return STATES['exempt']
    if status is None:
        return STATES['pending']
    return S(status).label
