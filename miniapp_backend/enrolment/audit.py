"""Writing audit rows (flushed with the change they describe, never committed here, except a refused attempt's:
`record_refusal`)."""

from __future__ import annotations

from typing import Any

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


def record_refusal(actor: Actor, action: str, *, zone_id: int | None = None, **detail: Any) -> None:
    """Keep the audit row of an attempt that is about to be refused: what the request did so far is rolled back
    (a refusal changes nothing), the row alone is committed; the caller raises right after."""
    db.session.rollback()
    record(actor, action, zone_id=zone_id, **detail)
    commit_batch()
