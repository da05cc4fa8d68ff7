"""The audit log: every status transition and every reviewer action that matters."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import JSONType, UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import ActorType


class AuditEvent(db.Model):
    __tablename__ = 'audit_events'
    __table_args__ = (
        sa.Index('ix_audit_events_registration', 'registration_id', 'id'),
        sa.Index('ix_audit_events_at', 'at'),
        # The audit page: one zone's events, newest first, paged by id.
        sa.Index('ix_audit_events_zone', 'zone_id', 'id'),
        # Its filters by action and by the person who acted, each newest first: a rare action or a person who
        # acted little would otherwise be looked for among every event of the zone (the page and its count).
        sa.Index('ix_audit_events_zone_action', 'zone_id', 'action', 'id'),
        sa.Index('ix_audit_events_zone_actor', 'zone_id', 'actor_id', 'id'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_type: Mapped[ActorType] = mapped_column(enum_column(ActorType))
    actor_id: Mapped[int | None]
    #: e.g. 'transition', 'open_record', 'cash_payment', 'zone_settings', 'import', 'login'.
    action: Mapped[str] = mapped_column(sa.String(32))
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey('zones.id'))
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey('registrations.id'))
    from_status: Mapped[str | None] = mapped_column(sa.String(32))
    to_status: Mapped[str | None] = mapped_column(sa.String(32))
    stage: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)

    registration: Mapped[Registration | None] = relationship()  # noqa: F821
