"""The export job: a large admin export written to a file, its progress on the ExportJob row."""

from __future__ import annotations

from miniapp_backend.enrolment.reports import exports
from workers.base import app_job


@app_job
def run_export(export_id: int) -> int:
    """Write a queued export's workbook."""
    job = exports.run(export_id)
    return job.processed_rows if job else 0
