"""The admin lists as queries, from a reviewer and the list's filters: the page and its export (in the request
or in an export job) select exactly the same rows."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from miniapp_backend.enrolment.reports import statistics
from miniapp_backend.enrolment.reports.paging import Count, capped_count
from miniapp_backend.enrolment.scope import (
    review_queue,
    scoped_audit_events,
    scoped_imports,
    scoped_insured,
    scoped_registrations,
)
from miniapp_backend.enrolment.zones.settings import day_start
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, ImportJob, InsuredPerson, Registration, Reviewer
from miniapp_backend.models.enums import ActorType, ImportKind, InsuredStatus, RegistrationStatus
from miniapp_backend.security.blind_index import blind_index

PAYABLE = (RegistrationStatus.APPROVED, RegistrationStatus.PAID, RegistrationStatus.EXPIRED)
#: An ID number (18 characters, or 15 for old ones): only the blind index can match it.
_ID_SHAPED = re.compile(r'^(\d{17}[\dXx]|\d{15})$')


def search(term: str) -> sa.ColumnElement[bool]:
    """Name, student number or ID number. Each shape goes to its own index instead of one OR that scans
    the table: ID-shaped terms to id_index, digits to the student number (or id_index), text to the
    name's trigram index."""
    if _ID_SHAPED.match(term):
        return Registration.id_index == blind_index(term)
    if term.isdigit():
        return sa.or_(Registration.student_no == term, Registration.id_index == blind_index(term))
    return Registration.name.contains(term, autoescape=True)


def registrations(reviewer: Reviewer, filters: dict[str, Any]) -> sa.Select:
    """The review queue, or with `all` every registration in scope; filters q, school, college, status."""
    query = scoped_registrations(reviewer) if filters.get('all') else review_queue(reviewer)
    if filters.get('q'):
        query = query.where(search(filters['q']))
    if filters.get('school'):
        query = query.where(Registration.school.has(code=filters['school']))
    if filters.get('college'):
        query = query.where(Registration.college == filters['college'])
    if filters.get('status') in RegistrationStatus.__members__.values():
        query = query.where(Registration.status == filters['status'])
    return query


def next_in_queue(reviewer: Reviewer, filters: dict[str, Any], after_id: int) -> int | None:
    """The record to open after `after_id` in the review queue as filtered (q, school, college): the next one in the
    queue's order (newest first), else, at its end, the newest one left (a record skipped, or one submitted since);
    None when nothing else waits. Asked when the reviewer asks, not when the page was drawn: a record another
    reviewer decided meanwhile has left the queue and is not offered."""
    query = registrations(reviewer, {**filters, 'all': False, 'status': None}).where(Registration.id != after_id)
    ids = query.with_only_columns(Registration.id).order_by(Registration.id.desc()).limit(1)
    older = db.session.scalar(ids.where(Registration.id < after_id))
    return older if older is not None else db.session.scalar(ids)


def payments(reviewer: Reviewer, filters: dict[str, Any]) -> sa.Select:
    """Approved, paid and expired registrations in scope; filters q (as the queue's search) and status."""
    query = scoped_registrations(reviewer).where(Registration.status.in_(PAYABLE))
    if filters.get('q'):
        query = query.where(search(filters['q']))
    if filters.get('status') in [s.value for s in PAYABLE]:
        query = query.where(Registration.status == filters['status'])
    return query


def payments_count(reviewer: Reviewer, filters: dict[str, Any]) -> Count:
    """How many rows `payments` lists: exact from the kept counts while no search narrows it (they are cut by
    scope and status, as the list is), else counted up to the cap."""
    if filters.get('q'):
        return capped_count(payments(reviewer, filters), (Registration.id,))
    status = filters.get('status')
    statuses = [status] if status in [s.value for s in PAYABLE] else [s.value for s in PAYABLE]
    return Count(statistics.total(reviewer, *statuses))


def register(reviewer: Reviewer, filters: dict[str, Any]) -> sa.Select:
    """The zone's insured register; filters q (an ID number, through its blind index, or part of a name) and
    status (seed 004: the register queried by person and by 参保状态)."""
    query = scoped_insured(reviewer)
    term = filters.get('q')
    if term:
        shaped = _ID_SHAPED.match(term)
        query = query.where(
            InsuredPerson.id_index == blind_index(term)
            if shaped
            else InsuredPerson.name.contains(term, autoescape=True)
        )
    if filters.get('status') in InsuredStatus.__members__.values():
        query = query.where(InsuredPerson.status == filters['status'])
    return query


def audit(reviewer: Reviewer, filters: dict[str, Any]) -> sa.Select:
    """The audit log in scope; filters action, registration, person (the reviewer who acted) and the Beijing days
    since … until, both included."""
    query = scoped_audit_events(reviewer)
    if filters.get('action'):
        query = query.where(AuditEvent.action == filters['action'])
    if filters.get('registration'):
        query = query.where(AuditEvent.registration_id == filters['registration'])
    if filters.get('person'):
        query = query.where(AuditEvent.actor_type == ActorType.REVIEWER, AuditEvent.actor_id == filters['person'])
    if filters.get('since'):
        query = query.where(AuditEvent.at >= day_start(_day(filters['since'])))
    if filters.get('until'):
        query = query.where(AuditEvent.at < day_start(_day(filters['until']) + timedelta(days=1)))
    return query


def _day(value: date | str) -> date:
    """A filter's day as the form gives it, or as an export job kept it (JSON: its ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def imports(reviewer: Reviewer, filters: dict[str, Any]) -> sa.Select:
    """Import history in scope; filter kind."""
    query = scoped_imports(reviewer)
    if filters.get('kind') in ImportKind.__members__.values():
        query = query.where(ImportJob.kind == filters['kind'])
    return query
