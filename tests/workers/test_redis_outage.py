"""Redis goes away and comes back: real worker and cron processes on a private redis-server survive it, and every
outbox row ends delivered exactly once or marked unknown; none is lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis as redis_lib
import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.messages import delivery
from miniapp_backend.enrolment.registration.states import Action, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import Notification, Registration
from miniapp_backend.models.base import utcnow

ROOT = Path(__file__).resolve().parents[2]
SEND = '/cgi-bin/message/subscribe/send'
CENTRE = Actor.reviewer(1, 'centre_reviewer')
pytestmark = pytest.mark.slow


class PrivateRedis:
    """A redis-server of this test's own on a free port, killed and started again at will."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            self.port = probe.getsockname()[1]
        self.url = f'redis://127.0.0.1:{self.port}/0'
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ['redis-server', '--port', str(self.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis_lib.Redis.from_url(self.url, socket_timeout=0.5)
        _wait(lambda: _pings(client), 10, 'redis-server did not start')

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis_lib.RedisError:
        return False


def _wait(condition, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(message)


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.kill()


@pytest.fixture
def processes(private_redis, test_environ):
    """`workers worker main` and `workers cron`, as the Procfile starts them, on the private Redis."""
    env = {
        **os.environ,
        **test_environ,
        'REDIS_URL': private_redis.url,
        'REDIS_KEY_PREFIX': 'outage',
        'DRAIN_INTERVAL': '1',
        'PAYMENT_POLL_INTERVAL': '3600',
        'SUSPENSION_POLL_INTERVAL': '3600',
    }
    started = [
        subprocess.Popen(
            [sys.executable, '-m', 'workers', *command],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in (['worker', 'main'], ['cron'])
    ]
    yield started, env
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _approve(env, registrations) -> None:
    """Approvals as the admin page makes them, in an app on the private Redis (enqueueing may fail quietly)."""
    from miniapp_backend import create_app

    app = create_app({'TESTING': True}, environ=env)
    with app.app_context():
        for registration_id in registrations:
            transition(db.session.get(Registration, registration_id), Action.APPROVE, CENTRE)
            db.session.commit()
        db.session.remove()


def _statuses() -> list[str]:
    db.session.expire_all()
    return [row.status.value for row in db.session.scalars(sa.select(Notification).order_by(Notification.id))]


def test_worker_and_cron_survive_redis_going_away_during_submit_drain_and_cron(
    app, fake_wechat, templated_zone, create_student, create_registration, grant, private_redis, processes
):
    started, env = processes
    students = [create_student() for _ in range(9)]
    waiting = []
    for student in students:
        grant(student, 'tpl-approved')
        waiting.append(create_registration(student, templated_zone, status='submitted').id)
    # 1. Redis up: approvals are delivered by the real worker.
    _approve(env, waiting[:3])
    _wait(lambda: len(fake_wechat.messages) >= 3, 60, f'first messages not delivered: {_statuses()}')
    # 2. Redis dies during the submissions (approvals): they commit, their drains cannot be enqueued.
    private_redis.kill()
    _approve(env, waiting[3:6])
    time.sleep(3)  # worker and cron meet the outage
    assert [process.poll() for process in started] == [None, None], started[0].stderr
    # 3. Back: the cron's next drain delivers what was written during the outage.
    private_redis.start()
    _wait(lambda: len(fake_wechat.messages) >= 6, 90, f'outage messages not delivered: {_statuses()}')
    # 4. Redis dies while a drain is calling WeChat (the send is slow), then comes back.
    fake_wechat.script(SEND, [{'delay': 1.5}] * 3)
    _approve(env, waiting[6:])
    _wait(lambda: fake_wechat.count(SEND) >= 7, 60, 'the last drain did not start')
    private_redis.kill()
    time.sleep(3)
    assert [process.poll() for process in started] == [None, None]
    private_redis.start()
    _wait(
        lambda: all(status in ('sent', 'unknown') for status in _statuses()) and len(_statuses()) == 9,
        90,
        f'rows left undelivered: {_statuses()}',
    )
    time.sleep(2)  # requests the fake was still holding finish
    per_user = [message['touser'] for message in fake_wechat.messages]
    assert len(per_user) == len(set(per_user)), 'a message arrived twice'
    rows = {row.student_id: row for row in db.session.scalars(sa.select(Notification))}
    for student in students:
        if rows[student.id].status == 'sent':
            assert per_user.count(student.openid) == 1
    assert sum(row.status == 'sent' for row in rows.values()) >= 6
    assert [process.poll() for process in started] == [None, None]


def test_a_row_claimed_before_an_outage_is_never_sent_again(
    app, fake_wechat, templated_zone, student, create_registration, grant
):
    """The claim is the commit that starts a row's call: a worker that claimed the row and then lost everything may
    have sent it, so after the lease the row is `unknown` (listed for operators), never sent a second time."""
    grant(student, 'tpl-approved')
    transition(create_registration(student, templated_zone, status='submitted'), Action.APPROVE, CENTRE)
    db.session.commit()
    claimed = delivery.claim(utcnow())
    assert claimed.status == 'sending' and claimed.send_started_at is not None
    db.session.remove()  # the process dies here
    later = utcnow() + delivery.LEASE * 2
    report = delivery.drain(now_fn=lambda: later)
    assert report == delivery.DrainReport() and fake_wechat.count(SEND) == 0
    assert _statuses() == ['unknown']
    row = db.session.scalars(sa.select(Notification)).one()
    assert (row.last_error, row.attempts) == ('interrupted', 1)


def test_idle_workers_and_cron_told_to_stop_exit(private_redis, test_environ):
    """SIGTERM, as a process manager stops them at a deploy: each exits 0 at once, none starts itself again (an idle
    worker did, and was killed at the end of the grace period)."""
    env = {**os.environ, **test_environ, 'REDIS_URL': private_redis.url, 'REDIS_KEY_PREFIX': 'stop'}
    started = [
        subprocess.Popen([sys.executable, '-m', 'workers', *command], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        for command in (['worker', 'main'], ['worker', 'imports'], ['cron'])
    ]
    client = redis_lib.Redis.from_url(private_redis.url)
    try:
        _wait(lambda: len(client.keys('rq:worker:*')) >= 2, 30, 'the workers to register')
        time.sleep(2)  # the cron's first jobs run; the workers are waiting for the next
        for process in started:
            process.send_signal(signal.SIGTERM)
        codes = []
        for process in started:
            try:
                codes.append(process.wait(timeout=10))
            except subprocess.TimeoutExpired:
                codes.append(f'still running: {process.args[3:]}')
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert codes == [0, 0, 0], codes
