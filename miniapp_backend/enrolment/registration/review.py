"""Reviewers' decisions, one at a time or in batches, always through the state machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.registration import subsidised
from miniapp_backend.enrolment.registration.states import Action, TransitionRefused, lock, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Reviewer
from miniapp_backend.models.enums import RegistrationStatus

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DECISIONS = {'approve': Action.APPROVE, 'return': Action.RETURN, 'reject': Action.REJECT, 'revoke': Action.REVOKE}
#: A reason typed and 通过 pressed: the reviewer meant 退回 or 不予通过 (the reason box is theirs), and an approval
#: cannot be taken back once the student is told. Nothing is decided; they clear the reason or press the other button.
REASON_WITH_APPROVAL = '您填写了原因却点了通过，未作处理：如要退回或不予通过请点相应按钮；如确要通过，请先清空原因'


@dataclass(frozen=True)
class Outcome:
    registration_id: int
    ok: bool
    message: str


def actor_of(reviewer: Reviewer) -> Actor:
    return Actor.reviewer(reviewer.id, reviewer.role)


def seen_stamp(registration: Registration) -> str:
    """The registration as a page showed it, in a few characters: every change moves `updated_at`."""
    moment = registration.updated_at
    if moment is None:
        return ''
    return str((moment.replace(tzinfo=moment.tzinfo or UTC) - EPOCH) // timedelta(microseconds=1))


def decide(
    reviewer: Reviewer, registration: Registration, decision: str, reason: str | None = None, *, seen: str | None = None
) -> None:
    """Approve, return or reject under the row lock; raises TransitionRefused when the rules say no. `seen` is the
    stamp of the record as the reviewer's page showed it: a decision on a record that changed since is refused,
    as a zone admin may decide at any stage and would otherwise approve a stage they never saw (a double post)."""
    _refuse_reason_with_approval(registration, decision, reason)
    lock(registration)
    if seen is not None and seen != seen_stamp(registration):
        now = registration.status.label
        if registration.stage and registration.status in (
            RegistrationStatus.SUBMITTED,
            RegistrationStatus.UNDER_REVIEW,
        ):
            now += f'，{labels.stage_name(registration.zone, registration.stage)}环节'
        message = f'该登记在您打开页面后已被修改或处理，当前为「{now}」，请查看后再操作'
        raise TransitionRefused('changed', DECISIONS[decision], registration.status, message)
    if decision == 'approve' and registration.zone.subsidised_match_required:
        problem = subsidised.mismatch(registration)
        if problem:
            raise TransitionRefused('subsidised', Action.APPROVE, registration.status, f'{problem}，不能通过')
    transition(registration, DECISIONS[decision], actor_of(reviewer), reason=reason)


def decide_batch(
    reviewer: Reviewer,
    registrations: list[Registration],
    decision: str,
    reason: str | None = None,
    *,
    seen: dict[int, str] | None = None,
) -> list[Outcome]:
    """Each row in its own savepoint: one refusal never undoes the others. Rows are locked in id order, so two
    overlapping batches wait for each other instead of deadlocking. `seen`: each row's stamp as the list showed it."""
    if registrations:  # refused once for the whole batch, not once a row
        _refuse_reason_with_approval(registrations[0], decision, reason)
    outcomes = []
    for registration in sorted(registrations, key=lambda r: r.id):
        try:
            with db.session.begin_nested():
                stamp = None if seen is None else seen.get(registration.id, '')
                decide(reviewer, registration, decision, reason, seen=stamp)
            outcomes.append(Outcome(registration.id, True, '已处理'))
        except TransitionRefused as refused:
            outcomes.append(Outcome(registration.id, False, refused.message))
    return outcomes


def _refuse_reason_with_approval(registration: Registration, decision: str, reason: str | None) -> None:
    if decision == 'approve' and reason:
        raise TransitionRefused('reason_with_approval', Action.APPROVE, registration.status, REASON_WITH_APPROVAL)
