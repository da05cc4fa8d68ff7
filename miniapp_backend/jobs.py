"""Enqueueing rq jobs only after the commit they read; Redis being down never fails the change itself."""

from __future__ import annotations

import contextlib
import logging

import redis
from flask import current_app
from rq.exceptions import DeserializationError
from sqlalchemy import event
from sqlalchemy.orm import Session

from miniapp_backend import after_commit
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


@after_commit.owes
def _enqueue(session: Session) -> after_commit.Owed | None:
    """The jobs this commit enqueues: a coalesced job's gate is taken in the pipeline after the commit, and the job
    enqueued only if the gate was free."""
    jobs = session.info.pop(_KEY, [])
    if not jobs:
        return None
    gated = [position for position, (func_path, _) in enumerate(jobs) if func_path in COALESCED]

    def add(pipe) -> None:
        for position in gated:
            pipe.set(_gate(jobs[position][0]), 1, nx=True, ex=GATE_TTL)

    def replied(replies) -> None:
        if isinstance(replies, redis.RedisError):
            for func_path, _ in jobs:
                _not_enqueued(func_path, replies)
            return
        free = dict(zip(gated, replies, strict=True))
        for position, (func_path, args) in enumerate(jobs):
            gate = free.get(position, True)
            if isinstance(gate, redis.RedisError):
                _not_enqueued(func_path, gate)
                continue
            if not gate:
                continue  # one is waiting and will see this commit
            job = spec(func_path)
            try:
                get_queue(job.queue).enqueue(func_path, *args, job_timeout=job.timeout)
            except redis.RedisError as exc:
                _not_enqueued(func_path, exc)

    return after_commit.Owed(add, replied)


def enqueue_missing(func_path: str, job_ids: list[int]) -> list[int]:
    """Enqueue `func_path(id)` for each id whose job its queue does not hold (the enqueue after the commit failed
    with Redis away, or Redis lost it); the ids enqueued. Nothing when the queue cannot be read."""
    job = spec(func_path)
    queue = get_queue(job.queue)
    try:
        waiting = {queued.args[0] for queued in queue.get_jobs() if queued.func_name == func_path and queued.args}
        missing = [job_id for job_id in job_ids if job_id not in waiting]
        for job_id in missing:
            queue.enqueue(func_path, job_id, job_timeout=job.timeout)
    except (redis.RedisError, DeserializationError) as exc:
        logger.warning('could not read or fill the %s queue (%s); the next sweep tries again', queue.name, exc)
        return []
    return missing


def _not_enqueued(func_path: str, exc: redis.RedisError) -> None:
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
