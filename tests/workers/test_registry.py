"""The job registry: every job importable, on a known queue, scheduled from config; the Procfile and `make run`
start one worker per pool, so imports never share a process with messages."""

from __future__ import annotations

import re
from pathlib import Path

from rq.utils import import_attribute

from miniapp_backend.config import DEFAULTS
from workers import registry

ROOT = Path(__file__).resolve().parents[2]


def test_every_registered_job_imports_and_runs_on_a_served_queue():
    assert len(registry.JOBS) >= 7
    for job in registry.JOBS:
        assert callable(import_attribute(job.path)), job.path
        assert job.queue in registry.QUEUES, job
        if job.interval_setting:
            assert isinstance(DEFAULTS[job.interval_setting], int) and DEFAULTS[job.interval_setting] > 0


def test_imports_have_a_pool_of_their_own():
    pools_with_imports = [name for name, queues in registry.POOLS.items() if 'imports' in queues]
    assert pools_with_imports == ['imports'] and registry.POOLS['imports'] == ('imports',)
    assert registry.spec('workers.imports.run_import').queue == 'imports'
    assert registry.spec('workers.jobs.drain_outbox').queue not in registry.POOLS['imports']


def test_the_procfile_starts_one_worker_per_pool_and_the_scheduler():
    procfile = (ROOT / 'Procfile').read_text()
    commands = dict(re.findall(r'^(\w+):\s*(.+)$', procfile, re.M))
    pools = sorted(re.findall(r'python -m workers worker (\w+)', procfile))
    assert pools == sorted(registry.POOLS)
    assert commands['cron'] == 'python -m workers cron'
    devrun = (ROOT / 'miniapp_backend' / 'devrun.py').read_text()
    assert "'workers', 'worker', pool], env) for pool in POOLS" in devrun


def test_the_schedule_comes_from_config(app):
    config = {**app.config, 'DRAIN_INTERVAL': 7}
    schedule = {job.path: interval for job, interval in registry.scheduled(config)}
    assert schedule['workers.jobs.drain_outbox'] == 7
    assert schedule['workers.jobs.sweep_stale_imports'] == app.config['STALE_IMPORT_SWEEP_INTERVAL']
    assert 'workers.imports.run_import' not in schedule


def test_every_enqueued_job_is_registered():
    named = set()
    for path in (ROOT / 'miniapp_backend').rglob('*.py'):
        named |= set(re.findall(r"enqueue_after_commit\('([\w.]+)'", path.read_text()))
    assert named and all(registry.spec(name) for name in named)
