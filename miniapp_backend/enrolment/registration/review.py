"""Reviewers' decisions, one at a time or in batches, always through the state machine."""

from __future__ import annotations

from dataclasses import dataclass

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.registration import subsidised
from miniapp_backend.enrolment.registration.states import Action, TransitionRefused, lock, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Reviewer

DECISIONS = {'approve': Action.APPROVE, 'return': Action.RETURN, 'reject': Action.REJECT}


@dataclass(frozen=True)
class Outcome:
    registration_id: int
    ok: bool
    message: str


def actor_of(reviewer: Reviewer) -> Actor:
    return Actor.reviewer(reviewer.id, reviewer.role)


def decide(reviewer: Reviewer, registration: Registration, decision: str, reason: str | None = None) -> None:
    """Approve, return or reject under the row lock; raises TransitionRefused when the rules say no."""
    lock(registration)
    if decision == 'approve' and registration.zone.subsidised_match_required:
        problem = subsidised.mismatch(registration)
        if problem:
            raise TransitionRefused('subsidised', Action.APPROVE, registration.status, f'{problem}，不能通过')
    transition(registration, DECISIONS[decision], actor_of(reviewer), reason=reason)


def decide_batch(
    reviewer: Reviewer, registrations: list[Registration], decision: str, reason: str | None = None
) -> list[Outcome]:
    """Each row in its own savepoint: one refusal never undoes the others. Rows are locked in id order, so two
    overlapping batches wait for each other instead of deadlocking."""
    outcomes = []
    for registration in sorted(registrations, key=lambda r: r.id):
        try:
            with db.session.begin_nested():
                decide(reviewer, registration, decision, reason)
            outcomes.append(Outcome(registration.id, True, '已处理'))
        except TransitionRefused as refused:
            outcomes.append(Outcome(registration.id, False, refused.message))
    return outcomes
