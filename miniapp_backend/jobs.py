"""Enqueueing rq jobs only after the commit they read; Redis being down never fails the change itself."""

from __future__ import annotations

import logging

import redis
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from miniapp_backend.extensions import db, get_queue
from workers.registry import spec

logger = logging.getLogger(__name__)
_KEY = 'after_commit_jobs'


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
            get_queue(job.queue).enqueue(func_path, *args, job_timeout=job.timeout)
        except redis.RedisError as exc:
            # The outbox row is committed; the cron sweep delivers it once Redis is back.
            logger.warning('could not enqueue %s (%s); the scheduled sweep will pick it up', func_path, exc)


@event.listens_for(Session, 'after_rollback')
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
