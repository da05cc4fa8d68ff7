"""A current GET /me answer is sent by api/stored_me.py before the request enters Flask, and the answer is the one
the view would have given: same body, same headers, the same latency metric; anything else still reaches the view."""

from __future__ import annotations

import cProfile
import pstats
import re
import socket
import threading

import pytest
import redis
from flask import request_started
from werkzeug.test import EnvironBuilder

from miniapp_backend.extensions import db
from miniapp_backend.models import Student


def _dispatched(app, send) -> tuple[object, int]:
    """`send()`'s answer and how many requests entered Flask's dispatch meanwhile."""
    seen = []

    def note(sender, **extra):
        seen.append(sender)

    with request_started.connected_to(note, app):
        response = send()
    return response, len(seen)


def _enrolled(student_client):
    student = student_client()
    assert student.put('/me/zone', json={'zone_code': '341800'}).status_code == 200
    return student


def test_a_current_answer_is_sent_without_entering_flask(app, zone, student_client):
    student = _enrolled(student_client)
    built, entered = _dispatched(app, lambda: student.get('/me'))  # the change above made it stale: the view builds
    assert built.status_code == 200 and entered == 1
    stored, entered = _dispatched(app, lambda: student.get('/me'))
    assert stored.status_code == 200 and entered == 0
    assert stored.data == built.data
    different = {'X-Request-Id'}
    assert {k: v for k, v in stored.headers if k not in different} == {
        k: v for k, v in built.headers if k not in different
    }
    given = student.client.get('/api/v1/me', headers={**student.auth_headers(), 'X-Request-Id': 'req-abcdef12'})
    assert given.headers['X-Request-Id'] == 'req-abcdef12'
    assert re.fullmatch(r'[0-9a-f]{32}', stored.headers['X-Request-Id'])


def test_everything_but_a_current_answer_reaches_the_view(app, zone, student_client):
    student = _enrolled(student_client)
    assert student.get('/me').status_code == 200  # stored
    for send in (
        lambda: student.client.get('/api/v1/me'),
        lambda: student.client.get('/api/v1/me', headers={'Authorization': f'Bearer {student.token[:-3]}abc'}),
        lambda: student.client.get('/api/v1/me?x=1', headers=student.auth_headers()),
        lambda: student.client.head('/api/v1/me', headers=student.auth_headers()),
        lambda: student.client.post('/api/v1/me', headers=student.auth_headers()),
    ):
        response, entered = _dispatched(app, send)
        assert entered == 1 and response.status_code in (200, 401, 405)
    db.session.get(Student, student.student_id).token_version += 1
    db.session.commit()
    response, entered = _dispatched(app, lambda: student.get('/me'))
    assert (response.status_code, response.json['code'], entered) == (401, 'invalid_token', 1)


def test_a_stored_answer_costs_a_fraction_of_a_request_through_flask(app, zone, student_client):
    """Python calls inside the app's WSGI callable (no test client): 1,070 through Flask's hooks, flask-smorest
    and the unit of work before; about 305 (with hiredis, which setup.cfg installs) to 398 with the token's signature
    verified on every request; 173 (266 without hiredis) once a token's verified signature is kept per process. The
    budget assumes hiredis, as create and submit's does."""
    student = _enrolled(student_client)
    assert student.get('/me').status_code == 200
    environ = EnvironBuilder(path='/api/v1/me', headers=student.auth_headers()).get_environ()

    def call():
        answer = app.wsgi_app(dict(environ), lambda status, headers: None)
        return b''.join(answer)

    body = call()
    profile = cProfile.Profile()
    profile.runcall(call)
    calls = pstats.Stats(profile).total_calls
    assert body.startswith(b'{') and calls <= 200, calls


def test_a_stored_answer_is_counted_in_the_route_latency_metric(app, client, zone, student_client):
    student = _enrolled(student_client)
    assert student.get('/me').status_code == 200

    def count() -> float:
        text = client.get('/metrics').text
        found = re.search(
            r'^http_request_duration_seconds_count\{method="GET",route="/api/v1/me",status="200"\} (\S+)$', text, re.M
        )
        return float(found.group(1)) if found else 0.0

    before = count()
    for _ in range(3):
        _, entered = _dispatched(app, lambda: student.get('/me'))
        assert entered == 0
    assert count() == before + 3


def test_a_hung_redis_is_waited_on_once_per_request(app, test_environ, zone, student_client):
    """The stored-answer layer meets the Redis error; the view builds from the database without asking again."""
    from miniapp_backend import create_app

    student = _enrolled(student_client)
    expected = student.get('/me').json
    server, accepted = _silent_server()
    port = server.getsockname()[1]
    hung = create_app(
        {'TESTING': True, 'REDIS_SOCKET_TIMEOUT': 0.05},
        environ={**test_environ, 'REDIS_URL': f'redis://127.0.0.1:{port}/0'},
    )
    try:
        with hung.app_context():
            with pytest.raises(redis.RedisError):  # a timeout, after the client's own retries
                hung.extensions['redis'].mget('a', 'b', 'c')
            one_mget = len(accepted)
            response = hung.test_client().get('/api/v1/me', headers=student.auth_headers())
            db.session.remove()
            db.engine.dispose()
    finally:
        server.close()
    assert response.status_code == 200 and response.json == expected
    assert one_mget >= 1 and len(accepted) == 2 * one_mget


def _silent_server() -> tuple[socket.socket, list]:
    """A TCP server that accepts connections and never answers (a hung Redis)."""
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, accepted
