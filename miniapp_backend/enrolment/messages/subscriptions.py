"""One-time subscription quota: each accepted template allows one message (WeChat reports no balance)."""

from __future__ import annotations

from miniapp_backend.enrolment.messages import delivery, templates as message_templates
from miniapp_backend.extensions import db
from miniapp_backend.jobs import enqueue_after_commit
from miniapp_backend.models import Student, SubscriptionQuota
from miniapp_backend.models.base import conflict_insert, utcnow

_QUOTAS = SubscriptionQuota.__table__


def zone_templates(student: Student) -> dict[str, str]:
    """Template id by notification kind for the student's zone."""
    templates = message_templates.usable(student.zone.message_templates) if student.zone else {}
    return {kind: spec['template_id'] for kind, spec in templates.items()}


def record_accepted(student: Student, template_ids: list[str]) -> dict[str, int]:
    """+1 per accepted id the zone actually uses; waiting messages for them go back to the queue."""
    known = set(zone_templates(student).values())
    accepted = sorted({template_id for template_id in template_ids if template_id in known})
    if not accepted:
        return {}
    quotas = _add_one(student.id, accepted)
    if delivery.quota_arrived(student.id, accepted):
        enqueue_after_commit('workers.jobs.drain_outbox')
    return quotas


def _add_one(student_id: int, template_ids: list[str]) -> dict[str, int]:
    """One more use of each template, added by the database in one statement: two grants at once (or a grant and
    a worker spending one) must not both read 1 and write 2, nor both insert the first row."""
    connection = db.session.connection()
    insert = conflict_insert(connection.dialect.name, _QUOTAS)
    now = utcnow()
    statement = insert.values(
        [{'student_id': student_id, 'template_id': t, 'remaining': 1, 'updated_at': now} for t in template_ids]
    )
    statement = statement.on_conflict_do_update(
        index_elements=[_QUOTAS.c.student_id, _QUOTAS.c.template_id],
        set_={'remaining': _QUOTAS.c.remaining + 1, 'updated_at': statement.excluded.updated_at},
    ).returning(_QUOTAS.c.template_id, _QUOTAS.c.remaining)
    return dict(connection.execute(statement).all())
