"""The OpenAPI document: exported for the mini-program's contract test, and fuzzed by schemathesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

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
