"""A reviewer's scope: the one filter every admin query goes through (zone, school, college, class)."""
from __future__ import annotations

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import ROLE_STAGE
from miniapp_backend.models import Registration, Reviewer
from miniapp_backend.models.enums import RegistrationStatus, ReviewerRole


def scoped_registrations(reviewer: Reviewer) -> sa.Select:
    """Registrations this reviewer may see; nothing outside it exists for them."""
    query = sa.select(Registration).where(Registration.zone_id == reviewer.zone_id)
    if reviewer.role in (ReviewerRole.SCHOOL_ADMIN, ReviewerRole.COLLEGE_REVIEWER, ReviewerRole.COUNSELLOR):
        query = query.where(Registration.school_id == reviewer.school_id)
    if reviewer.role in (ReviewerRole.COLLEGE_REVIEWER, ReviewerRole.COUNSELLOR):
        query = query.where(Registration.college == reviewer.college)
    if reviewer.role is ReviewerRole.COUNSELLOR:
        query = query.where(Registration.class_name == reviewer.class_name)
    return query


def review_queue(reviewer: Reviewer) -> sa.Select:
    """What waits for this reviewer's stage (a zone admin sees every stage)."""
    query = scoped_registrations(reviewer).where(
        Registration.status.in_((RegistrationStatus.SUBMITTED, RegistrationStatus.UNDER_REVIEW)))
    if reviewer.role is not ReviewerRole.ZONE_ADMIN:
        query = query.where(Registration.stage == ROLE_STAGE[reviewer.role])
    return query


def scoped_roster(reviewer: Reviewer, year: int) -> sa.Select:
    """The school-roster entries of one year this reviewer may see, by the same rule as registrations."""
    from miniapp_backend.models import RosterEntry

    query = sa.select(RosterEntry).where(RosterEntry.zone_id == reviewer.zone_id, RosterEntry.year == year)
    if reviewer.role in (ReviewerRole.SCHOOL_ADMIN, ReviewerRole.COLLEGE_REVIEWER, ReviewerRole.COUNSELLOR):
        query = query.where(RosterEntry.school_id == reviewer.school_id)
    if reviewer.role in (ReviewerRole.COLLEGE_REVIEWER, ReviewerRole.COUNSELLOR):
        query = query.where(RosterEntry.college == reviewer.college)
    if reviewer.role is ReviewerRole.COUNSELLOR:
        query = query.where(RosterEntry.class_name == reviewer.class_name)
    return query
