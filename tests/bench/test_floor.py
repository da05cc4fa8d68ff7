"""bench/floor.py, the login's and create + submit's round trips without the app: it must send what the app's
requests send (and answer what the bench's wrk scripts read), or the floor it prints is not theirs."""

from __future__ import annotations

import importlib
import re

import psycopg
import pytest
from werkzeug.test import Client

from tests.redis_round_trips import RoundTrips


@pytest.fixture
def floor(test_environ, fake_wechat, monkeypatch):
    for name, value in test_environ.items():
        monkeypatch.setenv(name, value)
    from bench import floor

    floor = importlib.reload(floor)  # its clients are made from the environment on import
    client = Client(floor.app)
    assert client.get('/').status_code == 200
    # Connections opened and the script loaded, as in a running server: what is counted next is per request.
    assert client.post('/api/v1/auth/login', json={'code': 'code-floor-warm'}).status_code == 200
    yield client
    with psycopg.connect(floor._DATABASE, autocommit=True) as connection:
        connection.execute('DROP TABLE floor_students, floor_registrations')


def test_a_floor_login_asks_wechat_once_and_counts_twice_in_redis(floor, fake_wechat, monkeypatch):
    redis = RoundTrips(monkeypatch)
    answer = floor.post('/api/v1/auth/login', json={'code': 'code-~ann~1'})
    assert answer.status_code == 200 and answer.json['token'].startswith(f'{answer.json["student"]["id"]}.')
    assert [request['query']['js_code'] for request in fake_wechat.requests][1:] == ['code-~ann~1']
    assert redis.commands == [['EVALSHA'], ['EVALSHA']]
    returning = floor.post('/api/v1/auth/login', json={'code': 'code-~ann~2'})  # the same openid: the same row
    assert returning.json['student'] == answer.json['student']


def test_a_floor_pair_answers_what_the_bench_script_reads(floor, monkeypatch):
    token = floor.post('/api/v1/auth/login', json={'code': 'code-floor-bob'}).json['token']
    headers = {'Authorization': f'Bearer {token}'}
    redis = RoundTrips(monkeypatch)
    created = floor.post('/api/v1/registrations', json={'name': '张三', 'student_no': '42'}, headers=headers)
    assert created.status_code == 201
    text = created.get_data(as_text=True)
    registration = re.search(r'"id":\s*(\d+)', text).group(1)  # as the wrk script reads it
    assert re.search(r'"student_no":\s*"(\d+)"', text).group(1) == '42'
    submitted = floor.post(f'/api/v1/registrations/{registration}/submit', headers=headers)
    assert submitted.status_code == 200 and submitted.json == {
        'id': int(registration),
        'status': 'submitted',
        'student_no': '42',
    }
    assert redis.commands == [['INCRBY'], ['INCRBY', 'SET']]


def test_a_floor_token_is_checked(floor):
    token = floor.post('/api/v1/auth/login', json={'code': 'code-floor-eve'}).json['token']
    forged = token.split('.')[0] + '.' + '0' * 64
    refused = floor.post('/api/v1/registrations', json={}, headers={'Authorization': f'Bearer {forged}'})
    assert refused.status_code == 401
    other = floor.post('/api/v1/registrations', json={'student_no': '1'}, headers={'Authorization': f'Bearer {token}'})
    assert other.status_code == 201
    stranger = floor.post(f'/api/v1/registrations/{other.json["id"]}/submit', headers={'Authorization': 'Bearer 9.x'})
    assert stranger.status_code == 401
