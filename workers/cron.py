"""The `rq cron` schedule: each job on its own interval (seconds, overridable by environment)."""
from __future__ import annotations

import os

from rq import cron

from workers import jobs

PREFIX = os.environ.get('REDIS_KEY_PREFIX', 'miniapp')

SCHEDULE = [
    (jobs.drain_outbox, 'notifications', 'DRAIN_INTERVAL', 10),
    (jobs.poll_payments, 'default', 'PAYMENT_POLL_INTERVAL', 60),
    (jobs.poll_suspensions, 'default', 'SUSPENSION_POLL_INTERVAL', 60),
    (jobs.remind_unpaid, 'default', 'REMIND_INTERVAL', 3600),
    (jobs.expire_unpaid, 'default', 'EXPIRE_INTERVAL', 3600),
    (jobs.fold_counts, 'default', 'COUNTS_FOLD_INTERVAL', 60),
]

for func, queue, setting, default in SCHEDULE:
    cron.register(func, queue_name=f'{PREFIX}-{queue}', interval=int(os.environ.get(setting, default)))
