"""Imports and exports are batch work: the imports pool's worker runs its jobs below the web's CPU priority, and
lowers its session's scheduling group only when it is alone in it (as a process manager starts it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rq import Queue

from workers import registry

ROOT = Path(__file__).resolve().parents[2]
AUTOGROUP = Path('/proc/self/autogroup')


def priority() -> tuple[int, str | None]:
    """Run as a job: the work-horse's nice and its autogroup line (None where the kernel has none)."""
    return os.getpriority(os.PRIO_PROCESS, 0), AUTOGROUP.read_text().strip() if AUTOGROUP.exists() else None


def _run_pool(app, test_environ, pool: str, own_session: bool) -> tuple[int, str | None]:
    queue = Queue(registry.queue_name(app.config, registry.POOLS[pool][0]), connection=app.extensions['redis'])
    job = queue.enqueue(f'{__name__}.priority')
    subprocess.run(
        [sys.executable, '-m', 'workers', 'worker', pool, '--burst'],
        cwd=ROOT,
        env={**os.environ, **test_environ},
        capture_output=True,
        timeout=60,
        check=True,
        start_new_session=own_session,
    )
    job.refresh()
    assert job.is_finished, job.get_status()
    return job.return_value()


def test_the_imports_pool_runs_its_jobs_below_the_web(app, test_environ):
    assert registry.NICENESS['imports'] > 0 and registry.NICENESS['main'] == 0
    own = os.getpriority(os.PRIO_PROCESS, 0)
    nice, group = _run_pool(app, test_environ, 'imports', own_session=True)
    assert nice == min(19, own + registry.NICENESS['imports'])
    if group is not None:
        assert group.endswith(f'nice {registry.NICENESS["imports"]}')


@pytest.mark.skipif(not AUTOGROUP.exists(), reason='the kernel does not group processes by session')
def test_a_worker_sharing_its_session_leaves_the_group_alone(app, test_environ):
    before = AUTOGROUP.read_text().strip()
    nice, group = _run_pool(app, test_environ, 'imports', own_session=False)
    assert nice > os.getpriority(os.PRIO_PROCESS, 0) and group == before == AUTOGROUP.read_text().strip()
