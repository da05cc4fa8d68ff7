"""The centre's suspension desk: what a zone's reviewers see, a suspension the student did by phone at the home
town (seed 002 备注2), and confirming or refusing a pending one by hand. The student is told through the outbox."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.suspension import decide
from miniapp_backend.enrolment.suspension.request import record
from miniapp_backend.inputs import InputRefused, clean_text
from miniapp_backend.models import Reviewer, Student, Suspension
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import SuspensionStatus
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number

#: The reasons a suspension is asked for (domain research: the options home towns accept).
REASONS = ('在学籍地（外地）参加城乡居民医保', '参加职工医保', '参军', '出国（境）定居', '其他')


def visible(reviewer: Reviewer) -> sa.Select:
    """Suspensions out of this zone, by students enrolling here, or recorded here."""
    zone = reviewer.zone
    students_here = sa.select(Student.id).where(Student.zone_id == zone.id)
    return sa.select(Suspension).where(
        sa.or_(
            Suspension.origin_zone_id == zone.id,
            Suspension.origin_zone_code == zone.code,
            Suspension.handled_by_zone_id == zone.id,
            Suspension.student_id.in_(students_here),
        )
    )


def record_phone(reviewer: Reviewer, actor: Actor, form: dict[str, str], now: datetime | None = None) -> Suspension:
    """The student phoned the home-town centre, which suspended the enrolment: record it as confirmed here."""
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    name = _text(form, 'name', errors, 64)
    if not name and 'name' not in errors:
        errors['name'] = ['请填写姓名']
    try:
        number = validate_id_number('resident_id', form.get('id_number', '').strip()).number
    except InvalidIdNumber as exc:
        errors['id_number'] = [exc.message]
    origin = form.get('origin_zone_code', '').strip()
    if not (origin.isascii() and origin.isdigit() and len(origin) == 6):
        errors['origin_zone_code'] = ['原参保地区划应为6位数字']
    elif origin == reviewer.zone.code:
        errors['origin_zone_code'] = ['原参保地不能是本专区']
    reason = form.get('reason', '')
    if reason not in REASONS:
        errors['reason'] = ['请选择停保原因']
    try:
        since = date.fromisoformat(form.get('suspend_from', ''))
    except ValueError:
        errors['suspend_from'] = ['暂停日期格式应为YYYY-MM-DD']
    note = _text(form, 'note', errors, 200)
    if not note and 'note' not in errors:
        errors['note'] = ['请填写电话办理情况（如对方经办人、受理编号）']
    if errors:
        raise EnrolmentError('invalid', '；'.join(m[0] for m in errors.values()), status=422, errors=errors)
    suspension = record(origin, number, name, reason, since, now)
    suspension.handled_by_zone_id = reviewer.zone_id
    decide.confirm(suspension, actor=actor, message=f'已电话办理停保：{note}'[:255], now=now)
    return suspension


def _text(form, name: str, errors: dict[str, list[str]], max_length: int) -> str:
    try:
        return clean_text(form.get(name, ''), max_length=max_length)
    except InputRefused as refused:
        errors[name] = [refused.message]
        return ''


def decide_by_hand(suspension: Suspension, actor: Actor, confirm: bool, reason: str) -> None:
    """Confirm or refuse a pending one; a refusal must say why (the student reads it)."""
    try:
        reason = clean_text(reason or '', max_length=200)
    except InputRefused as refused:
        raise EnrolmentError('reason', refused.message, status=422) from None
    if suspension.status is not SuspensionStatus.SUBMITTED:
        raise EnrolmentError('decided', '该停保申请已处理')
    if confirm:
        decide.confirm(suspension, actor=actor, message=f'{decide.CONFIRMED_MESSAGE}（{reason}）' if reason else None)
    elif not reason:
        raise EnrolmentError('reason', '请填写不予停保的原因', status=422)
    else:
        decide.refuse(suspension, actor=actor, message=reason[:255])


def search(query: sa.Select, term: str) -> sa.Select:
    term = term.strip()
    if not term:
        return query
    return query.where(sa.or_(Suspension.name.contains(term), Suspension.id_index == blind_index(term)))
