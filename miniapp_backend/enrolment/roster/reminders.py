"""参保提醒: a message to roster students who have not enrolled, sent only where it can arrive.

A roster student is reachable when a WeChat user is linked to their ID number (any registration of theirs, a draft
or an earlier year's, carries the student account) and that user accepted the zone's reminder template.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.messages import outbox, templates as message_templates
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, RosterEntry, SubscriptionQuota, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import NotificationKind


def remind(zone: Zone, pending: list[RosterEntry], actor: Actor, now: datetime | None = None) -> tuple[int, int]:
    """Queue one reminder per reachable pending student (at most one a day each); returns (sent, unreachable)."""
    now = now or utcnow()
    templates = message_templates.usable(zone.message_templates)
    template_id = (templates.get(NotificationKind.ROSTER_REMINDER.value) or {}).get('template_id')
    linked = (
        dict(
            db.session.execute(
                sa.select(Registration.id_index, sa.func.max(Registration.student_id))
                .where(Registration.id_index.in_([e.id_index for e in pending]), Registration.student_id.is_not(None))
                .group_by(Registration.id_index)
            ).all()
        )
        if pending
        else {}
    )
    accepted = (
        set(
            db.session.scalars(
                sa.select(SubscriptionQuota.student_id).where(
                    SubscriptionQuota.template_id == template_id,
                    SubscriptionQuota.remaining > 0,
                    SubscriptionQuota.student_id.in_(linked.values()),
                )
            )
        )
        if template_id and linked
        else set()
    )
    sent = 0
    for entry in pending:
        student_id = linked.get(entry.id_index)
        if student_id not in accepted:
            continue
        written = outbox.write(
            NotificationKind.ROSTER_REMINDER,
            student_id=student_id,
            zone=zone,
            event_key=f'roster:{entry.id}:{now:%Y%m%d}',
        )
        if written is not None:
            entry.reminded_at = now
            sent += 1
    audit.record(actor, 'roster_reminder', zone_id=zone.id, sent=sent, unreachable=len(pending) - sent)
    return sent, len(pending) - sent
