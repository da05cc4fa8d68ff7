"""One-time subscription quota: each accepted template allows one message (WeChat reports no balance)."""

from __future__ import annotations

from miniapp_backend.enrolment.messages import delivery
from miniapp_backend.extensions import db
from miniapp_backend.jobs import enqueue_after_commit
from miniapp_backend.models import Student, SubscriptionQuota


def zone_templates(student: Student) -> dict[str, str]:
    """Template id by notification kind for the student's zone."""
    templates = (student.zone.message_templates or {}) if student.zone else {}
    return {kind: spec['template_id'] for kind, spec in templates.items() if spec.get('template_id')}


def record_accepted(student: Student, template_ids: list[str]) -> dict[str, int]:
    """+1 per accepted id the zone actually uses; waiting messages for them go back to the queue."""
    known = set(zone_templates(student).values())
    accepted = sorted({template_id for template_id in template_ids if template_id in known})
    quotas = {}
    for template_id in accepted:
        quota = db.session.get(SubscriptionQuota, (student.id, template_id))
        if quota is None:
            quota = SubscriptionQuota(student_id=student.id, template_id=template_id, remaining=0)
            db.session.add(quota)
        quota.remaining += 1
        quotas[template_id] = quota.remaining
    if accepted and delivery.quota_arrived(student.id, accepted):
        enqueue_after_commit('workers.jobs.drain_outbox')
    return quotas
