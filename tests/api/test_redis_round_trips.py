"""Round trips each login makes to Redis, counted where redis-py writes them: the rate limits counted at one
point of the request go together in one script; only a first login adds GET /me's generation bump."""

from __future__ import annotations

from limits import parse_many

from miniapp_backend.extensions import get_redis, limiter
from tests.redis_round_trips import RoundTrips


def _login(client, code):
    response = client.post('/api/v1/auth/login', json={'code': code})
    assert response.status_code == 200, response.json
    return response.json


def test_a_login_counts_its_limits_in_two_round_trips(client, app, fake_wechat, monkeypatch):
    """The address's two limits (the default setting) and the code's in one script before WeChat is asked, the
    openid's in one after; a first login then marks the new student's answer stale, a returning one does not."""
    assert app.config['STUDENT_LOGIN_RATE'] == '20 per second;600 per 10 minutes'
    _login(client, 'code-~warm~1')  # the server learns the script once; afterwards EVALSHA finds it
    trips = RoundTrips(monkeypatch)
    first = _login(client, 'code-~amy~1')
    new_student = trips.commands
    del trips.sent[:]
    again = _login(client, 'code-~amy~2')
    assert again['student']['id'] == first['student']['id']
    assert trips.commands == [['EVALSHA'], ['EVALSHA']], trips.commands
    before_wechat, after_wechat = trips.sent
    assert b'STUDENT_LOGIN_RATE' in before_wechat and b'STUDENT_LOGIN_CODE_RATE' in before_wechat
    assert before_wechat.count(b'LIMITER/') == 3  # both of the address's limits and the code's
    assert b'STUDENT_LOGIN_OPENID_RATE' in after_wechat and b'openid-amy' in after_wechat
    assert new_student == [['EVALSHA'], ['EVALSHA'], ['INCRBY']], new_student


def test_the_counts_are_the_limits_librarys_own(client, app, fake_wechat):
    """Counted by the script, read back by the `limits` library (the strategy Flask-Limiter uses) under the same
    keys: each window counts every login and expires a window after its first."""
    prefix = app.config['RATELIMIT_KEY_PREFIX']
    for n in range(3):
        _login(client, f'code-~amy~{n}')
    strategy = limiter.limiter
    per_second, per_ten_minutes = parse_many(app.config['STUDENT_LOGIN_RATE'])
    openid_limit = parse_many(app.config['STUDENT_LOGIN_OPENID_RATE'])[0]
    code_limit = parse_many(app.config['STUDENT_LOGIN_CODE_RATE'])[0]
    address = (prefix, 'STUDENT_LOGIN_RATE', '127.0.0.1')
    assert strategy.get_window_stats(per_ten_minutes, *address).remaining == per_ten_minutes.amount - 3
    assert strategy.get_window_stats(openid_limit, prefix, 'STUDENT_LOGIN_OPENID_RATE', 'openid-amy').remaining == (
        openid_limit.amount - 3
    )
    code = (prefix, 'STUDENT_LOGIN_CODE_RATE', 'code-~amy~0')
    assert strategy.get_window_stats(code_limit, *code).remaining == code_limit.amount - 1
    ttl = get_redis().ttl(strategy.storage.prefixed_key(per_ten_minutes.key_for(*address)))
    assert 590 < ttl <= 600
    assert 0 < get_redis().ttl(strategy.storage.prefixed_key(per_second.key_for(*address))) <= 1
