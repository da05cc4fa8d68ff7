"""The import job: its progress goes to the ImportJob row, committed after each chunk (what the admin page reads).
Nothing of it goes to Redis: a Redis error in the middle of an import must not stop it half applied."""

from __future__ import annotations

from miniapp_backend.enrolment.imports import runner
from workers.base import app_job


@app_job
def run_import(import_id: int) -> str:
    """Apply a queued Excel import."""
    return runner.run(import_id).message
