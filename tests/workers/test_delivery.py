"""Subscription messages: delivered once with the right template, page and data; faults handled without storms."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.messages import delivery, outbox
from miniapp_backend.enrolment.payment.record import record_payment
from miniapp_backend.enrolment.registration.states import Action, transition
from miniapp_backend.enrolment.zones import settings as zone_settings
from miniapp_backend.extensions import db
from miniapp_backend.models import Notification, SubscriptionQuota
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import NotificationKind
from workers import jobs

SEND = '/cgi-bin/message/subscribe/send'
CENTRE = Actor.reviewer(1, 'centre_reviewer')


def _notification() -> Notification:
    return db.session.scalars(sa.select(Notification).order_by(Notification.id.desc())).first()


def test_each_kind_is_delivered_once_with_its_template(
    app, fake_wechat, templated_zone, student, create_registration, grant, run_worker
):
    grant(
        student,
        'tpl-approved',
        'tpl-returned',
        'tpl-rejected',
        'tpl-paid',
        'tpl-window-closing',
        'tpl-suspension',
        'tpl-submitted',
        count=5,
    )
    first = create_registration(student, templated_zone, status='submitted')
    transition(first, Action.RETURN, CENTRE, reason='身份证照片模糊，请重新上传清晰照片')
    transition(first, Action.SUBMIT, Actor.student(student.id))
    transition(first, Action.APPROVE, CENTRE)
    record_payment(first, amount_fen=40000, paid_at=utcnow(), voucher_no='V1', channel='tax', source='gateway')
    second = create_registration(student, templated_zone, status='submitted', year=templated_zone.year + 1)
    transition(second, Action.REJECT, CENTRE, reason='非本校学生')
    outbox.write(
        NotificationKind.WINDOW_CLOSING,
        student_id=student.id,
        zone=templated_zone,
        registration=first,
        event_key='test:closing',
    )
    db.session.commit()
    result = run_worker()
    assert result.returncode == 0, result.stderr[-2000:]
    sent = {m['template_id']: m for m in fake_wechat.messages}
    assert [m['template_id'] for m in fake_wechat.messages].count('tpl-approved') == 1
    assert set(sent) == {
        'tpl-returned',
        'tpl-approved',
        'tpl-paid',
        'tpl-rejected',
        'tpl-window-closing',
        'tpl-submitted',
    }
    assert sent['tpl-submitted']['data']['phrase2'] == {'value': '已受理'}
    assert sent['tpl-returned']['page'] == f'pages/register/register?id={first.id}'
    assert {m['page'] for m in fake_wechat.messages} == {
        f'pages/register/register?id={first.id}',
        f'pages/payment/payment?id={first.id}',
        f'pages/receipts/receipts?id={first.id}',
        f'pages/home/home?id={second.id}',
        f'pages/home/home?id={first.id}',
    }
    assert sent['tpl-returned']['data']['thing3']['value'] == '身份证照片模糊，请重新上传清晰照片'
    assert sent['tpl-approved']['data'] == {
        'thing1': {'value': '宣城市'},
        'phrase2': {'value': '审核通过'},
        'amount3': {'value': '400.00元'},
        'date4': {'value': first.zone.window_closes_at.strftime('%Y年%m月%d日')},
    }
    assert sent['tpl-paid']['touser'] == student.openid
    db.session.expire_all()
    assert {n.status for n in db.session.scalars(sa.select(Notification))} == {'sent'}
    # A second drain sends nothing again.
    run_worker()
    assert len(fake_wechat.messages) == 6


def test_a_revoked_record_is_told_with_the_rejection_template_the_student_subscribed_to(
    app, fake_wechat, templated_zone, student, create_registration, grant
):
    """Staff take a record back (撤销): the student hears why, through the template asked for at submit."""
    grant(student, 'tpl-rejected')
    registration = create_registration(student, templated_zone, status='under_review')
    transition(registration, Action.REVOKE, Actor.reviewer(1, 'zone_admin'), reason='学校导入错了人')
    db.session.commit()
    jobs.drain_outbox()
    [message] = fake_wechat.messages
    assert message['template_id'] == 'tpl-rejected'
    assert message['page'] == f'pages/home/home?id={registration.id}'
    assert message['data'] == {
        'thing1': {'value': '宣城市'},
        'phrase2': {'value': '已撤销'},
        'thing3': {'value': '学校导入错了人'},
    }
    assert _notification().title == '参保登记已被撤销，如需参保请重新登记'


def test_no_quota_waits_and_is_sent_when_quota_arrives(app, fake_wechat, templated_zone, student, create_registration):
    registration = create_registration(student, templated_zone, status='submitted')
    transition(registration, Action.APPROVE, CENTRE)
    db.session.commit()
    jobs.drain_outbox()
    assert _notification().status == 'waiting_quota' and fake_wechat.count(SEND) == 0
    assert delivery.quota_arrived(student.id, ['tpl-approved']) == 1
    db.session.merge(SubscriptionQuota(student_id=student.id, template_id='tpl-approved', remaining=1))
    db.session.commit()
    jobs.drain_outbox()
    assert _notification().status == 'sent' and len(fake_wechat.messages) == 1
    assert db.session.get(SubscriptionQuota, (student.id, 'tpl-approved')).remaining == 0


@pytest.fixture
def approved(templated_zone, student, create_registration, grant):
    grant(student, 'tpl-approved')
    registration = create_registration(student, templated_zone, status='submitted')
    transition(registration, Action.APPROVE, CENTRE)
    db.session.commit()
    return registration


def test_token_refused_once_is_refreshed_and_sent(app, fake_wechat, approved):
    assert callable(jobs.drain_outbox.__wrapped__)  # the job is the plain function under app_job
    fake_wechat.script(SEND, [{'errcode': 40001}])
    jobs.drain_outbox()
    assert _notification().status == 'sent'
    assert fake_wechat.count(SEND) == 2 and fake_wechat.count('/cgi-bin/stable_token') == 2


def test_43101_zeroes_the_quota(app, fake_wechat, approved, student):
    fake_wechat.script(SEND, [{'errcode': 43101}])
    jobs.drain_outbox()
    assert _notification().status == 'waiting_quota'
    assert db.session.get(SubscriptionQuota, (student.id, 'tpl-approved')).remaining == 0
    jobs.drain_outbox()
    assert fake_wechat.count(SEND) == 1


def test_45009_backs_off_without_a_storm(app, fake_wechat, approved):
    fake_wechat.script(SEND, [{'errcode': 45009}] * 10)
    jobs.drain_outbox()
    jobs.drain_outbox()
    notification = _notification()
    assert (notification.status, notification.last_error) == ('pending', 'rate_limited')
    assert notification.next_attempt_at > utcnow()
    assert fake_wechat.count(SEND) == 1


@pytest.mark.parametrize('fault', [{'errcode': -1}, {'errcode': 45015}])
def test_answered_failures_retry_later_then_fail(app, fake_wechat, approved, fault):
    """WeChat answered with an error code: nothing was sent, so the row is tried again, a bounded number of times."""
    fake_wechat.script(SEND, [fault] * 10)
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        jobs.drain_outbox()
        notification = _notification()
        assert fake_wechat.count(SEND) == attempt
        if attempt < delivery.MAX_ATTEMPTS:
            assert notification.status == 'pending' and notification.next_attempt_at > utcnow()
            notification.next_attempt_at = utcnow()
            db.session.commit()
    assert (notification.status, notification.attempts) == ('failed', delivery.MAX_ATTEMPTS)
    assert notification.last_error


def test_an_operator_sends_failed_messages_again_once_the_cause_is_gone_never_unknown_ones(
    app, fake_wechat, approved, student, create_registration, templated_zone
):
    """WeChat refused every send (the app's credentials were wrong): after the fix, `flask resend-failed` queues the
    failed rows again, once each; a row of unknown delivery stays as it is."""
    failed = _notification()
    failed.status, failed.attempts, failed.last_error = 'failed', delivery.MAX_ATTEMPTS, '40001 invalid credential'
    other = create_registration(student, templated_zone, status='submitted', year=templated_zone.year + 1)
    transition(other, Action.REJECT, CENTRE, reason='非本校学生')
    db.session.flush()
    unknown = _notification()
    unknown.status = 'unknown'
    db.session.commit()
    today = utcnow().astimezone(zone_settings.SHANGHAI).date()
    result = app.test_cli_runner().invoke(args=['resend-failed', '--since', today.isoformat()])
    assert result.exit_code == 0 and '1 failed messages queued again' in result.output, result.output
    jobs.drain_outbox()
    db.session.expire_all()
    assert (failed.status, unknown.status) == ('sent', 'unknown')
    assert [m['template_id'] for m in fake_wechat.messages] == ['tpl-approved']
    again = app.test_cli_runner().invoke(args=['resend-failed', '--since', today.isoformat()])
    assert '0 failed messages queued again' in again.output


@pytest.mark.parametrize('fault', [{'status': 500}, {'delay': 3.0}])
def test_no_answer_after_sending_is_unknown_and_never_resent(app, fake_wechat, approved, fault):
    """A read timeout or a 5xx: the message may have arrived. It is marked unknown and never sent again."""
    fake_wechat.script(SEND, [fault] * 10)
    for _ in range(3):
        jobs.drain_outbox()
        delivery.drain(now_fn=lambda: utcnow() + delivery.LEASE * 10)
    notification = _notification()
    assert (notification.status, notification.attempts) == ('unknown', 1)
    assert notification.send_started_at is not None and notification.last_error.startswith('no_answer')
    assert fake_wechat.count(SEND) == 1
    # The call held past the client's timeout still ends at the fake: the message did arrive, once, and late.
    fake_wechat.settle()
    assert len(fake_wechat.messages) == (1 if 'delay' in fault else 0)


def test_refused_connection_is_retried(app, fake_wechat, approved):
    """Nothing listens: the request certainly never reached WeChat, so the row stays pending and is sent later."""
    import socket

    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        closed = f'http://127.0.0.1:{probe.getsockname()[1]}'
    base = app.config['WECHAT_API_BASE']
    app.config['WECHAT_API_BASE'] = closed
    try:
        jobs.drain_outbox()
    finally:
        app.config['WECHAT_API_BASE'] = base
    notification = _notification()
    assert notification.status == 'pending' and notification.attempts == 1 and fake_wechat.count(SEND) == 0
    notification.next_attempt_at = utcnow()
    db.session.commit()
    jobs.drain_outbox()
    assert _notification().status == 'sent'
    assert [m['touser'] for m in fake_wechat.messages] == [approved.student.openid]


def test_approvals_succeed_while_redis_is_down(
    app, fake_wechat, templated_zone, student, create_registration, grant, test_environ
):
    from miniapp_backend import create_app

    grant(student, 'tpl-approved')
    registration = create_registration(student, templated_zone, status='submitted')
    broken = create_app({'TESTING': True}, environ={**test_environ, 'REDIS_URL': 'redis://127.0.0.1:1/0'})
    with broken.app_context():
        transition(db.session.get(type(registration), registration.id), Action.APPROVE, CENTRE)
        db.session.commit()  # enqueueing the drain fails quietly; the change and its outbox row are kept
        db.session.remove()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
    assert fake_wechat.count(SEND) == 0
    jobs.drain_outbox()  # what the cron schedule runs once Redis is back
    assert len(fake_wechat.messages) == 1


def test_a_worker_killed_mid_drain_loses_nothing_and_sends_nothing_twice(
    app, fake_wechat, templated_zone, create_student, create_registration, grant, test_environ
):
    students = [create_student() for _ in range(4)]
    for student in students:
        grant(student, 'tpl-approved')
        transition(create_registration(student, templated_zone, status='submitted'), Action.APPROVE, CENTRE)
    db.session.commit()
    fake_wechat.script(SEND, [{}, {'delay': 4.0}])
    code = 'from workers import jobs; jobs.drain_outbox()'
    proc = subprocess.Popen(
        [sys.executable, '-c', code],
        env={**test_environ},
        cwd=str(__import__('pathlib').Path(__file__).resolve().parents[2]),
    )
    deadline = time.monotonic() + 30

    def one_sent() -> bool:  # the worker's own commit, seen from outside its session
        with db.engine.connect() as conn:
            return bool(conn.scalar(sa.text("SELECT count(*) FROM notifications WHERE status = 'sent'")))

    # Kill once one row is committed sent and a second call is in flight (the fake holds it for 4 s).
    while (fake_wechat.count(SEND) < 2 or not one_sent()) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    fake_wechat.settle()  # the in-flight request completes at the fake after its delay
    db.session.expire_all()
    statuses = [n.status for n in db.session.scalars(sa.select(Notification))]
    assert 'sending' in statuses  # killed with calls in flight
    # A claim is the start of its call: the rows being sent at the kill are `sending` with a start time.
    in_flight = [
        n.id for n in db.session.scalars(sa.select(Notification)) if n.send_started_at and n.status == 'sending'
    ]
    assert in_flight
    later = utcnow() + delivery.LEASE * 2
    delivery.drain(now_fn=lambda: later)
    db.session.expire_all()
    per_user = [m['touser'] for m in fake_wechat.messages]
    assert len(per_user) == len(set(per_user))  # nobody twice
    rows = {n.student_id: n for n in db.session.scalars(sa.select(Notification))}
    for student in students:
        row = rows[student.id]
        if row.id in in_flight:  # the call in flight at the kill is flagged unknown, never sent again
            assert (row.status, row.last_error) == ('unknown', 'interrupted')
        else:  # sent before the kill, or not yet claimed: sent once
            assert row.status == 'sent' and per_user.count(student.openid) == 1


def test_each_message_costs_one_statement_committed_on_its_own(
    app, fake_wechat, templated_zone, create_student, create_registration, grant
):
    """A sender records a call's outcome (its quota use, its row) and claims its next row in one statement, run
    outside any transaction on PostgreSQL: it commits as it returns, with no BEGIN or COMMIT of its own (plus the
    drain's sweep of interrupted rows and its last statement, which records the last outcome and finds nothing)."""
    from tests.statements import Statements

    students = [create_student() for _ in range(6)]
    for student in students:
        grant(student, 'tpl-approved')
        transition(create_registration(student, templated_zone, status='submitted'), Action.APPROVE, CENTRE)
    db.session.commit()
    autocommit = []

    def driver_autocommit(conn, cursor, statement, parameters, context, executemany):
        autocommit.append(conn.connection.dbapi_connection.autocommit)

    sa.event.listen(db.engine, 'before_cursor_execute', driver_autocommit)
    try:
        with Statements() as statements:
            report = delivery.drain(senders=1)
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', driver_autocommit)
    assert report.sent == len(students) and len(fake_wechat.messages) == len(students)
    sweep = statements.sql.index('COMMIT')
    assert [s[:27] for s in statements.sql[: sweep + 1]] == ['BEGIN', *['UPDATE notifications SET st'] * 2, 'COMMIT']
    sending = [s for s in statements.sql[sweep + 1 :] if s not in ('BEGIN', 'COMMIT')]
    assert 'COMMIT' not in statements.sql[sweep + 1 :]
    assert len(sending) == len(students) + 1 and len(set(sending)) == 1
    assert sending[0].startswith('WITH outcome AS') and 'UPDATE subscription_quotas' in sending[0]
    assert autocommit[-len(sending) :] == [True] * len(sending)
    quotas = db.session.scalars(sa.select(SubscriptionQuota.remaining)).all()
    assert quotas == [0] * len(students)


def test_the_last_subscription_spent_with_the_next_claim_leaves_that_message_waiting(
    app, fake_wechat, templated_zone, student, create_registration, grant
):
    """The outcome that spends a student's last subscription and the claim of the student's next message to the
    same template are one statement on PostgreSQL, reading one snapshot: the claim sees the quota the outcome left."""
    grant(student, 'tpl-approved', count=1)
    for year in (templated_zone.year, templated_zone.year + 1):
        registration = create_registration(student, templated_zone, status='submitted', year=year)
        transition(registration, Action.APPROVE, CENTRE)
    db.session.commit()
    report = delivery.drain(senders=1)
    assert report == delivery.DrainReport(sent=1, waiting_quota=1)
    assert len(fake_wechat.messages) == 1
    statuses = db.session.scalars(sa.select(Notification.status).order_by(Notification.id)).all()
    assert statuses == ['sent', 'waiting_quota']
    assert db.session.scalars(sa.select(SubscriptionQuota.remaining)).all() == [0]


def test_the_drain_runs_on_sqlite_as_make_run_uses_it(app, fake_wechat, test_environ, tmp_path):
    """`make run` keeps its data in SQLite, which has no data-modifying CTEs: there a sender writes an outcome and
    claims its next row statement by statement in one transaction, to the same effect."""
    from flask_migrate import upgrade

    from miniapp_backend import create_app
    from miniapp_backend.models import Student

    local = create_app(environ={**test_environ, 'DATABASE_URL': f'sqlite:///{tmp_path / "run.db"}'})
    with local.app_context():
        upgrade()
        students = [Student(openid=f'openid-sqlite-{n}') for n in range(3)]
        db.session.add_all(students)
        db.session.flush()
        for n, student in enumerate(students):
            if n:  # the first student has no subscription left
                db.session.add(SubscriptionQuota(student_id=student.id, template_id='tpl-approved', remaining=1))
            db.session.add(
                Notification(
                    student_id=student.id,
                    kind=NotificationKind.PAID,
                    event_key=f'sqlite:{n}',
                    template_id='tpl-approved',
                    page='pages/receipts/receipts',
                    data={'thing1': '宣城市'},
                    title='缴费成功',
                    body='',
                )
            )
        db.session.commit()
        report = delivery.drain()
        statuses = db.session.execute(sa.select(Notification.event_key, Notification.status)).all()
        quotas = db.session.scalars(sa.select(SubscriptionQuota.remaining)).all()
        db.session.remove()
        db.engine.dispose()
    assert report == delivery.DrainReport(sent=2, waiting_quota=1)
    assert sorted(statuses) == [('sqlite:0', 'waiting_quota'), ('sqlite:1', 'sent'), ('sqlite:2', 'sent')]
    assert quotas == [0, 0]
    assert sorted(m['touser'] for m in fake_wechat.messages) == ['openid-sqlite-1', 'openid-sqlite-2']


def test_a_sender_reads_the_token_once_and_takes_a_newer_one_another_process_stored(
    app, fake_wechat, templated_zone, create_student, create_registration, grant
):
    from miniapp_backend import wechat

    students = [create_student() for _ in range(3)]
    for student in students:
        grant(student, 'tpl-approved')
        transition(create_registration(student, templated_zone, status='submitted'), Action.APPROVE, CENTRE)
    db.session.commit()
    client = wechat.get_client()
    first = client.access_token
    redis = app.extensions['redis']
    reads = []
    original = client.session.get
    client.session.get = lambda key, default=None: reads.append(key) or original(key, default)
    try:
        delivery.drain(senders=1)
        assert len(reads) == 1  # one read for the three messages
        # Another process renewed the token (WeChat then refuses the old one): the stored one is taken, no fetch.
        fake_wechat.expire_tokens()
        second = client.fetch_access_token()['access_token']
        assert second != first and redis.exists(f'{app.config["REDIS_KEY_PREFIX"]}:wechat:{client.access_token_key}')
        fetched = fake_wechat.count('/cgi-bin/stable_token')
        sender = wechat.message_sender()
        sender._token = first
        sender.send(students[0].openid, 'tpl-approved', {'thing1': '宣城市'}, None)
    finally:
        client.session.get = original
    assert fake_wechat.count('/cgi-bin/stable_token') == fetched
    assert [m['touser'] for m in fake_wechat.messages].count(students[0].openid) == 2


def test_an_answer_that_is_not_json_is_unknown_and_never_resent(app, fake_wechat, approved):
    fake_wechat.script(SEND, [{'raw': '<html>busy</html>'}])
    jobs.drain_outbox()
    jobs.drain_outbox()
    notification = _notification()
    assert (notification.status, notification.last_error) == ('unknown', 'no_answer unexpected answer')
    assert fake_wechat.count(SEND) == 1


@pytest.mark.parametrize('errcode', ['"abc"', '{"a": 1}', 'NaN', '1e400', '"0"', 'true', '3.5'])
def test_an_errcode_that_is_not_a_whole_number_is_unknown_and_never_resent(app, fake_wechat, approved, errcode):
    """The drain job does not fail on it (the row would wait out its lease as `sending`): it may have been sent."""
    fake_wechat.script(SEND, [{'raw': f'{{"errcode": {errcode}, "errmsg": "?"}}'}])
    jobs.drain_outbox()
    jobs.drain_outbox()
    notification = _notification()
    assert (notification.status, notification.last_error) == ('unknown', 'no_answer unexpected answer')
    assert fake_wechat.count(SEND) == 1


def test_the_sweep_for_rows_left_sending_reads_its_index_not_the_outbox(app):
    """Every drain first looks for rows left `sending` past their lease. The outbox keeps every message it ever
    sent, so the sweep must reach the few rows in flight through the partial index, never by reading the table."""
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    sa.event.listen(db.engine, 'before_cursor_execute', capture)
    try:
        delivery.release_interrupted(utcnow())
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', capture)
    sweeps = [(sql, params) for sql, params in captured if sql.startswith('UPDATE notifications')]
    assert len(sweeps) == 2
    conn = db.session.connection()
    conn.exec_driver_sql('SET LOCAL enable_seqscan = off')  # an empty test table is otherwise read whole anyway
    for sql, params in sweeps:
        plan = '\n'.join(conn.exec_driver_sql(f'EXPLAIN {sql}', params).scalars())
        assert 'ix_notifications_sending' in plan, plan
