"""Where a registration comes from, as the record page tells the reviewer: how it was filed (by the student in the
mini-program, by a school's import, as a renewal), and the person's other registrations in the zone that year (the
refused or revoked one a student filed again after, with its reason).

Nothing of this is stored on a registration: how one was filed is its first transition's actor in the audit log (a
reviewer submits only by an import), so it is read again for every registration of the person, and a new one filed
after a refusal shows the imported one before it."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Registration
from miniapp_backend.models.enums import ActorType, RegistrationStatus

ORIGINS = {'student': '学生在小程序登记', 'import': '学校导入', 'renewal': '续保（免审核）'}


@dataclass(frozen=True)
class Filing:
    registration_id: int
    status: RegistrationStatus
    #: One of ORIGINS' labels, with 学生核验身份后认领 when a student took an imported record over.
    origin: str
    reason: str | None


def filings(registration: Registration) -> tuple[Filing, list[Filing]]:
    """This registration's filing, and the person's other registrations in its zone and year, newest first."""
    rows = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.id_index == registration.id_index,
            Registration.zone_id == registration.zone_id,
            Registration.year == registration.year,
        )
        .order_by(Registration.id.desc())
    ).all()
    origins = _origins([row.id for row in rows])
    found = {row.id: Filing(row.id, row.status, origins.get(row.id, _own(row)), row.review_reason) for row in rows}
    this = found.pop(registration.id, Filing(registration.id, registration.status, _own(registration), None))
    return this, list(found.values())


def _own(registration: Registration) -> str:
    """How a registration without a submission was filed: a renewal, or the student's draft."""
    return ORIGINS['renewal'] if registration.renewal else ORIGINS['student']


def _origins(ids: list[int]) -> dict[int, str]:
    """How each submitted registration was filed: its first submission by a reviewer is a school's import (DESIGN
    §3.4: reviewers submit only by importing); a claim by a student follows it."""
    events = db.session.execute(
        sa.select(AuditEvent.registration_id, AuditEvent.actor_type, AuditEvent.action, AuditEvent.detail)
        .where(AuditEvent.registration_id.in_(ids), AuditEvent.action.in_(('transition', 'claim')))
        .order_by(AuditEvent.id)
    ).all()
    origins: dict[int, str] = {}
    for registration_id, actor_type, action, detail in events:
        if action == 'claim' and origins.get(registration_id) == ORIGINS['import']:
            origins[registration_id] = f'{ORIGINS["import"]}，学生核验身份后认领'
        elif action == 'transition' and (detail or {}).get('action') == 'submit' and registration_id not in origins:
            origins[registration_id] = ORIGINS['import'] if actor_type is ActorType.REVIEWER else ORIGINS['student']
    return origins
