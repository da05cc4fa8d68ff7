"""Zone settings edited by zone admins (the form is schemas.admin.ZoneSettingsForm): the review flows offered, the
window's bounds in Beijing time, and writing the settings audited with what changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.models import Zone

STAGES = ('centre', 'counsellor', 'college', 'school')
#: The review flows a zone picks from (seed 001: counsellor → college → school; DESIGN: the centre alone).
FLOWS = (
    ('centre',),
    ('counsellor', 'college', 'school'),
    ('counsellor', 'college', 'school', 'centre'),
    ('school', 'centre'),
    ('college', 'school'),
)
SHANGHAI = timezone(timedelta(hours=8))


def stage_flows(current: str) -> list[tuple[str, ...]]:
    """The flows offered in the settings form, the zone's current one first if it is not a preset."""
    stages = tuple(part for part in current.split(',') if part in STAGES)
    return list(FLOWS) if not stages or stages in FLOWS else [stages, *FLOWS]


def apply(zone: Zone, values: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Write the settings and audit what changed."""
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
    stages = [part.strip() for part in value.replace('，', ',').split(',') if part.strip()]
    if not stages or any(stage not in STAGES for stage in stages) or len(set(stages)) != len(stages):
        raise ValueError(value)
    return stages


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
