"""The scheduled jobs (DESIGN §6); each is a thin call into miniapp_backend.enrolment."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from miniapp_backend.enrolment.messages import delivery
from miniapp_backend.enrolment.payment import deadlines
from miniapp_backend.enrolment.payment.polling import poll_payments as poll_payment_batch
from miniapp_backend.enrolment.suspension.polling import poll_suspensions as poll_suspension_batch
from miniapp_backend.gateways import origin_gateway, tax_gateway
from miniapp_backend.models.base import utcnow
from workers.base import app_job


@app_job
def drain_outbox() -> dict:
    """Send due subscription messages."""
    from miniapp_backend import jobs

    jobs.starting('workers.jobs.drain_outbox')
    return asdict(delivery.drain())


@app_job
def poll_payments() -> dict:
    """Ask the tax bureau about one batch of approved, unpaid registrations."""
    return asdict(poll_payment_batch(tax_gateway(), utcnow()))


@app_job
def poll_suspensions() -> dict:
    """Confirm due home-town suspensions."""
    return asdict(poll_suspension_batch(origin_gateway(), utcnow()))


@app_job
def remind_unpaid() -> dict:
    """Remind approved, unpaid students that the window is closing."""
    return asdict(deadlines.remind_unpaid(utcnow()))


@app_job
def expire_unpaid() -> int:
    """Expire approved registrations left unpaid when the window closed (and the tax bureau had time to say)."""
    from flask import current_app

    return deadlines.expire_unpaid(utcnow(), timedelta(hours=current_app.config['PAYMENT_SETTLE_HOURS']))


@app_job
def sweep_stale_imports() -> dict:
    """Imports and exports: fail those whose worker died under them, enqueue again those Redis never got or lost."""
    from flask import current_app

    from miniapp_backend.enrolment import file_jobs
    from miniapp_backend.enrolment.imports import runner
    from miniapp_backend.enrolment.reports import exports
    from miniapp_backend.models import ExportJob, ImportJob

    now, budget = utcnow(), current_app.config['IMPORT_TIME_BUDGET']
    failed = runner.fail_stale(now, budget) + exports.fail_stale(now, now - timedelta(seconds=2 * budget + 300))
    waited = now - timedelta(seconds=current_app.config['STALE_IMPORT_SWEEP_INTERVAL'])
    requeued = file_jobs.requeue_lost(ImportJob, 'workers.imports.run_import', waited)
    requeued += file_jobs.requeue_lost(ExportJob, 'workers.exports.run_export', waited)
    return {'failed': failed, 'requeued': requeued}


@app_job
def fold_counts() -> int:
    """Add the statistics deltas written since the last fold into the kept counts."""
    from miniapp_backend.enrolment.reports import counts
    from miniapp_backend.extensions import db

    return counts.fold(db.session)


@app_job
def settle_owed_bumps() -> int:
    """Invalidate the GET /me answers of changes committed while Redis was unavailable."""
    from miniapp_backend.enrolment.students import cached_view
    from miniapp_backend.extensions import db

    return cached_view.settle_owed_bumps(db.session)
