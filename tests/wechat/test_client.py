"""The WeChat client over real HTTP to the fake server, with the token shared in Redis."""

from __future__ import annotations

import cProfile
import pstats
import subprocess
import sys
import textwrap

import pytest

from miniapp_backend import wechat
from miniapp_backend.wechat import client as wechat_client
from miniapp_backend.wechat.values import fit_value

PHONE = '/wxa/business/getuserphonenumber'
SEND = '/cgi-bin/message/subscribe/send'
TOKEN = '/cgi-bin/stable_token'


def _send():
    wechat.send_subscribe_message(
        'openid-a', 'tpl-approved', {'thing1': '宣城市', 'phrase2': '审核通过'}, 'pages/payment/payment'
    )


def test_login_fetches_no_access_token(app, fake_wechat):
    session = wechat.code_to_session('code-abc')
    assert session.openid == 'openid-abc' and session.session_key
    assert fake_wechat.count(TOKEN) == 0 and fake_wechat.count('/cgi-bin/token') == 0


def test_a_login_code_reaches_wechat_as_sent(app, fake_wechat):
    """The code is the last value of the query, encoded: characters that mean something in a URL stay in it."""
    assert wechat.code_to_session('code-~a b&c=d/é?~1').openid == 'openid-a b&c=d/é?'
    assert wechat.code_to_session('code-~a b&c=d/é?~2').openid == 'openid-a b&c=d/é?'


def test_a_login_code_exchange_stays_within_its_python_calls(app, fake_wechat):
    """One jscode2session call (the fake answers in another thread, not profiled): about 880 Python calls through
    the pool manager with the query encoded each time, about 700 on the host's own pool with the query's start
    encoded once."""
    wechat.code_to_session('code-warm')
    profile = cProfile.Profile()
    session = profile.runcall(wechat.code_to_session, 'code-counted')
    assert session.openid == 'openid-counted' and pstats.Stats(profile).total_calls <= 760


def test_through_a_plain_http_proxy_each_call_goes_with_its_whole_url(app, fake_wechat, monkeypatch):
    """Behind a plain-HTTP proxy the login, the token and the message go to the proxy as absolute URLs. The fake
    WeChat stands as the proxy of a host no resolver knows and, as a proxy does, takes the host an absolute URL names
    as the request's Host; a bare path sent to the proxy would arrive with the proxy's own address as its Host."""
    monkeypatch.setattr(wechat_client, '_pools', {})  # the proxy's pool is this test's only
    for name in ('HTTP_PROXY', 'NO_PROXY', 'no_proxy'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('http_proxy', fake_wechat.url)
    monkeypatch.setitem(app.config, 'WECHAT_API_BASE', 'http://wechat.invalid')
    try:
        assert wechat.code_to_session('code-proxied').openid == 'openid-proxied'
        _send()
    finally:
        wechat._jscode2session.cache_clear()  # its cached endpoint holds the proxy's pool
    hosts = [(item['path'], item['headers'].get('Host')) for item in fake_wechat.requests]
    assert hosts == [
        ('/sns/jscode2session', 'wechat.invalid'),
        (TOKEN, 'wechat.invalid'),
        (SEND, 'wechat.invalid'),
    ], hosts
    assert len(fake_wechat.messages) == 1


@pytest.mark.parametrize('code', ['bad', 'invalid'])
def test_invalid_login_code(app, fake_wechat, code):
    with pytest.raises(wechat.InvalidCode):
        wechat.code_to_session(code)


@pytest.mark.parametrize(('setting', 'value'), [('WECHAT_SECRET', 'wrong-secret'), ('WECHAT_APPID', '')])
def test_login_with_wrong_credentials_is_refused(app, fake_wechat, monkeypatch, setting, value):
    monkeypatch.setitem(app.config, setting, value)
    with pytest.raises(wechat.WeChatError) as refused:
        wechat.code_to_session('code-credentials')
    assert refused.value.errcode == (40125 if setting == 'WECHAT_SECRET' else 40013)


def test_reused_login_code(app, fake_wechat):
    wechat.code_to_session('code-once')
    with pytest.raises(wechat.InvalidCode):
        wechat.code_to_session('code-once')


def test_phone_number(app, fake_wechat):
    assert wechat.get_phone_number('phone-13912345205') == '13912345205'
    assert fake_wechat.requests[-1]['json'] == {'code': 'phone-13912345205'}


def test_send_sets_state_and_language(app, fake_wechat):
    _send()
    (message,) = fake_wechat.messages
    assert (message['miniprogram_state'], message['lang'], message['page']) == (
        'formal',
        'zh_CN',
        'pages/payment/payment',
    )
    assert message['data'] == {'thing1': {'value': '宣城市'}, 'phrase2': {'value': '审核通过'}}


def test_token_is_reused_from_redis_by_a_new_client(app, fake_wechat):
    _send()
    _send()
    assert fake_wechat.count(TOKEN) == 1


def test_rejected_token_is_refreshed_once(app, fake_wechat):
    _send()
    fake_wechat.expire_tokens()
    _send()
    assert fake_wechat.count(SEND) == 3 and fake_wechat.count(TOKEN) == 2 and len(fake_wechat.messages) == 2


def test_token_refused_forever_stops_after_one_retry(app, fake_wechat):
    fake_wechat.script(SEND, [{'errcode': 40001}] * 50)
    with pytest.raises(wechat.TokenRejected):
        _send()
    assert fake_wechat.count(SEND) == 2 and fake_wechat.count(TOKEN) == 2


@pytest.mark.parametrize(
    ('fault', 'error'),
    [
        ({'errcode': 43101}, wechat.NoQuota),
        ({'errcode': 45009}, wechat.RateLimited),
        ({'errcode': 47003}, wechat.BadMessage),
        ({'status': 500}, wechat.DeliveryUnknown),
        ({'delay': 3.0}, wechat.DeliveryUnknown),
        ({'errcode': -1}, wechat.WeChatUnavailable),
    ],
)
def test_failures_are_sorted(app, fake_wechat, fault, error):
    fake_wechat.script(SEND, [fault])
    with pytest.raises(error):
        _send()
    assert fake_wechat.count(SEND) == 1


def test_two_processes_needing_a_token_make_one_request(app, fake_wechat, test_environ):
    script = textwrap.dedent("""
        import sys
        from miniapp_backend import create_app, wechat
        app = create_app(environ=dict(__import__('json').loads(sys.argv[1])))
        with app.app_context():
            sys.stdin.readline()
            wechat.get_client().access_token
    """)
    import json

    env_json = json.dumps(test_environ)
    fake_wechat.script(TOKEN, [{'delay': 0.5}])
    procs = [subprocess.Popen([sys.executable, '-c', script, env_json], stdin=subprocess.PIPE) for _ in range(2)]
    for proc in procs:
        proc.stdin.write(b'go\n')
        proc.stdin.flush()
    assert [proc.wait(timeout=30) for proc in procs] == [0, 0]
    assert fake_wechat.count(TOKEN) == 1


@pytest.mark.parametrize(
    ('key', 'value', 'expected'),
    [
        (
            'thing1',
            '宣城市医疗保障局城乡居民基本医疗保险参保登记审核结果通知',
            '宣城市医疗保障局城乡居民基本医疗保险参…',
        ),
        ('phrase2', '审核通过了', '审核通过了'),
        ('phrase2', 'approved 通过', '通过'),
        ('phrase3', 'ok', '已更新'),
        ('character_string3', 'R00000012 / 2027', 'R00000012/2027'),
        ('amount4', '400.00元', '400.00元'),
        ('thing5', '', '—'),
        ('thing6', '第一行\n第二行', '第一行 第二行'),
        ('name7', '欧阳娜娜欧阳娜娜欧阳娜娜', '欧阳娜娜欧阳娜娜欧阳'),
    ],
)
def test_values_fit_wechat_rules(key, value, expected):
    assert fit_value(key, value) == expected
