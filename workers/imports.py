"""The import job: progress goes to the ImportJob row and to the rq job's meta."""

from __future__ import annotations

from rq import get_current_job

from miniapp_backend.enrolment.imports import runner
from workers.base import app_job


@app_job
def run_import(import_id: int) -> str:
    """Apply a queued Excel import."""
    job = get_current_job()

    def report(done: int, total: int) -> None:
        if job is not None:
            job.meta['progress'] = {'done': done, 'total': total}
            job.save_meta()

    return runner.run(import_id, report).message
