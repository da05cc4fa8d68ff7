"""Login throttling that holds: atomic failure counting, one answer for every failure, limits per real client
address (behind ProxyFix), per openid and per code; a Redis outage lets logins through."""

from __future__ import annotations

import re
import statistics
import time

import pytest
import requests
import sqlalchemy as sa

from miniapp_backend.admin import auth
from miniapp_backend.extensions import db
from miniapp_backend.models import Reviewer, Student
from tests.integrity.conftest import at_once

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ERROR = re.compile(r'<div class="flash error">([^<]*)</div>')


class Evaluations:
    """Counts password checks against real hashes (werkzeug's function, wrapped, still called)."""

    def __init__(self, monkeypatch):
        self.real = self.dummy = 0
        original = auth.check_password_hash

        def counted(stored, password):
            if stored == auth._DUMMY_HASH:
                self.dummy += 1
            else:
                self.real += 1
            return original(stored, password)

        monkeypatch.setattr(auth, 'check_password_hash', counted)


def _form_login(client, username, password, **kwargs):
    token = _CSRF.search(client.get('/admin/login').text).group(1)
    return client.post('/admin/login', data={'username': username, 'password': password, 'csrf_token': token}, **kwargs)


def _http_login(base, username, password):
    http = requests.Session()
    token = _CSRF.search(http.get(f'{base}/admin/login').text).group(1)
    return lambda: http.post(
        f'{base}/admin/login',
        allow_redirects=False,
        data={'username': username, 'password': password, 'csrf_token': token},
    )


def test_concurrent_wrong_passwords_lock_after_exactly_five(live_url, create_reviewer, zone, monkeypatch):
    create_reviewer('centre')
    evaluations = Evaluations(monkeypatch)
    responses = at_once([_http_login(live_url, 'centre', f'wrong-{n}') for n in range(28)])
    assert [r.status_code for r in responses] == [401] * 28
    assert evaluations.real == auth.MAX_FAILURES
    assert evaluations.dummy == 28 - auth.MAX_FAILURES
    db.session.expire_all()
    assert db.session.scalars(sa.select(Reviewer)).one().locked_until is not None
    # Locked: even the right password is refused, without being checked.
    assert _http_login(live_url, 'centre', 'review-pass-1')().status_code == 401
    assert evaluations.real == auth.MAX_FAILURES


def test_unknown_inactive_and_locked_usernames_are_indistinguishable(client, create_reviewer, zone, monkeypatch):
    create_reviewer('centre')
    create_reviewer('retired')
    db.session.execute(sa.update(Reviewer).where(Reviewer.username == 'retired').values(active=False))
    db.session.commit()
    for n in range(auth.MAX_FAILURES):
        assert _form_login(client, 'centre', f'wrong-{n}').status_code == 401
    evaluations = Evaluations(monkeypatch)
    answers, timings = {}, {'centre': [], 'ghost': [], 'retired': []}
    for _ in range(5):
        for username in timings:
            token = _CSRF.search(client.get('/admin/login').text).group(1)
            started = time.perf_counter()
            response = client.post(
                '/admin/login', data={'username': username, 'password': 'review-pass-1', 'csrf_token': token}
            )
            timings[username].append(time.perf_counter() - started)
            answers.setdefault(username, set()).add((response.status_code, _ERROR.search(response.text).group(1)))
    assert answers['centre'] == answers['ghost'] == answers['retired'] == {(401, auth.REFUSED)}
    # The same work for each: one dummy hash per attempt, no real password checked.
    assert (evaluations.real, evaluations.dummy) == (0, 15)
    medians = [statistics.median(values) for values in timings.values()]
    assert max(medians) < 2 * min(medians)


def test_a_wrong_password_says_the_same(client, create_reviewer, zone):
    create_reviewer('centre')
    response = _form_login(client, 'centre', 'wrong')
    assert response.status_code == 401 and _ERROR.search(response.text).group(1) == auth.REFUSED
    assert _form_login(client, 'centre', 'review-pass-1').status_code == 302


@pytest.fixture
def proxied_app(app, test_environ):
    """The app as deployed behind one trusted proxy (PROXY_FIX_X_FOR=1), on the run's database."""
    from miniapp_backend import create_app

    proxied = create_app(
        {'TESTING': True, 'ADMIN_LOGIN_RATE': '3 per 10 minutes'}, environ={**test_environ, 'PROXY_FIX_X_FOR': '1'}
    )
    with proxied.app_context():
        yield proxied
        db.session.remove()


def test_behind_proxyfix_the_limit_follows_x_forwarded_for(proxied_app, zone):
    client = proxied_app.test_client()

    def attempt(address):
        return _form_login(client, 'nobody', 'x', headers={'X-Forwarded-For': address}).status_code

    assert [attempt('203.0.113.7') for _ in range(4)] == [401, 401, 401, 429]
    # Another client behind the same balancer keeps its own allowance.
    assert attempt('198.51.100.20') == 401
    # The proxy appends the real peer: a client-written first hop does not escape its own limit.
    assert attempt('10.9.9.9, 203.0.113.7') == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, app, zone, monkeypatch):
    monkeypatch.setitem(app.config, 'ADMIN_LOGIN_RATE', '3 per 10 minutes')
    codes = [
        _form_login(client, 'nobody', 'x', headers={'X-Forwarded-For': f'203.0.113.{n}'}).status_code for n in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    assert '操作太频繁' in _form_login(client, 'nobody', 'x').text


def test_an_office_behind_one_address_signs_in_as_often_as_it_needs(client, app, zone, create_reviewer, monkeypatch):
    """Only failures count against the address: a centre's staff behind one NAT are never stopped by logging in."""
    monkeypatch.setitem(app.config, 'ADMIN_LOGIN_RATE', '3 per 10 minutes')
    for n in range(6):
        create_reviewer(f'staff{n}')
    signed_in = [_form_login(client, f'staff{n}', 'review-pass-1').status_code for n in range(6)]
    assert signed_in == [302] * 6
    guesses = [_form_login(client, f'staff{n}', 'wrong').status_code for n in range(4)]
    assert guesses == [401, 401, 401, 429]
    assert _form_login(client, 'staff5', 'review-pass-1').status_code == 429  # until the failures age out


def test_student_login_is_limited_per_client_address(client, app, fake_wechat, monkeypatch):
    monkeypatch.setitem(app.config, 'STUDENT_LOGIN_RATE', '10 per minute')
    responses = [client.post('/api/v1/auth/login', json={'code': f'bogus-{n}'}) for n in range(30)]
    assert [r.status_code for r in responses] == [401] * 10 + [429] * 20
    assert responses[-1].json['code'] == 'rate_limited' and responses[-1].json['message'] == '操作太频繁，请稍后再试'
    assert fake_wechat.count('/sns/jscode2session') == 10


def test_student_login_is_limited_per_openid_and_per_code(client, app, fake_wechat, monkeypatch):
    monkeypatch.setitem(app.config, 'STUDENT_LOGIN_OPENID_RATE', '3 per minute')
    codes = [client.post('/api/v1/auth/login', json={'code': f'code-~alice~{n}'}).status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert client.post('/api/v1/auth/login', json={'code': 'code-~bob~1'}).status_code == 200
    replayed = [client.post('/api/v1/auth/login', json={'code': 'code-replayed'}).status_code for _ in range(8)]
    assert replayed == [200, 401, 401, 401, 401, 429, 429, 429]
    assert fake_wechat.count('/sns/jscode2session') == 5 + 1 + 5


def test_a_login_over_a_limit_is_refused_and_writes_nothing(client, app, fake_wechat, monkeypatch):
    """Over the openid's limit the student's row is left as the last allowed login wrote it; over the address's,
    WeChat is not asked and no student is created."""
    monkeypatch.setitem(app.config, 'STUDENT_LOGIN_OPENID_RATE', '1 per minute')
    monkeypatch.setitem(app.config, 'STUDENT_LOGIN_RATE', '20 per second;2 per 10 minutes')
    assert client.post('/api/v1/auth/login', json={'code': 'code-~alice~1'}).status_code == 200
    row = sa.select(Student.session_key, Student.last_login_at)
    before = db.session.execute(row).all()
    db.session.remove()
    refused = client.post('/api/v1/auth/login', json={'code': 'code-~alice~2'})
    assert refused.status_code == 429 and refused.json['code'] == 'rate_limited'
    assert refused.json['message'] == '操作太频繁，请稍后再试'
    assert db.session.execute(row).all() == before
    db.session.remove()
    assert client.post('/api/v1/auth/login', json={'code': 'code-~bob~1'}).status_code == 429
    assert db.session.scalars(sa.select(Student.openid)).all() == ['openid-alice']
    assert fake_wechat.count('/sns/jscode2session') == 2


def test_student_login_limits_hold_without_redis(app, test_environ, fake_wechat):
    """Where the limits are not kept in Redis (`make run` without a Redis URL counts in memory), the library counts
    each limit itself, in the same order, to the same answers."""
    from miniapp_backend import create_app

    settings = {'TESTING': True, 'RATELIMIT_STORAGE_URI': 'memory://', 'STUDENT_LOGIN_OPENID_RATE': '2 per minute'}
    in_memory = create_app(settings, environ=test_environ)
    with in_memory.app_context():
        client = in_memory.test_client()
        codes = [client.post('/api/v1/auth/login', json={'code': f'code-~carl~{n}'}).status_code for n in range(3)]
        replayed = [client.post('/api/v1/auth/login', json={'code': 'code-replayed'}).status_code for _ in range(7)]
        db.session.remove()
    assert codes == [200, 200, 429]
    assert replayed == [200, 401, 401, 401, 401, 429, 429]


def test_student_login_limits_fail_open_when_redis_is_down(app, test_environ, fake_wechat):
    """The address, code and openid limits live in Redis; without Redis a login still works."""
    from miniapp_backend import create_app

    down = create_app({'TESTING': True}, environ={**test_environ, 'REDIS_URL': 'redis://127.0.0.1:1/0'})
    with down.app_context():
        started = time.perf_counter()
        response = down.test_client().post('/api/v1/auth/login', json={'code': 'code-redis-down'})
        assert response.status_code == 200 and response.json['token']
        assert time.perf_counter() - started < 5
        db.session.remove()


def test_limits_fail_open_when_redis_is_down(app, test_environ, create_reviewer, zone):
    from miniapp_backend import create_app

    create_reviewer('centre')
    down = create_app({'TESTING': True}, environ={**test_environ, 'REDIS_URL': 'redis://127.0.0.1:1/0'})
    with down.app_context():
        client = down.test_client()
        started = time.perf_counter()
        assert _form_login(client, 'centre', 'review-pass-1').status_code == 302
        assert time.perf_counter() - started < 5
        db.session.remove()
