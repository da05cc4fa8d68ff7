"""The centre's suspension desk: what a zone's reviewers see, a suspension the student did by phone at the home
town (seed 002 备注2), and confirming or refusing a pending one by hand. The student is told through the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.suspension import decide
from miniapp_backend.enrolment.suspension.request import pending, record
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Reviewer, Student, Suspension
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import SuspensionStatus
from miniapp_backend.security.blind_index import blind_index

#: The reasons a suspension is asked for: the options home towns accept.
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


def record_phone(reviewer: Reviewer, actor: Actor, values: dict[str, Any], now: datetime | None = None) -> Suspension:
    """The student phoned the home-town centre, which suspended the enrolment: record it as confirmed here.

    `values` come from schemas.admin.PhoneSuspensionForm; a home town that is this zone is refused before anything
    is written."""
    now = now or utcnow()
    origin = values['origin_zone_code']
    if origin == reviewer.zone.code:
        raise EnrolmentError(
            'invalid', '原参保地不能是本专区', status=422, errors={'origin_zone_code': ['原参保地不能是本专区']}
        )
    # The student may have asked in the mini-program too: the phone call answers that request.
    suspension = pending(blind_index(values['id_number']), origin, lock=True) or record(
        origin, values['id_number'], values['name'], values['reason'], values['suspend_from'], now
    )
    suspension.handled_by_zone_id = reviewer.zone_id
    decide.confirm(suspension, actor=actor, message=f'已电话办理停保：{values["note"]}'[:255], now=now)
    return suspension


def decide_by_hand(suspension: Suspension, actor: Actor, confirm: bool, reason: str) -> None:
    """Confirm or refuse a pending one; a refusal says why (schemas.admin.SuspensionDecisionForm asks for it: the
    student reads it). Under the suspension's row lock, as the gateway poll takes it: of two decisions at once, the
    second waits and reads the first's."""
    db.session.refresh(suspension, with_for_update=True)
    if suspension.status is not SuspensionStatus.SUBMITTED:
        raise EnrolmentError('decided', '该停保申请已处理')
    if confirm:
        message = f'{decide.HAND_CONFIRMED_MESSAGE}（{reason}）' if reason else decide.HAND_CONFIRMED_MESSAGE
        decide.confirm(suspension, actor=actor, message=message[:255])
    else:
        decide.refuse(suspension, actor=actor, message=reason[:255])


def decided_by(suspension: Suspension) -> str:
    """Who decided a suspension, as the desk names it: the reviewer by hand, or the home town."""
    if suspension.status is SuspensionStatus.SUBMITTED:
        return ''
    reviewer = suspension.decided_by
    if reviewer is not None:
        verb = '人工确认' if suspension.status is SuspensionStatus.CONFIRMED else '人工不予停保'
        return f'审核员 {reviewer.display_name or reviewer.username}（{verb}）'
    return '原参保地（平台内）' if suspension.origin_zone_id is not None else '原参保地（经接口答复）'


def region_names(suspensions: list[Suspension]) -> dict[int, str]:
    """Names of the home towns outside the platform by suspension id, as the person's own registration named them
    (hukou_region_name, from the region picker: 安徽省 淮南市 田家庵区): only their own, since a name is whatever a
    phone sent, and anyone's name for a code would let one student relabel a county on every desk. A home town given
    as a city or a province (340400) is named by as many parts of the person's county within it. Without one, absent."""
    wanted = {s.id_index for s in suspensions if s.origin_zone_id is None}
    if not wanted:
        return {}
    picked: dict[str, list[tuple[str, str]]] = {}
    for id_index, code, name in db.session.execute(
        sa.select(Registration.id_index, Registration.hukou_region_code, Registration.hukou_region_name)
        .where(Registration.id_index.in_(wanted), Registration.hukou_region_name.is_not(None))
        .order_by(Registration.id.desc())
    ):
        picked.setdefault(id_index, []).append((code or '', name))
    names = {}
    for suspension in suspensions:
        if suspension.origin_zone_id is None:
            name = _named_within(suspension.origin_zone_code, picked.get(suspension.id_index, []))
            if name:
                names[suspension.id] = name
    return names


def _named_within(code: str, picked: list[tuple[str, str]]) -> str | None:
    """The newest picked name of a county within `code` (itself, or its city or province), cut to `code`'s level."""
    prefix, parts = (code[:2], 1) if code.endswith('0000') else (code[:4], 2) if code.endswith('00') else (code, 3)
    for county, name in picked:
        if county == code:
            return name
        words = name.split()
        if county.startswith(prefix) and len(words) >= parts:
            return ' '.join(words[:parts])
    return None


def search(query: sa.Select, term: str) -> sa.Select:
    term = term.strip()
    if not term:
        return query
    return query.where(sa.or_(Suspension.name.contains(term), Suspension.id_index == blind_index(term)))
