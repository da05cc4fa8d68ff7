"""What operators see: /metrics (latency by route, queues, outbox, poll lag, imports) and `flask ops`."""

from __future__ import annotations

import re
from datetime import timedelta

from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, Notification, OwedBump
from miniapp_backend.models.base import utcnow


def _value(text: str, name: str, labels: str = '') -> float:
    match = re.search(rf'^{re.escape(name)}{re.escape(labels)} ([0-9.e+-]+)$', text, re.M)
    assert match, f'{name}{labels} missing'
    return float(match.group(1))


def test_metrics_show_the_operators_figures(app, client, zone, student, create_registration, create_reviewer):
    now = utcnow()
    registration = create_registration(student, zone, status='approved', payment_check_at=now - timedelta(minutes=7))
    for status, age in (('pending', 300), ('unknown', 10), ('failed', 10)):
        db.session.add(
            Notification(
                student_id=student.id,
                registration_id=registration.id,
                kind='approved',
                event_key=f'e-{status}',
                title='t',
                status=status,
                next_attempt_at=now - timedelta(seconds=age),
            )
        )
    reviewer = create_reviewer('ops')
    db.session.add(
        ImportJob(kind='roster', zone_id=zone.id, reviewer_id=reviewer.id, filename='x.xlsx', status='running')
    )
    db.session.add_all([OwedBump(student_id=student.id), OwedBump(student_id=None)])
    db.session.commit()
    client.get('/api/v1/zones')
    client.get('/healthz')
    text = client.get('/metrics').text
    assert _value(text, 'outbox_messages', '{status="unknown"}') == 1
    assert _value(text, 'outbox_messages', '{status="pending"}') == 1
    assert 290 <= _value(text, 'outbox_oldest_pending_seconds') < 400
    assert 400 <= _value(text, 'payment_poll_lag_seconds') < 500
    assert _value(text, 'import_jobs', '{status="running"}') == 1
    assert _value(text, 'me_invalidations_owed') == 2
    assert _value(text, 'redis_up') == 1 and _value(text, 'rq_queue_jobs', '{queue="imports"}') >= 0
    assert 'http_request_duration_seconds_count{method="GET",route="/api/v1/zones",status="200"}' in text


def test_metrics_can_require_a_token(app, client):
    app.config['METRICS_TOKEN'] = 'scrape-secret'
    try:
        assert client.get('/metrics').status_code == 401
        assert client.get('/metrics', headers={'Authorization': 'Bearer scrape-secret'}).status_code == 200
    finally:
        app.config['METRICS_TOKEN'] = None


def test_flask_ops_lists_what_needs_an_operator(app, zone, student, create_reviewer):
    db.session.add(
        Notification(
            student_id=student.id,
            kind='approved',
            event_key='e1',
            title='t',
            status='unknown',
            last_error='no_answer ReadTimeout',
        )
    )
    reviewer = create_reviewer('ops')
    db.session.add(
        ImportJob(
            kind='roster',
            zone_id=zone.id,
            reviewer_id=reviewer.id,
            filename='x.xlsx',
            status='running',
            created_at=utcnow() - timedelta(hours=2),
        )
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=['ops'])
    assert result.exit_code == 0, result.output
    assert 'outbox:' in result.output and "'unknown': 1" in result.output
    assert 'GET /me invalidations owed: 0' in result.output
    assert re.search(r'message  #\d+  approved  unknown .*no_answer ReadTimeout', result.output)
    assert re.search(r'stuck import  #\d+  roster  running', result.output)
