"""The floor: login's and create + submit's round trips from a bare Flask app, nothing of ours around them.

Each endpoint sends what the app's sends, through the same client libraries and gunicorn settings: login two Redis
scripts (the rate limits), one jscode2session GET on a keep-alive urllib3 pool and one upsert; create and submit
each a read and a write to PostgreSQL (prepared, autocommit, a connection per thread) and one Redis round trip
after. No validation, no ORM, no rules, a token that is one HMAC. Its tables have no index beyond their keys, so
PostgreSQL's share is a lower bound too. What a request costs here is what any Flask app on this stack pays for
the same round trips: the app's figure beside it is the part that is ours.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from urllib.parse import urlencode, urlsplit

import psycopg
import redis
import urllib3
from flask import Flask, abort, jsonify, request

app = Flask(__name__)
#: Every worker signs with the same key (each imports this module after gunicorn forks it).
_KEY = hashlib.sha256(os.environ.get('SECRET_KEY', 'floor').encode()).digest()
_DATABASE = os.environ.get('DATABASE_URL', '').replace('postgresql+psycopg://', 'postgresql://')
_redis = redis.Redis.from_url(os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/15'))
_count = _redis.register_script("local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], 60) return n")
_wechat = urlsplit(os.environ.get('WECHAT_API_BASE', 'http://127.0.0.1:1'))
_http = urllib3.HTTPConnectionPool(_wechat.hostname, _wechat.port, maxsize=16, retries=False)
_CREDENTIALS = {name: os.environ.get(f'WECHAT_{name.upper()}', f'wx-dev-{name}') for name in ('appid', 'secret')}
_local = threading.local()
TABLES = """
CREATE TABLE IF NOT EXISTS floor_students (id bigserial PRIMARY KEY, openid text UNIQUE, session_key text,
                                           last_login_at timestamptz);
CREATE TABLE IF NOT EXISTS floor_registrations (id bigserial PRIMARY KEY, student text, status text, fields jsonb,
                                                updated_at timestamptz)
"""


def _connection() -> psycopg.Connection:
    if getattr(_local, 'connection', None) is None:
        _local.connection = psycopg.connect(_DATABASE, autocommit=True)
    return _local.connection


def token(student: str) -> str:
    return f'{student}.{hmac.new(_KEY, student.encode(), hashlib.sha256).hexdigest()}'


def _student() -> str:
    student, _, signature = request.headers.get('Authorization', '')[7:].partition('.')
    if not hmac.compare_digest(token(student), f'{student}.{signature}'):
        abort(401)
    return student


@app.get('/')
def ready():
    with _connection().cursor() as cursor:
        cursor.execute(TABLES)
    return 'ok'


@app.post('/api/v1/auth/login')
def login():
    code = request.get_json()['code']
    _count(keys=[f'floor:address:{request.remote_addr}'])
    query = urlencode({**_CREDENTIALS, 'js_code': code, 'grant_type': 'authorization_code'})
    session = json.loads(_http.request('GET', f'/sns/jscode2session?{query}').data)
    _count(keys=[f'floor:openid:{session["openid"]}'])
    (student_id,) = (
        _connection()
        .execute(
            'INSERT INTO floor_students (openid, session_key, last_login_at) VALUES (%s, %s, now()) '
            'ON CONFLICT (openid) DO UPDATE SET session_key = excluded.session_key, last_login_at = now() RETURNING id',
            (session['openid'], session['session_key']),
            prepare=True,
        )
        .fetchone()
    )
    return jsonify(token=token(str(student_id)), student={'id': student_id})


@app.post('/api/v1/registrations')
def create():
    student, fields = _student(), request.get_json()
    connection = _connection()
    connection.execute('SELECT now() > %s::timestamptz', ('2000-01-01',), prepare=True).fetchone()
    (registration_id,) = connection.execute(
        "INSERT INTO floor_registrations (student, status, fields, updated_at) VALUES (%s, 'draft', %s, now()) "
        'RETURNING id',
        (student, json.dumps(fields, ensure_ascii=False)),
        prepare=True,
    ).fetchone()
    _redis.incr(f'floor:me:{student}')
    return jsonify(id=registration_id, status='draft', student_no=fields.get('student_no')), 201


@app.post('/api/v1/registrations/<int:registration_id>/submit')
def submit(registration_id: int):
    student, connection = _student(), _connection()
    row = connection.execute(
        'SELECT fields, updated_at FROM floor_registrations WHERE id = %s AND student = %s',
        (registration_id, student),
        prepare=True,
    ).fetchone()
    if row is None:
        abort(404)
    connection.execute(
        "UPDATE floor_registrations SET status = 'submitted', updated_at = now() "
        "WHERE id = %s AND status = 'draft' AND updated_at = %s RETURNING id",
        (registration_id, row[1]),
        prepare=True,
    ).fetchone()
    with _redis.pipeline(transaction=False) as pipeline:
        pipeline.incr(f'floor:me:{student}').set('floor:drain', 1, nx=True, ex=60).execute()
    return jsonify(id=registration_id, status='submitted', student_no=row[0].get('student_no'))
