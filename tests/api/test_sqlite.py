"""`make run` keeps its data in SQLite, which has no data-modifying WITH: the hot writes (create, submit) send their
rows there one statement each, with the same outcome as PostgreSQL's single statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import registration_fields


def test_create_and_submit_write_every_row_on_sqlite(app, test_environ, tmp_path, fake_wechat):
    from flask_migrate import upgrade

    from miniapp_backend import create_app
    from miniapp_backend.extensions import db
    from miniapp_backend.models import (
        AuditEvent,
        Notification,
        Registration,
        RegistrationCountDelta,
        RegistrationDayDelta,
        School,
        Zone,
    )

    environ = {**test_environ, 'DATABASE_URL': f'sqlite:///{tmp_path / "miniapp.db"}', 'REDIS_KEY_PREFIX': 'sqlite'}
    local = create_app({'TESTING': True}, environ=environ)
    with local.app_context():
        upgrade()
        assert db.engine.dialect.name == 'sqlite'
        now = datetime.now(UTC)
        zone = Zone(
            code='341800',
            name='宣城市',
            year=now.year + 1,
            premium_fen=40000,
            window_opens_at=now - timedelta(days=30),
            window_closes_at=now + timedelta(days=30),
            review_stages=['centre'],
            in_platform=True,
            message_templates={},
        )
        db.session.add_all([zone, School(code='10359X', name='宣城市大学', zone=zone)])
        db.session.commit()
        client = local.test_client()
        token = client.post('/api/v1/auth/login', json={'code': 'code-lite-1'}).json['token']
        headers = {'Authorization': f'Bearer {token}'}
        assert client.put('/api/v1/me/zone', json={'zone_code': '341800'}, headers=headers).status_code == 200

        created = client.post('/api/v1/registrations', json=registration_fields(), headers=headers)
        assert created.status_code == 201, created.json
        submitted = client.post(f'/api/v1/registrations/{created.json["id"]}/submit', headers=headers)
        assert submitted.status_code == 200, submitted.json
        again = client.post(f'/api/v1/registrations/{created.json["id"]}/submit', headers=headers)
        assert again.status_code == 409 and again.json['code'] == 'invalid_state'

        db.session.remove()
        assert db.session.get(Registration, created.json['id']).status == 'submitted'
        events = db.session.scalars(sa.select(AuditEvent.to_status).where(AuditEvent.action == 'transition')).all()
        assert events == ['submitted']
        assert db.session.scalars(sa.select(Notification.kind)).all() == ['submitted']
        counts = db.session.execute(sa.select(RegistrationCountDelta.status, RegistrationCountDelta.count)).all()
        assert sorted(counts) == [('draft', -1), ('draft', 1), ('submitted', 1)]
        assert db.session.scalars(sa.select(RegistrationDayDelta.submitted)).all() == [1]
        me = client.get('/api/v1/me', headers=headers).json
        assert (me['registration']['status'], me['next_action']) == ('submitted', 'wait_review'), me
        # A subscription granted twice: the upsert adds one each time on SQLite too.
        zone = db.session.scalars(sa.select(Zone)).one()
        zone.message_templates = {'approved': {'template_id': 'tpl-approved'}}
        db.session.commit()
        for expected in (1, 2):
            granted = client.post('/api/v1/subscriptions', json={'accepted': ['tpl-approved']}, headers=headers)
            assert granted.json == {'quotas': {'tpl-approved': expected}}, granted.json
        db.session.remove()


def test_a_second_pending_suspension_is_refused_on_sqlite(app, test_environ, tmp_path):
    """The one-pending rule is the partial unique index's on SQLite too: the refused insert rolls back to its
    savepoint and the first request stays."""
    from flask_migrate import upgrade

    from miniapp_backend import create_app
    from miniapp_backend.enrolment.errors import EnrolmentError
    from miniapp_backend.enrolment.suspension.request import record
    from miniapp_backend.extensions import db
    from miniapp_backend.models import Suspension
    from tests.factories import make_id_number

    environ = {**test_environ, 'DATABASE_URL': f'sqlite:///{tmp_path / "miniapp.db"}', 'REDIS_KEY_PREFIX': 'sqlite'}
    local = create_app({'TESTING': True}, environ=environ)
    with local.app_context():
        upgrade()
        id_number, now = make_id_number(), datetime.now(UTC)
        first = record('530000', id_number, '甲', '参加职工医保', now.date(), now)
        try:
            record('530000', id_number, '甲', '参加职工医保', now.date(), now)
            raise AssertionError('a second pending request was recorded')
        except EnrolmentError as refused:
            assert refused.code == 'suspension_pending'
        db.session.commit()
        assert db.session.scalars(sa.select(Suspension.id)).all() == [first.id]
        db.session.remove()
        db.engine.dispose()


def test_a_large_export_streams_while_its_progress_is_written_on_sqlite(
    test_environ, tmp_path, fake_wechat, create_zone, create_registration, create_student, monkeypatch
):
    """`make run`'s SQLite is in write-ahead-log mode, so a long read (an export streaming its rows) keeps no writer
    waiting (under `make run` an export failed, 导出失败 0/5263, and the web's requests waited behind it); the export
    writes its progress on a second connection while its rows stream on the first."""
    from flask_migrate import upgrade

    from miniapp_backend import create_app
    from miniapp_backend.cli import create_reviewer
    from miniapp_backend.enrolment.reports import exports
    from miniapp_backend.extensions import db

    environ = {**test_environ, 'DATABASE_URL': f'sqlite:///{tmp_path / "miniapp.db"}', 'REDIS_KEY_PREFIX': 'sqlite'}
    local = create_app({'TESTING': True}, environ=environ)
    monkeypatch.setattr(exports, 'INLINE_ROWS', 3)
    monkeypatch.setattr(exports, 'BATCH', 2)
    with local.app_context():
        upgrade()
        assert db.session.execute(sa.text('PRAGMA journal_mode')).scalar() == 'wal'
        zone = create_zone()
        for _ in range(9):
            create_registration(create_student(), zone, status='submitted')
        reviewer = create_reviewer('exporter', 'review-pass-1', 'zone_admin', zone.code)
        db.session.commit()
        job = exports.start('registrations', reviewer, {})
        db.session.commit()
        job = exports.run(job.id)
        db.session.commit()
        assert (job.status, job.processed_rows, job.total_rows) == ('finished', 9, 9)
        db.session.remove()


def test_two_reviewers_deciding_one_batch_at_once_on_sqlite_each_row_once_and_no_error(
    test_environ, tmp_path, fake_wechat, create_zone, create_registration, create_student, create_reviewer
):
    """Under `make run` two 批量通过 of the same rows at once both answered 500 (database is locked): SQLite refuses a
    transaction that read, then wants to write after another wrote, without waiting. A decision's row lock takes
    SQLite's write lock first, so the second waits, then finds the rows decided."""
    import threading

    from flask_migrate import upgrade

    from miniapp_backend import create_app
    from miniapp_backend.extensions import db
    from miniapp_backend.models import AuditEvent, Registration
    from tests.admin.pages import listed_stamps, login, page_form

    environ = {**test_environ, 'DATABASE_URL': f'sqlite:///{tmp_path / "miniapp.db"}', 'REDIS_KEY_PREFIX': 'sqlite'}
    local = create_app({'TESTING': True}, environ=environ)
    with local.app_context():
        upgrade()
        zone = create_zone()
        ids = [create_registration(create_student(), zone, status='submitted').id for _ in range(40)]
        create_reviewer('one')
        create_reviewer('two')
        db.session.remove()
    posts, answers, barrier = [], [], threading.Barrier(2)
    for username in ('one', 'two'):
        client = local.test_client()
        with local.app_context():
            login(client, username)
            form = page_form(client, '/admin/?q=', '/admin/batch')
            data = {'csrf_token': form.fields['csrf_token'], 'ids': ids, 'decision': 'approve'}
            posts.append((client, {**data, 'seen': listed_stamps(client, '/admin/?q=')}))
            db.session.remove()

    def press(client, data):
        with local.app_context():
            barrier.wait()
            answers.append(client.post('/admin/batch', data=data).status_code)
            db.session.remove()

    threads = [threading.Thread(target=press, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    with local.app_context():
        statuses = db.session.scalars(sa.select(Registration.status).where(Registration.id.in_(ids))).all()
        approvals = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == 'transition', AuditEvent.to_status == 'approved')
        )
        assert set(statuses) == {'approved'} and approvals == len(ids)
        db.session.remove()
        db.engine.dispose()
