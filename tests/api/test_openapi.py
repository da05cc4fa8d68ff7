"""The OpenAPI document: exported for the mini-program's contract test, and fuzzed by schemathesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from miniapp_backend.api.docs import DESCRIPTIONS
from miniapp_backend.demo import seed_demo
from miniapp_backend.extensions import db
from tests.api.conftest import StudentClient

BUILD = Path(__file__).resolve().parents[2] / 'build'


def test_openapi_is_served_and_exported(client):
    response = client.get('/api/v1/openapi.json')
    assert response.status_code == 200
    spec = response.json
    for path in (
        '/api/v1/auth/login',
        '/api/v1/me',
        '/api/v1/registrations/{registration_id}/submit',
        '/api/v1/certificates/verify/{token}',
    ):
        assert path in spec['paths']
    BUILD.mkdir(exist_ok=True)
    (BUILD / 'openapi.json').write_text(json.dumps(spec, ensure_ascii=False, indent=1))


ERROR = {'$ref': '#/components/schemas/Error'}


@pytest.mark.parametrize(
    ('path', 'answers'),
    [
        (
            '/api/v1/auth/login',
            {'200': 'LoginResult', '400': 'Error', '401': 'Error', '422': 'Error', '429': 'Error', '503': 'Error'},
        ),
        (
            '/api/v1/registrations',
            {'201': 'Registration', '401': 'Error', '409': 'Error', '422': 'Error', '429': 'Error'},
        ),
        (
            '/api/v1/registrations/{registration_id}/submit',
            {'200': 'Registration', '401': 'Error', '404': 'Error', '409': 'Error', '422': 'Error', '429': 'Error'},
        ),
    ],
)
def test_the_document_names_each_error_answer_of_login_create_and_submit(client, path, answers):
    """`docs.errors` writes the error answers into the document itself (no alt_response): none may go missing."""
    responses = client.get('/api/v1/openapi.json').json['paths'][path]['post']['responses']
    schemas = {status: answer['content']['application/json']['schema'] for status, answer in responses.items()}
    assert schemas == {status: {'$ref': f'#/components/schemas/{name}'} for status, name in answers.items()}
    assert all(
        responses[status]['description'] == DESCRIPTIONS[int(status)]
        for status in responses
        if schemas[status] == ERROR
    )


def test_the_document_asks_a_bearer_token_of_create_and_submit_not_of_login(client):
    """`docs.doc` writes `security` into the document itself (no blp.doc wrapper)."""
    paths = client.get('/api/v1/openapi.json').json['paths']
    for path in ('/api/v1/registrations', '/api/v1/registrations/{registration_id}/submit'):
        assert paths[path]['post']['security'] == [{'bearer': []}]
    assert 'security' not in paths['/api/v1/auth/login']['post']


@pytest.fixture
def fuzz_target(app, client, fake_wechat):
    seed_demo()
    db.session.commit()
    student = StudentClient(client, 'fuzz')
    student.put('/me/zone', json={'zone_code': '341800'})
    return app, student.token


CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
]


def test_schemathesis_finds_no_server_errors_or_schema_breaks(fuzz_target):
    """Every operation, bounded examples, with a valid token: no 5xx, every answer documented and in schema."""
    app, token = fuzz_target
    schema = schemathesis.openapi.from_wsgi('/api/v1/openapi.json', app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 23
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers={'Authorization': f'Bearer {token}'}, checks=CHECKS)

        run()
