"""Zone settings edited by zone admins (the form is schemas.admin.ZoneSettingsForm): the review flows offered, the
window's bounds in Beijing time, and writing the settings audited with what changed."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from miniapp_backend.enrolment import audit, labels
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Zone

STAGES = ('centre', 'counsellor', 'college', 'school')
#: The review flows a zone picks from (seed 001: counsellor → college → school; DESIGN: the centre alone).
FLOWS = (
    ('centre',),
    # No review: a submission is approved at once and the student pays (seed 002's 宣城专区).
    (),
    ('counsellor', 'college', 'school'),
    ('counsellor', 'college', 'school', 'centre'),
    ('school', 'centre'),
    ('college', 'school'),
)
SHANGHAI = timezone(timedelta(hours=8))


#: How the settings form names the flow without review.
NO_REVIEW = 'none'


def stage_flows(current: str) -> list[tuple[str, ...]]:
    """The flows offered in the settings form, the zone's current one first if it is not a preset."""
    stages = tuple(part for part in current.split(',') if part in STAGES)
    return list(FLOWS) if not stages or stages in FLOWS else [stages, *FLOWS]


def flow_value(stages) -> str:
    """A flow as the settings form's option value."""
    return ','.join(stages) or NO_REVIEW


#: What the settings form writes (schemas.admin.zone_settings returns exactly these), named as the form names them.
FIELDS = tuple(labels.SETTING_NAMES)


class ChangedMeanwhile(Exception):
    """The settings changed after the form was shown: saving it would put back what another admin changed."""


def fingerprint(zone: Zone) -> str:
    """The settings as a form shows them, in a few characters: the form sends it back with what it saves."""
    shown = json.dumps({field: _plain(getattr(zone, field)) for field in FIELDS}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def last_event_id() -> int:
    """The newest audit row's id as the form is shown: a refused save names the settings saves after it."""
    return db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0


def saved_since(zone: Zone, event_id: int) -> list[AuditEvent]:
    """The zone's settings saves after that audit row, oldest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.zone_id == zone.id, AuditEvent.id > event_id, AuditEvent.action == 'zone_settings')
            .order_by(AuditEvent.id)
        )
    )


def apply(zone: Zone, values: dict[str, Any], actor: Actor, shown: str) -> dict[str, Any]:
    """Write the settings and audit what changed; `shown` is the fingerprint of the settings the form was filled
    from. Under the zone's row lock, so of two admins saving at once the second is refused rather than writing the
    first one's changes back (every field of the form is sent, changed or not)."""
    db.session.flush()  # a refresh would drop what this session changed and has not written
    db.session.refresh(zone, with_for_update=True)
    if fingerprint(zone) != shown:
        raise ChangedMeanwhile()
    changes = {}
    for field, value in values.items():
        before = getattr(zone, field)
        if before != value:
            changes[field] = [_plain(before), _plain(value)]
            setattr(zone, field, value)
    if changes:
        audit.record(actor, 'zone_settings', zone_id=zone.id, changes=changes)
    return changes


def day_start(value: date) -> datetime:
    """The window opens at 00:00 Beijing time of its first day."""
    return datetime.combine(value, time(0, 0), SHANGHAI).astimezone(UTC)


def day_end(value: date) -> datetime:
    """The window closes at 23:59:59 Beijing time of its last day."""
    return datetime.combine(value, time(23, 59, 59), SHANGHAI).astimezone(UTC)


def stages_of(value: str) -> list[str]:
    """'counsellor, school' → the review stages in order; ValueError for an unknown or repeated one."""
    if value.strip() == NO_REVIEW:
        return []
    stages = [part.strip() for part in value.replace('，', ',').split(',') if part.strip()]
    if not stages or any(stage not in STAGES for stage in stages) or len(set(stages)) != len(stages):
        raise ValueError(value)
    return stages


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
