"""Prometheus /metrics: request latency by route (multi-process safe), and operators' figures computed at scrape.

Under gunicorn each worker process keeps its own histograms; with PROMETHEUS_MULTIPROC_DIR set (the Procfile's
web process sets it) prometheus_client writes them to files there and a scrape of any worker adds them all up.
Queue depths, outbox backlog, payment-poll lag and import states are read from Redis and the database at scrape
time, so they are the same whichever process answers.
"""

from __future__ import annotations

import functools
import os
import secrets
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

bp = Blueprint('metrics', __name__)

REQUEST_LATENCY = Histogram(
    'http_request_duration_seconds',
    'Time to answer a request, by route.',
    ['method', 'route', 'status'],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _start_clock():
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):
        # The request and g looked up once each: through their proxies every attribute costs a context look-up.
        ctx_g, req = g._get_current_object(), request._get_current_object()
        if 'started' in ctx_g and req.endpoint != 'metrics.metrics':
            rule = req.url_rule
            route = rule.rule if rule else 'unmatched'
            histogram(req.method, route, response.status_code).observe(time.perf_counter() - ctx_g.started)
        return response


@functools.lru_cache(maxsize=1024)  # routes × methods × statuses is small; labels() locks and builds a key each call
def histogram(method: str, route: str, status: int):
    """The latency histogram of one route, method and status (answers served outside Flask observe it too)."""
    return REQUEST_LATENCY.labels(method, route, str(status))


@bp.get('/metrics')
def metrics():
    token = current_app.config.get('METRICS_TOKEN')
    given = request.headers.get('Authorization', '').removeprefix('Bearer ')
    if token and not secrets.compare_digest(given, token):
        abort(401)
    registry = CollectorRegistry()
    if os.environ.get('PROMETHEUS_MULTIPROC_DIR'):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessLatency())
    registry.register(_Operations(current_app._get_current_object()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _ProcessLatency:
    """This process's own histograms (no multi-process directory: one process serves)."""

    def collect(self):
        yield from REQUEST_LATENCY.collect()


class _Operations:
    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        from miniapp_backend.enrolment.reports.operations import figures
        from miniapp_backend.models.base import utcnow

        now = utcnow()
        numbers = figures(now)
        outbox = GaugeMetricFamily('outbox_messages', 'Outbox rows by status.', labels=['status'])
        for status, count in numbers.outbox_by_status.items():
            outbox.add_metric([status], count)
        yield outbox
        yield GaugeMetricFamily(
            'outbox_oldest_pending_seconds',
            'Age of the oldest due, unsent outbox row.',
            value=numbers.oldest_pending_outbox_seconds,
        )
        yield GaugeMetricFamily(
            'payment_poll_lag_seconds',
            'How far the payment poll is behind its due checks.',
            value=numbers.payment_poll_lag_seconds,
        )
        imports = GaugeMetricFamily('import_jobs', 'Excel imports by state.', labels=['status'])
        for status, count in numbers.imports_by_status.items():
            imports.add_metric([status], count)
        yield imports
        yield GaugeMetricFamily(
            'me_invalidations_owed',
            'GET /me invalidations Redis refused at commit, waiting for settle_owed_bumps.',
            value=numbers.owed_bumps,
        )
        yield from self._queues()

    def _queues(self):
        import redis
        from rq import Queue
        from rq.registry import FailedJobRegistry, StartedJobRegistry

        from workers.registry import QUEUES, queue_name

        depth = GaugeMetricFamily('rq_queue_jobs', 'Jobs waiting in each rq queue.', labels=['queue'])
        failed = GaugeMetricFamily('rq_failed_jobs', 'Jobs rq gave up on, per queue.', labels=['queue'])
        running = GaugeMetricFamily('rq_started_jobs', 'Jobs being run, per queue.', labels=['queue'])
        up = 1
        connection = self.app.extensions['redis']
        try:
            for name in QUEUES:
                queue = Queue(queue_name(self.app.config, name), connection=connection)
                depth.add_metric([name], queue.count)
                failed.add_metric([name], FailedJobRegistry(queue=queue).count)
                running.add_metric([name], StartedJobRegistry(queue=queue).count)
        except redis.RedisError:
            up = 0  # the figures from the database still answer
        yield GaugeMetricFamily('redis_up', 'Whether the queues could be read from Redis.', value=up)
        if up:
            yield from (depth, failed, running)
