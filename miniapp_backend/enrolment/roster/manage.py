"""参保管理: a counsellor marks a roster student as not needing this insurance, with a reason; audited."""

from __future__ import annotations

from datetime import datetime

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.inputs import InputRefused, clean_text
from miniapp_backend.models import RosterEntry
from miniapp_backend.models.base import utcnow

#: Why a student does not enrol here (seed 001 参保管理; domain research: insured elsewhere, employee insurance …).
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
    """Exempt with one of the reasons (其他 needs a note); the audit row says who and why."""
    try:
        note = clean_text(note or '', max_length=60)
    except InputRefused as refused:
        raise EnrolmentError('invalid_reason', refused.message, status=422) from None
    if reason not in EXEMPT_REASONS:
        raise EnrolmentError('invalid_reason', '请选择无需参保的原因', status=422)
    if reason == '其他' and not note:
        raise EnrolmentError('invalid_reason', '选择“其他”时请填写具体原因', status=422)
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
