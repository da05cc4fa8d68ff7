"""`python -m workers worker [--burst]` and `python -m workers cron`, on the app's Redis and queue names."""
from __future__ import annotations

import argparse
import logging
import sys

from rq import Worker
from rq.cron import CronScheduler

from workers.base import get_app

QUEUES = ('default', 'notifications', 'imports')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m workers')
    commands = parser.add_subparsers(dest='command', required=True)
    worker = commands.add_parser('worker', help='run an rq worker on every queue of the app')
    worker.add_argument('--burst', action='store_true', help='stop when the queues are empty')
    commands.add_parser('cron', help='run the rq cron schedule of workers/cron.py')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(name)s %(levelname)s %(message)s')
    app = get_app()  # built before forking, so every work-horse inherits it
    connection = app.extensions['redis']
    prefix = app.config['REDIS_KEY_PREFIX']
    if args.command == 'worker':
        with app.app_context():
            import workers.jobs  # noqa: F401  (preloaded once, not per job)
        names = [f'{prefix}-{name}' for name in QUEUES]
        Worker(names, connection=connection).work(burst=args.burst, logging_level='INFO')
        return 0
    scheduler = CronScheduler(connection=connection)
    scheduler.load_config_from_file('workers.cron')
    scheduler.start()
    return 0


if __name__ == '__main__':
    sys.exit(main())
