"""Statements each hot request sends to PostgreSQL, counted with SQLAlchemy's before_cursor_execute event:
create + submit stay a handful of round trips (a regression adds a query per response or per field)."""

from __future__ import annotations

import cProfile
import json
import pstats

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.test import EnvironBuilder

from miniapp_backend.enrolment.students import tokens
from miniapp_backend.extensions import db, get_queue
from miniapp_backend.jobs import starting
from tests.factories import registration_fields
from tests.redis_round_trips import RoundTrips
from tests.statements import Statements
from workers.registry import spec

#: Statements per request as the engine reports them, BEGIN and COMMIT included. Create: one statement for every
#: check (the token's version, the zone, the school, the open draft, the duplicate check), then INSERT … RETURNING
#: with the statistics count row in its WITH. Submit: the registration with the token's version, its zone, what its
#: response shows and its duplicate check (one statement), then one statement for the conditional UPDATE and, in its
#: WITH, the audit row, count rows, day row and the 受理 message (ON CONFLICT DO NOTHING on its event key: once only
#: without a read first). Each request's two statements are sent in autocommit: BEGIN and COMMIT never reach the
#: server, and no SAVEPOINT is needed (a statement that fails leaves nothing behind).
CREATE_LIMIT = 4
SUBMIT_LIMIT = 4
DRAIN = 'workers.jobs.drain_outbox'


def test_create_and_submit_stay_within_a_handful_of_statements(zone, student_client):
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    db.session.remove()  # each request starts with an empty session, as under gunicorn
    flushes = []

    def flushed(session, context, instances):
        flushes.append(session)

    autocommit = []

    def record(conn, cursor, statement, parameters, context, executemany):
        autocommit.append(conn.connection.driver_connection.autocommit)

    sa.event.listen(Session, 'before_flush', flushed)
    sa.event.listen(db.engine, 'before_cursor_execute', record)
    try:
        with Statements() as create:
            created = student.post('/registrations', json=registration_fields())
        assert created.status_code == 201, created.json
        db.session.remove()
        with Statements() as submit:
            submitted = student.post(f'/registrations/{created.json["id"]}/submit')
    finally:
        sa.event.remove(Session, 'before_flush', flushed)
        sa.event.remove(db.engine, 'before_cursor_execute', record)
    assert submitted.status_code == 200 and submitted.json['status'] == 'submitted'
    assert [h['to_status'] for h in submitted.json['history']] == ['submitted']
    assert created.json['history'] == [] and created.json['photo_uploaded'] is False
    assert flushes == []  # nothing goes through the unit of work's flush: the rows are written by plain statements
    assert len(create.sql) <= CREATE_LIMIT, create.sql
    assert len(submit.sql) <= SUBMIT_LIMIT, submit.sql
    assert create.sql[2].startswith('WITH') and 'INSERT INTO registrations' in create.sql[2], create.sql
    assert submit.sql[2].startswith('WITH moved AS') and 'UPDATE registrations' in submit.sql[2], submit.sql
    assert autocommit == [True] * 4  # the two statements of each request


def test_a_login_is_one_upsert_and_answers_what_the_row_holds(client, zone, create_zone, student_client):
    """New or returning, a login is BEGIN, one INSERT … ON CONFLICT … RETURNING and COMMIT; the returning student's
    answer carries the id, zone and masked phone their own row holds (another student in another zone is not
    mixed in), and their token works."""
    create_zone('370200', '青岛市')
    assert student_client().put('/me/zone', json={'zone_code': '370200'}).status_code == 200
    db.session.remove()
    with Statements() as first:
        new = client.post('/api/v1/auth/login', json={'code': 'code-~amy~1'})
    assert new.status_code == 200 and new.json['student'] == {
        'id': new.json['student']['id'],
        'phone': None,
        'zone_code': None,
    }
    headers = {'Authorization': f'Bearer {new.json["token"]}'}
    assert client.put('/api/v1/me/zone', json={'zone_code': '341800'}, headers=headers).status_code == 200
    assert client.post('/api/v1/me/phone', json={'code': 'phone-13912345205'}, headers=headers).status_code == 200
    db.session.remove()
    with Statements() as again:
        returning = client.post('/api/v1/auth/login', json={'code': 'code-~amy~2'})
    assert returning.status_code == 200
    assert returning.json['student'] == {'id': new.json['student']['id'], 'phone': '139****5205', 'zone_code': '341800'}
    me = client.get('/api/v1/me', headers={'Authorization': f'Bearer {returning.json["token"]}'})
    assert me.status_code == 200 and me.json['student']['id'] == new.json['student']['id']
    for login in (first, again):
        assert len(login.sql) == 3 and login.sql[0] == 'BEGIN' and login.sql[-1] == 'COMMIT', login.sql
        assert login.sql[1].startswith('INSERT INTO students') and 'ON CONFLICT' in login.sql[1], login.sql


def test_a_login_sends_its_one_statement_in_autocommit(client, zone, fake_wechat):
    """The upsert is the whole unit of work: psycopg sends it alone, without BEGIN and COMMIT round trips (the
    engine's begin and commit events still fire; the driver connection says what reached the server)."""
    autocommit = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith('INSERT INTO students'):
            autocommit.append(conn.connection.driver_connection.autocommit)

    db.session.remove()  # each request starts with an empty session, as under gunicorn
    sa.event.listen(db.engine, 'before_cursor_execute', record)
    try:
        assert client.post('/api/v1/auth/login', json={'code': 'code-~ann~1'}).status_code == 200
        assert client.post('/api/v1/auth/login', json={'code': 'code-~ann~2'}).status_code == 200
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', record)
    assert autocommit == [True, True]


def test_a_submission_owes_redis_one_round_trip_after_its_commit(zone, student_client, monkeypatch):
    """GET /me's generation and the drain's enqueue gate go in one pipeline after the commit; a second submission
    finds the gate taken and enqueues no second drain until the first starts; each student's /me shows the change."""
    students, created = [student_client() for _ in range(3)], []
    for student in students:
        student.put('/me/zone', json={'zone_code': '341800'})
        answer = student.post('/registrations', json=registration_fields())
        assert answer.status_code == 201, answer.json
        created.append(answer.json['id'])
        assert student.get('/me').json['next_action'] == 'submit'
    drains = get_queue(spec(DRAIN).queue)
    drains.empty()
    sent = RoundTrips(monkeypatch).sent  # what each round trip sends (a pipeline's commands go together)
    assert students[0].post(f'/registrations/{created[0]}/submit').status_code == 200
    pipeline = sent[0]
    assert pipeline.count(b'INCR') == 1 and b':me:gen:' in pipeline, sent
    assert b'SET' in pipeline and b'NX' in pipeline and DRAIN.encode() in pipeline, sent
    assert all(b':me:gen:' not in later and b'NX' not in later for later in sent[1:]), sent  # rq's enqueue only
    assert drains.count == 1
    del sent[:]
    assert students[1].post(f'/registrations/{created[1]}/submit').status_code == 200
    assert len(sent) == 1 and b'INCR' in sent[0] and b'NX' in sent[0], sent  # the gate was taken: nothing else
    assert drains.count == 1
    starting(DRAIN)  # the drain begins: what commits from now on needs another run
    assert students[2].post(f'/registrations/{created[2]}/submit').status_code == 200
    assert drains.count == 2
    for student in students:
        assert student.get('/me').json['next_action'] == 'wait_review'


def _calls(app, environ) -> tuple[int, dict, int]:
    """(status, answer, Python calls) of one request inside the app's WSGI callable (no test client)."""
    answer = []

    def call():
        status = []
        body = b''.join(app.wsgi_app(dict(environ), lambda line, headers: status.append(line)))
        answer.append((int(status[0][:3]), json.loads(body)))

    profile = cProfile.Profile()
    profile.runcall(call)
    return *answer[0], pstats.Stats(profile).total_calls


def test_create_and_submit_stay_within_their_python_calls(test_environ, zone, create_student):
    """Python calls inside the app's WSGI callable, Redis and PostgreSQL round trips included, once two pairs have
    warmed the caches and psycopg has prepared the statements: create 2,869 and submit 2,962 before create's body
    was loaded by LeanLoad, the input gate skipped the walks a body's text cannot need, the reads left out the
    columns nothing uses and the after-commit Redis work went in one pipeline; 2,347 and 2,774 after. Each student's
    create is their token's first use in this process and verifies its signature; submit finds it kept
    (`tokens._signed`) and checks only its age: 2,348 and 2,642 (a create whose token is kept: 2,215). 2,236 and
    2,516 once the OpenAPI decorators (errors, doc) left the views unwrapped (create had 4 pass-throughs, submit 5)
    and the security-header and latency hooks stopped searching the headers and the proxies per item; 2,283 once
    the JSON reader refused a key given twice (a call per object) and the name its mask's stars."""
    from miniapp_backend import create_app

    students = [create_student(zone=zone) for _ in range(3)]
    fresh = create_app({'TESTING': True}, environ=test_environ)  # an engine no test has added listeners to
    with fresh.app_context():
        for student in students:
            token = tokens.issue(student, fresh.config['SECRET_KEY'])
            headers = {'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'}
            body = json.dumps(registration_fields(), ensure_ascii=False).encode()
            create = EnvironBuilder(path='/api/v1/registrations', method='POST', headers=headers, data=body)
            status, created, create_calls = _calls(fresh, create.get_environ())
            assert status == 201, created
            path = f'/api/v1/registrations/{created["id"]}/submit'
            submit = EnvironBuilder(path=path, method='POST', headers=headers, data=b'{}')
            status, submitted, submit_calls = _calls(fresh, submit.get_environ())
            assert status == 200 and submitted['status'] == 'submitted', submitted
        db.engine.dispose()
    assert create_calls <= 2_290 and submit_calls <= 2_560, (create_calls, submit_calls)
