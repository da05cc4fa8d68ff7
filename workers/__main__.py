"""`python -m workers worker [main|imports] [--burst]` and `python -m workers cron`, as workers/registry.py says.

Both outlive a Redis outage: when the connection goes, they log it, wait (1 s doubling to 30 s) and start again,
instead of exiting and leaving the queues unserved until someone restarts them.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable

import redis
from rq import Worker
from rq.cron import CronScheduler
from rq.utils import import_attribute

from workers import registry
from workers.base import get_app, give_way

logger = logging.getLogger('workers')
MAX_BACKOFF = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m workers')
    commands = parser.add_subparsers(dest='command', required=True)
    worker = commands.add_parser('worker', help='run an rq worker for one pool of queues (default: every queue)')
    worker.add_argument('pool', nargs='?', choices=[*registry.POOLS, 'all'], default='all')
    worker.add_argument('--burst', action='store_true', help='stop when the queues are empty')
    commands.add_parser('cron', help='enqueue the scheduled jobs of workers/registry.py on their intervals')
    args = parser.parse_args(argv)
    from miniapp_backend.logs import configure

    configure()
    app = get_app()  # built before forking, so every work-horse inherits it
    if args.command == 'worker':
        give_way(registry.NICENESS.get(args.pool, 0))
        with app.app_context():
            import workers.imports
            import workers.jobs  # noqa: F401
        queues = registry.QUEUES if args.pool == 'all' else registry.POOLS[args.pool]
        names = [registry.queue_name(app.config, queue) for queue in queues]
        return _keep_running(lambda: _work(app.extensions['redis'], names, args.burst))
    return _keep_running(lambda: _cron(app.extensions['redis'], app.config))


class _Worker(Worker):
    """rq's worker, remembering that a signal asked it to stop: rq 3.0 records that only when the signal arrives
    during a job, so an idle worker told to stop looked like one that had failed, started again, and was killed
    at the end of its process manager's grace period."""

    stop_asked = False

    def request_stop(self, signum, frame):
        self.stop_asked = True
        super().request_stop(signum, frame)


def _work(connection: redis.Redis, names: list[str], burst: bool) -> bool:
    """One rq worker's life; True when it stopped on purpose (a signal, or burst mode with empty queues)."""
    worker = _Worker(names, connection=connection)
    worker.work(burst=burst, logging_level='INFO')
    return burst or worker.stop_asked


def _cron(connection: redis.Redis, config) -> bool:
    scheduler = CronScheduler(connection=connection)
    for job, interval in registry.scheduled(config):
        scheduler.register(
            import_attribute(job.path),
            queue_name=registry.queue_name(config, job.queue),
            interval=interval,
            job_timeout=job.timeout,
        )
    scheduler.start()  # returns on SIGTERM/SIGINT; raises when Redis goes away
    return True


def _keep_running(run: Callable[[], bool]) -> int:
    """Run until a deliberate stop; after a Redis failure wait and run again."""
    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            if run():
                return 0
            reason = 'stopped after an error'
        except redis.RedisError as exc:
            reason = f'{type(exc).__name__}: {exc}'
        if time.monotonic() - started > 60:
            delay = 1.0  # it ran fine for a while: this is a new outage
        logger.warning('lost Redis (%s); starting again in %.0f s', reason, delay)
        time.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF)


if __name__ == '__main__':
    sys.exit(main())
