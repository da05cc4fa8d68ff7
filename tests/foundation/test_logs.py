"""Logs: JSON lines with the request id; ID numbers, phones and names masked in messages and tracebacks; no SQL
parameters ever."""

from __future__ import annotations

import io
import json
import logging

import pytest
import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.logs import JsonFormatter
from tests.factories import make_id_number

ID = make_id_number()


@pytest.fixture
def captured(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger('miniapp_backend.test')
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_personal_data_is_masked_in_any_message(captured):
    logger, stream = captured
    logger.info('registration of %s, phone %s, name=%s, {"name": "张晓雨"}', ID, '13912345205', '王小明')
    entry = _lines(stream)[0]
    assert ID not in entry['message'] and ID[:6] + '********' + ID[-4:] in entry['message']
    assert '13912345205' not in entry['message'] and '139****5205' in entry['message']
    assert '王小明' not in entry['message'] and '张晓雨' not in entry['message'] and 'name=王**' in entry['message']
    assert entry['level'] == 'INFO' and entry['logger'] == 'miniapp_backend.test'


def test_a_failed_insert_logs_no_parameters_and_no_personal_data(app, captured, zone, student):
    logger, stream = captured
    try:  # a NOT NULL refusal: PostgreSQL's detail repeats the whole row, plain values included
        db.session.execute(
            sa.text('INSERT INTO students (openid, phone, created_at) VALUES (:openid, :phone, NULL)'),
            {'openid': f'{ID} 张晓雨', 'phone': '13912345205'},
        )
    except sa.exc.DBAPIError:
        logger.exception('saving %s failed', ID)
        db.session.rollback()
    entry = _lines(stream)[0]
    text = entry['message'] + entry['exception']
    assert 'Traceback' in entry['exception'] and 'Failing row contains (…)' in text
    assert 'SQL parameters hidden' in text  # hide_parameters=True: the engine never puts them in the error
    assert ID not in text and '13912345205' not in text and '张晓雨' not in text


def test_each_request_has_an_id_in_its_answer_and_its_logs(app, client, fake_wechat):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger('miniapp_backend').addHandler(handler)
    try:
        response = client.post(
            '/api/v1/auth/login', json={'code': 'not-a-code'}, headers={'X-Request-Id': 'req-12345678'}
        )
    finally:
        logging.getLogger('miniapp_backend').removeHandler(handler)
    assert response.status_code == 401 and response.headers['X-Request-Id'] == 'req-12345678'
    assert [entry['request_id'] for entry in _lines(stream)] == ['req-12345678']
    generated = client.get('/healthz').headers['X-Request-Id']
    assert len(generated) == 32
    assert client.get('/healthz', headers={'X-Request-Id': 'bad id;<x>'}).headers['X-Request-Id'] != 'bad id;<x>'
