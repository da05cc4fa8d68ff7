"""What operators need to see: backlogs, lags and what went wrong, from the database (no personal data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, Notification, OwedBump, Registration
from miniapp_backend.models.enums import ImportStatus, NotificationStatus, RegistrationStatus


@dataclass(frozen=True)
class Figures:
    outbox_by_status: dict[str, int]
    #: Seconds the oldest due, pending outbox row has waited (0 when none waits).
    oldest_pending_outbox_seconds: float
    #: Seconds the payment poll is behind: the oldest approved registration whose check was due.
    payment_poll_lag_seconds: float
    imports_by_status: dict[str, int]
    #: GET /me invalidations Redis refused at commit, not yet sent (non-zero while Redis is down or just back).
    owed_bumps: int


def figures(now: datetime) -> Figures:
    outbox = dict(
        db.session.execute(sa.select(Notification.status, sa.func.count()).group_by(Notification.status)).all()
    )
    oldest_due = db.session.scalar(
        sa.select(sa.func.min(Notification.next_attempt_at)).where(
            Notification.status == NotificationStatus.PENDING, Notification.next_attempt_at <= now
        )
    )
    poll_due = db.session.scalar(
        sa.select(sa.func.min(Registration.payment_check_at)).where(
            Registration.status == RegistrationStatus.APPROVED, Registration.payment_check_at <= now
        )
    )
    imports = dict(db.session.execute(sa.select(ImportJob.status, sa.func.count()).group_by(ImportJob.status)).all())
    return Figures(
        outbox_by_status={status.value: outbox.get(status, 0) for status in NotificationStatus},
        oldest_pending_outbox_seconds=_age(now, oldest_due),
        payment_poll_lag_seconds=_age(now, poll_due),
        imports_by_status={status.value: imports.get(status, 0) for status in ImportStatus},
        owed_bumps=db.session.scalar(sa.select(sa.func.count()).select_from(OwedBump)),
    )


def undeliverable(limit: int = 100) -> list[Notification]:
    """Messages that will not be sent by themselves: failed, or unknown (may have arrived; never resent)."""
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.status.in_((NotificationStatus.FAILED, NotificationStatus.UNKNOWN)))
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()


def stuck_imports(now: datetime, budget_seconds: float) -> list[ImportJob]:
    """Imports queued or running for longer than their budget."""
    return db.session.scalars(
        sa.select(ImportJob)
        .where(
            ImportJob.status.in_((ImportStatus.QUEUED, ImportStatus.RUNNING)),
            ImportJob.created_at < now - timedelta(seconds=budget_seconds),
        )
        .order_by(ImportJob.id)
    ).all()


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since else 0.0
