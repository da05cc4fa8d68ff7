from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def templated_zone(create_zone):
    from miniapp_backend.demo import MESSAGE_TEMPLATES

    return create_zone(message_templates=MESSAGE_TEMPLATES)


@pytest.fixture
def run_worker(test_environ):
    """Run a real `python -m workers worker --burst` process on this run's database and Redis."""

    def run(timeout: float = 60) -> subprocess.CompletedProcess:
        env = {**os.environ, **test_environ}
        return subprocess.run(
            [sys.executable, '-m', 'workers', 'worker', '--burst'],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def grant(app):
    """Give a student one-time subscription quota for templates."""
    from miniapp_backend.extensions import db
    from miniapp_backend.models import SubscriptionQuota

    def grant(student, *template_ids, count: int = 1):
        for template_id in template_ids:
            db.session.merge(SubscriptionQuota(student_id=student.id, template_id=template_id, remaining=count))
        db.session.commit()

    return grant
