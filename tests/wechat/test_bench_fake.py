"""The bench's fake WeChat answers message/subscribe/send outside Flask: it must keep the rules it stands for."""

from __future__ import annotations

import time

import pytest
from werkzeug.test import Client

from bench import fake_wechat

SEND = '/cgi-bin/message/subscribe/send'
MESSAGE = {'touser': 'openid-a', 'template_id': 'tpl-paid', 'data': {'thing1': {'value': '宣城市'}}}


@pytest.fixture
def client():
    fake_wechat.fake.reset()
    return Client(fake_wechat.app)


def _token(client) -> str:
    body = {'grant_type': 'client_credential', 'appid': 'wx', 'secret': fake_wechat.fake.secret}
    return client.post('/cgi-bin/stable_token', json=body).json['access_token']


@pytest.mark.parametrize(
    ('message', 'errcode'),
    [
        (MESSAGE, 0),
        ({**MESSAGE, 'touser': ''}, 47003),
        ({**MESSAGE, 'data': {'thing1': {'value': '一' * 21}}}, 47003),
        ({**MESSAGE, 'data': {'phrase2': {'value': 'approved'}}}, 47003),
        ({**MESSAGE, 'data': {'thing1': {'value': ''}}}, 47003),
        (['not', 'an', 'object'], 47003),
    ],
)
def test_send_checks_the_message(client, message, errcode):
    answer = client.post(SEND, query_string={'access_token': _token(client)}, json=message).json
    assert answer['errcode'] == errcode
    assert fake_wechat.fake.messages == ([message] if errcode == 0 else [])


def test_send_checks_the_token(client):
    token = _token(client)
    assert client.post(SEND, query_string={'access_token': 'forged'}, json=MESSAGE).json['errcode'] == 40001
    fake_wechat.fake.expire_tokens()
    assert client.post(SEND, query_string={'access_token': token}, json=MESSAGE).json['errcode'] == 42001
    assert client.post(SEND, json=MESSAGE).json['errcode'] == 40001
    assert fake_wechat.fake.messages == []


def test_other_paths_go_to_the_flask_fake(client):
    assert client.get('/sns/jscode2session', query_string={'js_code': 'code-x', 'secret': 'wrong'}).json == {
        'errcode': 40125,
        'errmsg': 'invalid appsecret',
    }


def test_a_send_takes_the_time_it_is_given(client, monkeypatch):
    """The drain's scaling run gives each send WeChat's own wait (BENCH_WECHAT_SEND_MS); the answer is unchanged."""
    token = _token(client)
    monkeypatch.setattr(fake_wechat, 'SEND_SECONDS', 0.2)
    started = time.monotonic()
    answer = client.post(SEND, query_string={'access_token': token}, json=MESSAGE).json
    assert time.monotonic() - started >= 0.2
    assert answer['errcode'] == 0
    assert fake_wechat.fake.messages == [MESSAGE]
