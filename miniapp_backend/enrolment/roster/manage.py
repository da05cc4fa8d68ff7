"""参保管理: a counsellor marks a roster student as not needing this insurance, with a reason; audited."""

from __future__ import annotations

from datetime import datetime

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.models import RosterEntry
from miniapp_backend.models.base import utcnow

#: Why a student does not enrol here (seed 001 参保管理, and the usual cases: insured elsewhere, employee insurance …).
EXEMPT_REASONS = (
    '已在户籍地或其他地区参加城乡居民医保',
    '已参加职工基本医疗保险',
    '非全日制学生，不在本地参保',
    '已毕业或离校',
    '参军入伍',
    '出国（境）',
    '其他',
)


def mark_exempt(entry: RosterEntry, reason: str, actor: Actor, note: str = '', now: datetime | None = None) -> None:
    """Exempt with one of EXEMPT_REASONS (其他 with a note; schemas.admin.ExemptForm checks both); the audit row says
    who and why."""
    text = f'{reason}：{note}' if note else reason
    entry.exempt_reason, entry.exempt_by_id, entry.exempt_at = text[:128], actor.id, now or utcnow()
    audit.record(
        actor,
        'roster_exempt',
        zone_id=entry.zone_id,
        reason=text,
        roster_entry_id=entry.id,
        student_no=entry.student_no,
    )


def clear_exempt(entry: RosterEntry, actor: Actor) -> None:
    """Undo a mark (the student does need to enrol after all)."""
    if entry.exempt_reason is None:
        return
    audit.record(
        actor,
        'roster_unexempt',
        zone_id=entry.zone_id,
        reason=entry.exempt_reason,
        roster_entry_id=entry.id,
        student_no=entry.student_no,
    )
    entry.exempt_reason = entry.exempt_by_id = entry.exempt_at = None
