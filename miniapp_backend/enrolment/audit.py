"""Writing audit rows (flushed with the change they describe, never committed here, except a refused attempt's:
`record_refusal`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent
from miniapp_backend.unit_of_work import commit_batch


def record(
    actor: Actor,
    action: str,
    *,
    zone_id: int | None = None,
    registration_id: int | None = None,
    reason: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit row for an action that is not a status transition (opening a record, a settings change …)."""
    event = AuditEvent(
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        zone_id=zone_id,
        registration_id=registration_id,
        reason=reason,
        detail=detail,
    )
    db.session.add(event)
    return event


def record_opening(actor: Actor, zone_id: int, registration_id: int, *, after_own_action: bool) -> None:
    """A reviewer sees a record's personal data in full (DESIGN §3.7): one row per visit. The page their own action
    on the record (a decision, a cash entry) sends them back to is the same visit going on, so it writes no second
    row, as long as the record's newest audit row is still theirs (that action, or the opening it was made from):
    the trail then already shows them on this record at that moment. When anyone else's row came in between, or the
    load is not the return from an action, it is a new look and gets its own row."""
    if after_own_action:
        newest = db.session.execute(
            sa.select(AuditEvent.actor_type, AuditEvent.actor_id)
            .where(AuditEvent.registration_id == registration_id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).first()
        if newest is not None and tuple(newest) == (actor.type, actor.id):
            return
    record(actor, 'open_record', zone_id=zone_id, registration_id=registration_id)


def record_refusal(actor: Actor, action: str, *, zone_id: int | None = None, **detail: Any) -> None:
    """Keep the audit row of an attempt that is about to be refused: what the request did so far is rolled back
    (a refusal changes nothing), the row alone is committed; the caller raises right after."""
    db.session.rollback()
    record(actor, action, zone_id=zone_id, **detail)
    commit_batch()
