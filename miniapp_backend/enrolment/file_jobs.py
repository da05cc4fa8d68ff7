"""Imports and exports, the imports queue's jobs: each claimed by one worker, and swept when its worker died
(left running) or Redis lost it (left queued, for instance enqueued while Redis was unreachable)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from miniapp_backend import jobs
from miniapp_backend.extensions import db
from miniapp_backend.models import ExportJob, ImportJob
from miniapp_backend.models.enums import ImportStatus
from miniapp_backend.unit_of_work import commit_batch

FileJob = ImportJob | ExportJob


def claim(model: type[FileJob], job_id: int, now: datetime) -> bool:
    """Queued → running in one statement, committed: of two runs of one job (it was enqueued again by the sweep,
    or twice by rq) only the first proceeds."""
    claimed = db.session.execute(
        sa.update(model)
        .where(model.id == job_id, model.status == ImportStatus.QUEUED)
        .values(status=ImportStatus.RUNNING, started_at=now)
    )
    commit_batch()
    return claimed.rowcount == 1


def stale_running(model: type[FileJob], started_before: datetime) -> list[FileJob]:
    """Jobs a worker started before this time and never ended: the worker died (or was killed) under them."""
    started = sa.func.coalesce(model.started_at, model.created_at)
    return db.session.scalars(
        sa.select(model).where(model.status == ImportStatus.RUNNING, started < started_before)
    ).all()


def requeue_lost(model: type[FileJob], func_path: str, queued_before: datetime) -> int:
    """Enqueue again the queued jobs the imports queue does not hold (their enqueue failed or Redis lost them)."""
    queued = db.session.scalars(
        sa.select(model.id).where(model.status == ImportStatus.QUEUED, model.created_at < queued_before)
    ).all()
    return len(jobs.enqueue_missing(func_path, list(queued))) if queued else 0
