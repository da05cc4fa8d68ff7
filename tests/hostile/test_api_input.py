"""Hostile bodies, paths and queries against every API operation: no 5xx, and a refused request changes nothing."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.exceptions import HTTPException

from miniapp_backend.demo import seed_demo
from miniapp_backend.extensions import db
from miniapp_backend.inputs import MAX_JSON_DEPTH, TEXT_MESSAGE, unstorable_strings
from tests.api.conftest import StudentClient
from tests.factories import make_id_number, registration_fields
from tests.hostile.conftest import send
from tests.hostile.values import HUGE_INTS, deep_json, dump, hostile_value, row_counts

#: A valid body per operation, so that one hostile field decides the answer.
BASES = {
    ('post', '/api/v1/auth/login'): {'code': 'code-hostile-1'},
    ('put', '/api/v1/me/zone'): {'zone_code': '341800'},
    ('post', '/api/v1/me/phone'): {'code': 'phone-code-1'},
    ('post', '/api/v1/subscriptions'): {'accepted': ['tpl-approved']},
    ('post', '/api/v1/registrations'): registration_fields(id_number=make_id_number(9001)),
    ('patch', '/api/v1/registrations/{registration_id}'): {'college': '计算机与信息学院'},
    ('post', '/api/v1/renewals'): {'zone_code': '341800', 'id_type': 'resident_id', 'id_number': make_id_number(9002)},
    ('post', '/api/v1/suspensions'): {
        'origin_zone_code': '340400',
        'reason': '在学籍地参保',
        'suspend_from': '2026-12-01',
        'consent': True,
    },
}


@pytest.fixture
def target(app, client, fake_wechat):
    seed_demo()
    db.session.commit()
    student = StudentClient(client, 'hostile')
    assert student.put('/me/zone', json={'zone_code': '341800'}).status_code == 200
    created = student.post('/registrations', json=registration_fields(id_number=make_id_number(9003)))
    assert created.status_code == 201, created.json
    suspension = student.post(
        '/suspensions', json={**BASES[('post', '/api/v1/suspensions')], 'origin_zone_code': '340401'}
    )
    params = {
        'registration_id': str(created.json['id']),
        'suspension_id': str(suspension.json.get('id', 1)),
        'payment_id': '1',
        'code': '341800',
        'token': 'not-a-token',
    }
    spec = client.get('/api/v1/openapi.json').json
    operations = []
    for template, item in spec['paths'].items():
        for method, operation in item.items():
            if method in ('get', 'post', 'put', 'patch', 'delete'):
                operations.append((method, template, operation))
    assert len(operations) >= 20
    return student, params, operations


def _path(template: str, params: dict, override: dict | None = None) -> str:
    values = {**params, **(override or {})}
    return re.sub(r'\{(\w+)\}', lambda m: values[m.group(1)], template)


def _json_props(operation) -> list[str]:
    content = (operation.get('requestBody') or {}).get('content', {})
    schema = content.get('application/json', {}).get('schema')
    return list(schema_props(schema)) if schema else []


def schema_props(schema, spec=None):
    if '$ref' in schema:
        return SCHEMA_CACHE[schema['$ref'].rsplit('/', 1)[-1]]
    return schema.get('properties', {})


SCHEMA_CACHE: dict = {}


def _body_operations(client, operations):
    spec = client.get('/api/v1/openapi.json').json
    SCHEMA_CACHE.update({name: schema.get('properties', {}) for name, schema in spec['components']['schemas'].items()})
    return [(method, template, _json_props(op)) for method, template, op in operations if _json_props(op)]


def test_hostile_json_fields_never_answer_5xx_or_persist(target, client, outcome):
    student, params, operations = target
    body_ops = _body_operations(client, operations)
    assert len(body_ops) >= 7

    @given(data=st.data())
    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(data):
        method, template, props = data.draw(st.sampled_from(body_ops))
        base = dict(BASES.get((method, template), {}))
        field = data.draw(st.sampled_from(props))
        base[field] = data.draw(hostile_value(base.get(field)))
        send(
            client,
            db,
            outcome,
            field,
            method,
            _path(template, params),
            row_counts,
            data=dump(base),
            headers={**student.auth_headers(), 'Content-Type': 'application/json'},
        )

    run()
    outcome.check()


def test_hostile_whole_bodies(target, client, outcome):
    """Deep nesting, an enormous body, invalid UTF-8, a bare token: refused with 400/413/422."""
    student, params, operations = target
    bodies = [
        deep_json(100_000),
        deep_json(2_000),
        '[' * 50_000,
        '{"code": "' + 'x' * 3_000_000 + '"}',
        b'{"code": "\xff\xfe"}',
        'NaN',
        '"\\ud800"',
        '[]',
        'null',
        '1e999',
        '{"code": "\\u0000"}',
    ]
    for method, template, _ in _body_operations(client, operations):
        for body in bodies:
            response = send(
                client,
                db,
                outcome,
                'body',
                method,
                _path(template, params),
                row_counts,
                data=body,
                headers={**student.auth_headers(), 'Content-Type': 'application/json'},
            )
            if response is not None:
                assert response.status_code in (400, 401, 404, 409, 413, 415, 422, 429), (
                    template,
                    response.status_code,
                )
    outcome.check()


def test_hostile_path_and_query_values(target, client, outcome):
    student, params, operations = target
    bad = [str(n) for n in HUGE_INTS] + ['9' * 40, '%00', '%ED%A0%80', '1%0A', '%EF%BC%91', 'x' * 5000]
    for method, template, operation in operations:
        names = re.findall(r'\{(\w+)\}', template)
        for name in names:
            for value in bad:
                send(
                    client,
                    db,
                    outcome,
                    name,
                    method,
                    _path(template, params, {name: value}),
                    row_counts,
                    headers=student.auth_headers(),
                    json=BASES.get((method, template)),
                )
        for value in bad:
            query = '&'.join(f'{p["name"]}={value}' for p in operation.get('parameters', []) if p.get('in') == 'query')
            query = query or f'page={value}&limit={value}'
            send(
                client,
                db,
                outcome,
                'query',
                method,
                _path(template, params) + '?' + query,
                row_counts,
                headers=student.auth_headers(),
                json=BASES.get((method, template)),
            )
    outcome.check()


#: Any character, surrogates included, with the ones that matter here often.
_CHARACTERS = st.characters(exclude_categories=()) | st.sampled_from(
    '\x00\x08\x0b\x0c\x1f\x7f\u202e\u2066\ud800\udfff\\"\n\tbfu中'
)
#: Any JSON value: strings of those characters, in containers a few levels deep.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(_CHARACTERS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(_CHARACTERS, max_size=3), inner, max_size=3),
    max_leaves=6,
)


@pytest.mark.parametrize(
    ('body', 'named'),
    [
        (r'{"\ud800": 1}', r'\ud800'),
        (r'{"code": "c", "x": {"\udfff": 1}}', r'x.\udfff'),
        (r'{"x": [{"a\ud83d": 1}]}', r'x.0.a\ud83d'),
        (r'{"\u0000": 1}', r'\u0000'),
    ],
)
def test_a_key_no_column_could_hold_is_named_in_an_answer_that_can_be_sent(app, body, named):
    """Even before login: the refusal names the key with its bad characters written as escapes."""
    response = app.test_client().post('/api/v1/auth/login', data=body, content_type='application/json')
    assert response.status_code == 422
    assert response.json['errors'] == {named: [TEXT_MESSAGE]}


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=JSON_VALUES, escaped=st.booleans(), nested=st.integers(0, MAX_JSON_DEPTH + 1))
def test_the_json_gate_refuses_exactly_the_bodies_no_column_could_hold(app, value, escaped, nested):
    """However a body spells its strings (\\u escapes, \\b, raw DEL, raw CJK) and however deep it nests, the gate
    refuses text that is not UTF-8 (400), a body nested too deep (400) and a string no column can hold, naming its
    path (422), and lets everything else through: it walks the parsed body only when the text could hold such a
    string, and scans the nesting only when the text has enough brackets to nest too deep."""
    for _ in range(nested):
        value = [value]
    text = json.dumps(value, ensure_ascii=escaped)
    if not escaped and re.search('[\ud800-\udfff]', text):
        expected = ('body', '请求内容不是有效的UTF-8')
    elif _depth(value) > MAX_JSON_DEPTH:
        expected = ('body', f'JSON嵌套不能超过{MAX_JSON_DEPTH}层')
    elif unstorable_strings(value) is not None:
        expected = (unstorable_strings(value), TEXT_MESSAGE)
    else:
        expected = None
    body = text.encode('utf-8', 'surrogatepass')
    with app.test_request_context('/api/v1/me/zone', method='PUT', data=body, content_type='application/json'):
        try:
            app.preprocess_request()
            refused = None
        except HTTPException as refusal:
            ((name, messages),) = refusal.data['messages']['json'].items()
            refused = (name, *messages)
    assert refused == expected, text
    # And through the whole request: the refusal is an answer that can be sent (it names a key's bad text).
    response = app.test_client().put('/api/v1/me/zone', data=body, content_type='application/json')
    assert response.status_code < 500, (text, response.status_code)
    if expected is not None:
        assert response.json['errors'] == {expected[0]: [expected[1]]}, text


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@pytest.mark.parametrize(
    'body', ['{"zone_code": "341800", "zone_code": "370200"}', '{"zone_code": "341800", "x": {"a": 1, "a": 2}}']
)
def test_a_key_given_twice_is_refused_not_read_as_its_last_value(client, fake_wechat, body):
    student = StudentClient(client, 'twice')
    answer = student.client.put(
        '/api/v1/me/zone', data=body, content_type='application/json', headers=student.auth_headers()
    )
    assert answer.status_code == 400 and answer.json['errors'] == {'body': ['请求内容中有重复的字段名']}, answer.json
    assert student.get('/me').json['student']['zone_code'] is None


def test_a_list_item_is_named_alike_by_the_text_gate_and_by_the_schema(client, fake_wechat):
    """`accepted.1` whether the item is refused for a NUL (the gate, before any view) or for its type (the schema)."""
    student = StudentClient(client, 'list-items')
    for item in ('tpl\x00x', 5):
        answer = student.post('/subscriptions', json={'accepted': ['tpl-approved', item]})
        assert answer.status_code == 422, answer.json
        assert list(answer.json['errors']) == ['accepted.1'], answer.json
