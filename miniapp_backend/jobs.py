"""Enqueueing rq jobs only after the commit they read; Redis being down never fails the change itself."""

from __future__ import annotations

import contextlib
import logging

import redis
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from miniapp_backend.extensions import db, get_queue, get_redis
from workers.registry import spec

logger = logging.getLogger(__name__)
_KEY = 'after_commit_jobs'
#: Jobs of which one waiting in the queue is enough, because a run handles everything due when it starts: a burst
#: of submissions (each writes a 受理 message) enqueues one drain, not one per message (rq forks per job).
COALESCED = frozenset({'workers.jobs.drain_outbox'})
#: How long a coalesced job counts as waiting; bounds the delay if its run is lost (the schedule drains anyway).
GATE_TTL = 60


def enqueue_after_commit(func_path: str, *args) -> None:
    """Enqueue `func_path(*args)` on its registered queue once the current transaction commits (once per transaction)."""
    spec(func_path)  # an unregistered job fails here, in the request that names it, not later in a worker
    jobs = db.session().info.setdefault(_KEY, [])
    if (func_path, args) not in jobs:
        jobs.append((func_path, args))


@event.listens_for(Session, 'after_commit')
def _enqueue(session: Session) -> None:
    jobs = session.info.pop(_KEY, [])
    if not jobs or not has_app_context():
        return
    for func_path, args in jobs:
        job = spec(func_path)
        try:
            if func_path in COALESCED and not get_redis().set(_gate(func_path), 1, nx=True, ex=GATE_TTL):
                continue  # one is waiting and will see this commit
            get_queue(job.queue).enqueue(func_path, *args, job_timeout=job.timeout)
        except redis.RedisError as exc:
            # The outbox row is committed; the cron sweep delivers it once Redis is back.
            logger.warning('could not enqueue %s (%s); the scheduled sweep will pick it up', func_path, exc)


@event.listens_for(Session, 'after_rollback')
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def _gate(func_path: str) -> str:
    return f'{current_app.config["REDIS_KEY_PREFIX"]}:waiting:{func_path}'


def starting(func_path: str) -> None:
    """A coalesced job calls this before it reads anything: what commits from now on needs another run."""
    with contextlib.suppress(redis.RedisError):  # the gate expires on its own; the schedule drains meanwhile
        get_redis().delete(_gate(func_path))
