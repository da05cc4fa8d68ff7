"""The backend a journey's pages talk to: the app over real HTTP, a real rq worker process, and a control server
through which a journey does what the rest of the world does (a reviewer decides, the tax bureau records a payment,
the clock reaches a suspension's check time)."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import traceback
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def _serve(wsgi_app) -> tuple[str, object]:
    server = make_server('127.0.0.1', 0, wsgi_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f'http://127.0.0.1:{server.server_port}', server


@pytest.fixture
def live_backend(app):
    """The app on a port of its own; signed links point at it, as PUBLIC_BASE_URL does in production."""
    url, server = _serve(app)
    public = app.config['PUBLIC_BASE_URL']
    app.config['PUBLIC_BASE_URL'] = url
    yield url
    app.config['PUBLIC_BASE_URL'] = public
    server.shutdown()


@pytest.fixture
def rq_worker(app, test_environ):
    """`python -m workers worker` on this run's database and Redis, for the whole journey."""
    env = {**os.environ, **test_environ}
    worker = subprocess.Popen([sys.executable, '-m', 'workers', 'worker'], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _wait_for_queues(app, timeout: float = 60) -> None:
    """Until the worker has done what was enqueued: every queue empty, no job running and no message pending, seen
    three times in a row (a job leaves its queue a moment before it shows as started)."""
    from rq.registry import StartedJobRegistry

    from miniapp_backend.extensions import db, get_queue
    from miniapp_backend.models import Notification

    deadline = time.monotonic() + timeout
    idle = 0
    with app.app_context():
        queues = [get_queue(name) for name in ('default', 'notifications')]
        while time.monotonic() < deadline:
            pending = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
                Notification.status.in_(['pending', 'sending'])))
            db.session.rollback()
            busy = pending or any(q.count or StartedJobRegistry(queue=q).count for q in queues)
            idle = 0 if busy else idle + 1
            if idle >= 3:
                return
            time.sleep(0.1)
    raise AssertionError('the rq worker did not finish its jobs in time')


@pytest.fixture
def control(app, fake_tax, fake_wechat, fake_origin, rq_worker, create_reviewer):
    """What happens outside the mini-program, as HTTP endpoints the node journeys call."""
    from miniapp_backend.demo import seed_demo
    from miniapp_backend.enrolment.registration.review import decide
    from miniapp_backend.extensions import db, get_queue
    from miniapp_backend.models import Registration, Suspension
    from miniapp_backend.models.base import utcnow

    seed_demo()
    db.session.commit()
    reviewer = create_reviewer(role='centre_reviewer', zone_code='341800')
    reviewer_id, reviewer_name = reviewer.id, reviewer.username
    world = Flask('journey-control')

    @world.errorhandler(Exception)
    def failed(error):
        return ''.join(traceback.format_exception(error)), 500

    def run(job: str) -> None:
        with app.app_context():
            get_queue('default').enqueue(f'workers.jobs.{job}')
        _wait_for_queues(app)

    @world.post('/decide')
    def decide_registration():
        body = request.get_json()
        with app.app_context():
            from miniapp_backend.models import Reviewer

            registration = db.session.get(Registration, body['registration_id'])
            decide(db.session.get(Reviewer, reviewer_id), registration, body['decision'], body.get('reason'))
            db.session.commit()
            status = str(registration.status)
        _wait_for_queues(app)
        return jsonify(status=status)

    @world.post('/tax-payment')
    def tax_payment():
        body = request.get_json()
        with app.app_context():
            registration = db.session.get(Registration, body['registration_id'])
            fake_tax.add_payment(registration.zone.code, registration.year, registration.id_number,
                                 registration.amount_due_fen, utcnow(), body.get('voucher_no', '342026112400001'))
        return jsonify(ok=True)

    @world.post('/suspensions-due')
    def suspensions_due():
        with app.app_context():
            db.session.execute(sa.update(Suspension).values(next_check_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
        run('poll_suspensions')
        return jsonify(ok=True)

    @world.post('/zone-setting')
    def zone_setting():
        """The centre turns a switch of its settings page on or off for the zone: WeChat face verification, the ID
        photo required for submission."""
        body = request.get_json()
        switches = {name: bool(body[name]) for name in ('face_verification', 'id_photo_required') if name in body}
        with app.app_context():
            from miniapp_backend.models import Zone

            db.session.execute(
                sa.update(Zone).where(Zone.code == body.get('zone_code', '341800')).values(**switches))
            db.session.commit()
        return jsonify(ok=True)

    @world.post('/next-year')
    def next_year():
        """The next autumn: the zone admin opens the next year's window (through the settings' own rule)."""
        from miniapp_backend.enrolment.actors import Actor
        from miniapp_backend.enrolment.zones import settings as zone_settings
        from miniapp_backend.models import Zone

        with app.app_context():
            zone = db.session.scalars(sa.select(Zone).where(Zone.code == '341800')).one()
            today = utcnow().astimezone(zone_settings.SHANGHAI).date()
            values = {'year': zone.year + 1, 'window_opens_at': zone_settings.day_start(today - timedelta(days=1)),
                      'window_closes_at': zone_settings.day_end(today + timedelta(days=90))}
            zone_settings.apply(zone, values, Actor.reviewer(reviewer_id, 'zone_admin'),
                                zone_settings.fingerprint(zone))
            db.session.commit()
            year = zone.year
        return jsonify(year=year)

    @world.post('/identity-review')
    def identity_review():
        """A centre reviewer decides the newest ID-photo request on the admin page 身份核验, through its HTML form."""
        import re

        body = request.get_json()
        admin = app.test_client()
        login = admin.get('/admin/login').text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        signed_in = admin.post('/admin/login', data={'username': reviewer_name, 'password': 'review-pass-1',
                                                     'csrf_token': token})
        assert signed_in.status_code == 302, signed_in.text
        page = admin.get('/admin/identity')
        assert page.status_code == 200, page.text
        ids = re.findall(r'/admin/identity/(\d+)/decision', page.text)
        assert ids, page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        decided = admin.post(f'/admin/identity/{max(map(int, ids))}/decision',
                             data={'decision': body['decision'], 'reason': body.get('reason', ''), 'csrf_token': token})
        assert decided.status_code == 302, decided.text
        return jsonify(ok=True, shown=re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', page.text)))

    @world.get('/registration/<int:registration_id>')
    def stored_registration(registration_id: int):
        """What the database holds (decrypted), as a reviewer's reveal would show it."""
        with app.app_context():
            registration = db.session.get(Registration, registration_id)
            return jsonify({field: getattr(registration, field) for field in
                            ('phone', 'residence_address', 'hukou_address', 'id_number', 'name')})

    @world.get('/sent-messages')
    def sent_messages():
        _wait_for_queues(app)
        with app.app_context():
            from miniapp_backend.models import Notification

            outbox = [{'kind': n.kind.value, 'status': n.status.value, 'template_id': n.template_id}
                      for n in db.session.scalars(sa.select(Notification))]
        return jsonify(messages=[{'template_id': m['template_id'], 'page': m.get('page')} for m in fake_wechat.messages],
                       outbox=outbox)

    url, server = _serve(world)
    yield url
    server.shutdown()
