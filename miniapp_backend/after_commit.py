"""What a transaction owes Redis once it commits, sent as one pipeline: GET /me's generations (enrolment/students/
cached_view.py) and the drain's enqueue gate (jobs.py). A submission owes both: one round trip instead of two.

Each part registers a function that takes the committed session, forgets what it noted there and returns what it
owes (`Owed`), or None. A part's replies come back in the order it added its commands; if Redis fails, every part
hears the error and settles it its own way (each change is committed already; none of them is undone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import redis
from flask import has_app_context
from redis.client import Pipeline
from sqlalchemy import event
from sqlalchemy.orm import Session

from miniapp_backend.extensions import get_redis


class Owed(NamedTuple):
    """A part's commands (`add` puts them on the pipeline) and what it does with their replies (a command Redis
    refused replies with its RedisError) or with the error that stopped the whole pipeline."""

    add: Callable[[Pipeline], None]
    replied: Callable[[list[Any] | redis.RedisError], None]


_PARTS: list[Callable[[Session], Owed | None]] = []


def owes(part: Callable[[Session], Owed | None]) -> Callable[[Session], Owed | None]:
    """Register `part` (a decorator): called after every commit, before the pipeline is sent."""
    _PARTS.append(part)
    return part


@event.listens_for(Session, 'after_commit')
def _send(session: Session) -> None:
    owed = [found for part in _PARTS if (found := part(session)) is not None]
    if not owed or not has_app_context():
        return
    pipe = get_redis().pipeline(transaction=False)
    ends = []
    for part in owed:
        part.add(pipe)
        ends.append(len(pipe))
    try:
        replies = pipe.execute(raise_on_error=False) if ends[-1] else []
    except redis.RedisError as exc:
        for part in owed:
            part.replied(exc)
        return
    start = 0
    for part, end in zip(owed, ends, strict=True):
        part.replied(replies[start:end])
        start = end
