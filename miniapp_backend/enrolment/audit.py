"""Writing audit rows (flushed with the change they describe, never committed here)."""

from __future__ import annotations

from typing import Any

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent


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
