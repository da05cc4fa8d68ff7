"""Every background job in one place: its function, its queue, its schedule (interval from config).

The Procfile, `python -m workers worker <pool>` and `python -m workers cron` read this module; code that enqueues a
job names it by path and the queue comes from here. Imports run in a pool of their own, so a long import never
holds up subscription messages or payment polls.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class JobSpec:
    path: str
    queue: str
    #: Config key of the interval in seconds; None for jobs enqueued only by the app.
    interval_setting: str | None = None
    #: rq's hard limit on one run, seconds.
    timeout: int = 600


JOBS: tuple[JobSpec, ...] = (
    JobSpec('workers.jobs.drain_outbox', 'notifications', 'DRAIN_INTERVAL', timeout=300),
    JobSpec('workers.jobs.poll_payments', 'default', 'PAYMENT_POLL_INTERVAL'),
    JobSpec('workers.jobs.poll_suspensions', 'default', 'SUSPENSION_POLL_INTERVAL'),
    JobSpec('workers.jobs.remind_unpaid', 'default', 'REMIND_INTERVAL'),
    JobSpec('workers.jobs.expire_unpaid', 'default', 'EXPIRE_INTERVAL'),
    JobSpec('workers.jobs.sweep_stale_imports', 'default', 'STALE_IMPORT_SWEEP_INTERVAL'),
    JobSpec('workers.jobs.fold_counts', 'default', 'COUNTS_FOLD_INTERVAL'),
    JobSpec('workers.jobs.settle_owed_bumps', 'notifications', 'OWED_BUMP_INTERVAL', timeout=60),
    JobSpec('workers.imports.run_import', 'imports', timeout=1800),
    # Large admin exports share the imports pool: long, memory-bounded file work kept away from messages.
    JobSpec('workers.exports.run_export', 'imports', timeout=1800),
)

#: Worker processes and the queues each serves, first queue first. `imports` never shares a process with messages.
POOLS: dict[str, tuple[str, ...]] = {'main': ('notifications', 'default'), 'imports': ('imports',)}
QUEUES: tuple[str, ...] = tuple(dict.fromkeys(queue for queues in POOLS.values() for queue in queues))
#: CPU priority below the web's (nice) each pool runs at. Imports and exports are batch work that may take longer
#: while students are being served: on a shared machine GET /me keeps its rate with four exports running.
NICENESS: dict[str, int] = {'main': 0, 'imports': 19}

_BY_PATH = {spec.path: spec for spec in JOBS}


def spec(path: str) -> JobSpec:
    """The registered job; an unregistered path is a programming error."""
    return _BY_PATH[path]


def queue_name(config: Mapping[str, Any], queue: str) -> str:
    """Queue names are prefixed so deployments can share a Redis server."""
    return f'{config["REDIS_KEY_PREFIX"]}-{queue}'


def scheduled(config: Mapping[str, Any]) -> list[tuple[JobSpec, int]]:
    """(job, interval in seconds) for every job the scheduler enqueues."""
    return [(job, int(config[job.interval_setting])) for job in JOBS if job.interval_setting]
