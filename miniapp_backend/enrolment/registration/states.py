"""The registration state machine (DESIGN §3.4): the only code that assigns `Registration.status`.

Every transition is checked in full before anything changes, then applied together with its audit row
and, when the student should hear of it, its outbox notification, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.messages import outbox
from miniapp_backend.enrolment.registration import rows
from miniapp_backend.enrolment.registration.rows import Row
from miniapp_backend.enrolment.reports import counts
from miniapp_backend.enrolment.students import cached_view
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Registration
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ActorType, NotificationKind as K, RegistrationStatus as S, ReviewerRole


class Action(StrEnum):
    SUBMIT = 'submit'
    APPROVE = 'approve'
    RETURN = 'return'
    REJECT = 'reject'
    WITHDRAW = 'withdraw'
    REVOKE = 'revoke'
    MARK_PAID = 'mark_paid'
    EXPIRE = 'expire'


STUDENT, REVIEWER, SYSTEM = ActorType.STUDENT, ActorType.REVIEWER, ActorType.SYSTEM
#: The reviewers who may revoke a record in their scope: those who import and those who run the zone.
REVOKERS = frozenset({ReviewerRole.ZONE_ADMIN, ReviewerRole.CENTRE_REVIEWER, ReviewerRole.SCHOOL_ADMIN})


@dataclass(frozen=True)
class Rule:
    sources: frozenset[S]
    actors: frozenset[ActorType]
    reason_required: bool = False
    #: The message the student is sent, by the status the transition reached (an approval that only moves the
    #: record to the next review stage reaches UNDER_REVIEW and tells nobody).
    notify: Mapping[S, K] = field(default_factory=dict)


#: Allowed transitions: action → which statuses it leaves from, who may take it and what the student is told.
RULES: dict[Action, Rule] = {
    # In a zone without review (seed 002: 登记成功后直接缴费) a submission is approved at once.
    Action.SUBMIT: Rule(
        frozenset({S.DRAFT, S.RETURNED}),
        frozenset({STUDENT, REVIEWER}),
        notify={S.SUBMITTED: K.SUBMITTED, S.APPROVED: K.APPROVED},
    ),
    Action.APPROVE: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}), frozenset({REVIEWER}), notify={S.APPROVED: K.APPROVED}
    ),
    Action.RETURN: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
        frozenset({REVIEWER}),
        reason_required=True,
        notify={S.RETURNED: K.RETURNED},
    ),
    Action.REJECT: Rule(
        frozenset({S.SUBMITTED, S.UNDER_REVIEW}),
        frozenset({REVIEWER}),
        reason_required=True,
        notify={S.REJECTED: K.REJECTED},
    ),
    Action.WITHDRAW: Rule(frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED}), frozenset({STUDENT})),
    # 撤销 (seed 004's unit hall): staff take back a record before its approval, for instance one a school imported
    # by mistake; the student is told why and may register again (REVOKERS below says which reviewers).
    Action.REVOKE: Rule(
        frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.RETURNED}),
        frozenset({REVIEWER}),
        reason_required=True,
        notify={S.REVOKED: K.REVOKED},
    ),
    # From expired too: a payment made before the close that the tax bureau confirmed only after the expiry
    # (payment.record decides which payments those are).
    Action.MARK_PAID: Rule(frozenset({S.APPROVED, S.EXPIRED}), frozenset({SYSTEM, REVIEWER}), notify={S.PAID: K.PAID}),
    Action.EXPIRE: Rule(frozenset({S.APPROVED}), frozenset({SYSTEM}), notify={S.EXPIRED: K.EXPIRED}),
}

#: A renewal enters the machine as approved and owes the student this message.
RENEWAL_NOTICE = K.RENEWAL

_MESSAGES = {
    'not_allowed': '当前状态不能进行此操作',
    'changed': '该登记刚刚被修改或处理，请刷新后确认再操作',
    'actor': '无权进行此操作',
    'stage': '该登记不在您的审核环节',
    'reason': '请填写原因',
}


class TransitionRefused(Exception):
    """A transition the rules do not allow; nothing was written."""

    def __init__(self, code: str, action: str, status: str, message: str | None = None):
        self.code = code
        self.action = action
        self.status = status
        self.message = message or _message(code, status)
        super().__init__(f'{action} refused from {status}: {code}')


def _message(code: str, status: str) -> str:
    if code == 'not_allowed' and status in S.__members__.values():
        # Usually someone else acted first: say what the record is now, so the reviewer can refresh and see.
        return f'该登记当前状态为「{S(status).label}」，不能进行此操作（可能已被他人处理，请刷新后查看）'
    return _MESSAGES.get(code, _MESSAGES['not_allowed'])


def lock(registration: Registration) -> Registration:
    """Take the registration's row lock (SELECT … FOR UPDATE) and reload it, in the caller's transaction.

    Every decision and payment starts here, so of two concurrent ones the second waits for the first to commit,
    then reads the status it left and is refused by the rules instead of applying twice.
    """
    if sa.inspect(registration).persistent:
        if db.session.get_bind().dialect.name == 'sqlite':
            _sqlite_write_lock(registration.id)
        # OF registrations: the load may join related rows (school), whose nullable side cannot be locked.
        db.session.refresh(registration, with_for_update={'of': Registration})
    return registration


def _sqlite_write_lock(registration_id: int) -> None:
    """`make run`'s SQLite has no row locks and ignores FOR UPDATE, and refuses at once (database is locked) a
    transaction that read and then wants to write after another wrote. A write before the read takes the database's
    write lock while the busy timeout still applies: the second of two decisions waits, then reads what the first
    left. Plain SQL, so no column's onupdate (updated_at, which the page's stamp reads) moves."""
    db.session.execute(sa.text('UPDATE registrations SET id = id WHERE id = :id'), {'id': registration_id})


def _allowed(registration, action: Action | str, actor: Actor, reason: str | None) -> tuple[Action, str | None]:
    """The action and its trimmed reason, once the rules allow them; TransitionRefused before anything changes."""
    action = Action(action)
    reason = (reason or '').strip() or None
    refusal = _refusal(registration, action, actor, reason)
    if refusal:
        raise TransitionRefused(refusal, action, registration.status)
    return action, reason


def allowed_actions(registration: Registration, actor: Actor) -> list[Action]:
    """The actions this actor may take on the registration now (for buttons and next steps)."""
    return [action for action in Action if _refusal(registration, action, actor, 'x') is None]


def transition(
    registration: Registration,
    action: Action | str,
    actor: Actor,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Apply one action; raises TransitionRefused before changing anything when the rules say no."""
    action, reason = _allowed(registration, action, actor, reason)
    now = now or utcnow()
    before, stage_before = registration.status, registration.stage
    _APPLY[action](registration, now, reason)
    event = AuditEvent(
        at=now,
        actor_type=actor.type,
        actor_id=actor.id,
        action='transition',
        zone_id=registration.zone_id,
        registration=registration,
        from_status=before,
        to_status=registration.status,
        stage=stage_before,
        reason=reason,
        detail={'action': action.value},
    )
    db.session.add(event)
    _keep_history_current(registration, event)
    kind = RULES[action].notify.get(registration.status)
    if kind is not None:
        outbox.registration_changed(registration, kind, reason, now)
    return event


#: The columns the transitions below assign (besides updated_at).
_ASSIGNED = (
    'status',
    'stage',
    'review_reason',
    'submitted_at',
    'approved_at',
    'paid_at',
    'amount_due_fen',
    'payment_check_at',
)


def transition_row(
    registration: Row,
    action: Action | str,
    actor: Actor,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """`transition` for a registration read by a Core statement (`rows.Row`), written by Core statements: the same
    rules decide and the same functions compute the new values, then one statement (rows.write_transition) applies
    them only while the row is still as the rules saw it (its status, and no edit since: updated_at), with the
    audit row, the statistics deltas and the outbox message (no mapped object, no flush). `registration` is left as
    the row now is, its history included."""
    action, reason = _allowed(registration, action, actor, reason)
    now = now or utcnow()
    seen_updated_at = registration.updated_at
    before = registration.values(counts.WATCHED)
    assigned = registration.values(_ASSIGNED)
    _APPLY[action](registration, now, reason)
    registration.updated_at = now
    changes = {name: getattr(registration, name) for name in _ASSIGNED if getattr(registration, name) != assigned[name]}
    after = registration.values(counts.WATCHED)
    kind = RULES[action].notify.get(registration.status)
    message = outbox.registration_message(registration, kind, reason, now) if kind is not None else None
    audit = _audit_values(registration, action, actor, before['status'], assigned['stage'], reason, now)
    changes['updated_at'] = now
    seen = (before['status'], seen_updated_at)
    moved = rows.write_transition(registration.id, seen, changes, audit, counts.delta_rows(before, after), message)
    if not moved:
        # Someone else moved or edited it between the read and this write (the rules' checks read what it was):
        # refused, as `lock` makes a mapped transition wait and see.
        raise TransitionRefused('changed', action, '')
    registration.history = [
        *registration.history,
        rows.history_entry(before['status'], registration.status, now, reason),
    ]
    if registration.student_id is not None:
        cached_view.student_changed(db.session(), registration.student_id)


def insert_transitioned(
    registrations: list[Row], action: Action | str, actor: Actor, *, now: datetime | None = None
) -> None:
    """New registrations (`rows.Row`s, not yet written) inserted as `action` leaves them, by Core statements: the
    same rules decide and the same functions compute each one's values as in `transition`; then one INSERT of the
    registrations and one of their audit rows (each an executemany, their ids drawn beforehand), one of the
    statistics deltas of them all, and the messages owed. Raises TransitionRefused before writing anything."""
    if not registrations:
        return  # an executemany of no rows would be sent as one INSERT of nothing but the defaults
    now = now or utcnow()
    for registration in registrations:
        action, _ = _allowed(registration, action, actor, None)
    audits = []
    for registration, (registration_id, event_id) in zip(
        registrations, rows.reserve_ids(len(registrations)), strict=True
    ):
        before, stage_before = registration.status, registration.stage
        _APPLY[action](registration, now, None)
        registration.id, registration.updated_at = registration_id, now
        audits.append((registration, event_id, before, stage_before))
    rows.insert_many(registrations)
    db.session.execute(
        sa.insert(AuditEvent.__table__),
        [
            {**_audit_values(registration, action, actor, before, stage, None, now), 'id': event_id}
            for registration, event_id, before, stage in audits
        ],
    )
    session = db.session()
    counts.record_many(session, [(None, registration.values(counts.WATCHED)) for registration in registrations])
    notify = RULES[action].notify
    for registration in registrations:
        if registration.student_id is not None:
            cached_view.student_changed(session, registration.student_id)
            if registration.status in notify:
                outbox.insert_registration_message(registration, notify[registration.status], None, now)


def _audit_values(
    registration, action: Action, actor: Actor, from_status: str, stage, reason: str | None, now: datetime
) -> dict[str, Any]:
    """The audit row of a transition written by Core statements (`registration` as the transition left it)."""
    return {
        'at': now,
        'actor_type': actor.type,
        'actor_id': actor.id,
        'action': 'transition',
        'zone_id': registration.zone_id,
        'registration_id': registration.id,
        'from_status': from_status,
        'to_status': registration.status,
        'stage': stage,
        'reason': reason,
        'detail': {'action': action.value},
    }


def _keep_history_current(registration: Registration, event: AuditEvent) -> None:
    """A history already loaded gains the new event, so whoever shows it next need not read it again."""
    if 'history' in registration.__dict__:
        set_committed_value(registration, 'history', [*registration.history, event])


def start_renewal(registration: Registration, now: datetime | None = None) -> AuditEvent:
    """A renewal enters the machine as approved, with no review (DESIGN §3.4)."""
    now = now or utcnow()
    registration.renewal = True
    registration.status = S.APPROVED
    _await_payment(registration, now)
    event = AuditEvent(
        at=now,
        actor_type=SYSTEM,
        action='transition',
        zone_id=registration.zone_id,
        registration=registration,
        from_status=None,
        to_status=S.APPROVED,
        detail={'action': 'renew'},
    )
    db.session.add(event)
    outbox.registration_changed(registration, RENEWAL_NOTICE, None, now)
    return event


def _refusal(registration: Registration, action: Action, actor: Actor, reason: str | None) -> str | None:
    rule = RULES[action]
    if registration.status not in rule.sources:
        return 'not_allowed'
    if actor.type not in rule.actors:
        return 'actor'
    if actor.type is STUDENT and registration.student_id != actor.id:
        return 'actor'
    if action in (Action.APPROVE, Action.RETURN, Action.REJECT) and not actor.may_decide(registration.stage):
        return 'stage'
    if action is Action.REVOKE and actor.role not in REVOKERS:
        return 'actor'
    if action is Action.REJECT and actor.role is ReviewerRole.COUNSELLOR:
        return 'actor'  # seed 001: the counsellor approves or returns; refusing is for those above
    if rule.reason_required and not reason:
        return 'reason'
    return None


def _submit(registration: Registration, now: datetime, reason: str | None) -> None:
    registration.review_reason = None
    registration.submitted_at = now
    stages = _stages(registration)
    if not stages:
        registration.status = S.APPROVED
        registration.approved_at = now
        _await_payment(registration, now)
        return
    registration.status = S.SUBMITTED
    registration.stage = stages[0]


def _approve(registration: Registration, now: datetime, reason: str | None) -> None:
    stages = _stages(registration)
    position = stages.index(registration.stage) if registration.stage in stages else len(stages) - 1
    if position + 1 < len(stages):
        registration.status = S.UNDER_REVIEW
        registration.stage = stages[position + 1]
        return
    registration.status = S.APPROVED
    registration.approved_at = now
    _await_payment(registration, now)


def _return(registration: Registration, now: datetime, reason: str | None) -> None:
    registration.status = S.RETURNED
    registration.review_reason = reason


def _reject(registration: Registration, now: datetime, reason: str | None) -> None:
    registration.status = S.REJECTED
    registration.stage = None
    registration.review_reason = reason


def _withdraw(registration: Registration, now: datetime, reason: str | None) -> None:
    registration.status = S.WITHDRAWN
    registration.stage = None


def _revoke(registration: Registration, now: datetime, reason: str | None) -> None:
    registration.status = S.REVOKED
    registration.stage = None
    registration.review_reason = reason


def _mark_paid(registration: Registration, now: datetime, reason: str | None) -> None:
    registration.status = S.PAID
    registration.paid_at = now
    registration.payment_check_at = None


def _expire(registration: Registration, now: datetime, reason: str | None) -> None:
    registration.status = S.EXPIRED
    registration.payment_check_at = None


def _await_payment(registration: Registration, now: datetime) -> None:
    registration.stage = None
    registration.amount_due_fen = registration.zone.premium_fen
    registration.payment_check_at = now


def _stages(registration: Registration) -> list[str]:
    """The zone's review stages in order; none when the zone does not review (an unset flow is the centre's)."""
    stages = registration.zone.review_stages
    return ['centre'] if stages is None else list(stages)


_APPLY = {
    Action.SUBMIT: _submit,
    Action.APPROVE: _approve,
    Action.RETURN: _return,
    Action.REJECT: _reject,
    Action.WITHDRAW: _withdraw,
    Action.REVOKE: _revoke,
    Action.MARK_PAID: _mark_paid,
    Action.EXPIRE: _expire,
}
