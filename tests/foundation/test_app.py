"""Configuration, health check and operator commands."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from miniapp_backend import create_app
from miniapp_backend.config import ConfigError, load_config
from miniapp_backend.extensions import db
from miniapp_backend.models import Reviewer, School, Zone


def test_production_names_every_missing_secret(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_config(str(tmp_path), {'APP_ENV': 'production', 'DATABASE_URL': 'postgresql://x/y'})
    for name in ('SECRET_KEY', 'FIELD_ENCRYPTION_KEYS', 'BLIND_INDEX_KEY', 'SEAL_PRIVATE_KEY', 'REDIS_URL'):
        assert name in str(error.value)


def test_development_keys_are_kept_under_instance(tmp_path):
    first = load_config(str(tmp_path), {})
    second = load_config(str(tmp_path), {})
    assert first['FIELD_ENCRYPTION_KEYS'] == second['FIELD_ENCRYPTION_KEYS']
    assert first['SQLALCHEMY_DATABASE_URI'] == f'sqlite:///{tmp_path / "miniapp.db"}'
    assert (tmp_path / 'dev-secrets.json').stat().st_mode & 0o077 == 0


def test_postgres_urls_use_psycopg(tmp_path):
    config = load_config(str(tmp_path), {'DATABASE_URL': 'postgresql://u@h:5432/d'})
    assert config['SQLALCHEMY_DATABASE_URI'] == 'postgresql+psycopg://u@h:5432/d'


def test_healthz_reports_database_and_redis(client):
    response = client.get('/healthz')
    assert response.status_code == 200
    assert response.json == {'status': 'ok', 'database': 'ok', 'redis': 'ok'}


def test_healthz_names_the_failing_part(test_environ):
    app = create_app({'TESTING': True}, environ={**test_environ, 'REDIS_URL': 'redis://127.0.0.1:1/0'})
    response = app.test_client().get('/healthz')
    assert response.status_code == 503
    assert response.json['database'] == 'ok' and response.json['redis'].startswith('error')


def test_seed_demo_once_and_create_reviewer(app):
    runner = app.test_cli_runner()
    assert 'created' in runner.invoke(args=['seed-demo', '--no-schools']).output
    assert 'already present' in runner.invoke(args=['seed-demo']).output
    assert {z.code for z in db.session.query(Zone)} == {'341800', '530000', '370200'}
    assert db.session.query(School).count() == 6
    result = runner.invoke(
        args=[
            'create-reviewer',
            '--username',
            'fu',
            '--password',
            'counsel-2026',
            '--role',
            'counsellor',
            '--zone',
            '370200',
            '--school',
            '10423',
            '--college',
            '信息科学与工程学部',
            '--class',
            '计算机2023级1班',
        ]
    )
    assert result.exit_code == 0, result.output
    reviewer = db.session.query(Reviewer).filter_by(username='fu').one()
    assert (reviewer.role, reviewer.class_name, reviewer.school.code) == ('counsellor', '计算机2023级1班', '10423')
    taken = runner.invoke(
        args=[
            'create-reviewer',
            '--username',
            'fu',
            '--password',
            'other-pass-1',
            '--role',
            'centre_reviewer',
            '--zone',
            '341800',
        ]
    )
    assert taken.exit_code != 0 and "username 'fu' is taken" in taken.output
    assert db.session.query(Reviewer).filter_by(username='fu').one().role == 'counsellor'


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (['--role', 'counsellor', '--zone', '370200', '--school', '10423'], 'needs --college --class'),
        (['--role', 'centre_reviewer', '--zone', '999999'], 'no zone with code 999999'),
        (['--role', 'school_admin', '--zone', '370200', '--school', 'NOPE'], 'no school NOPE'),
    ],
)
def test_create_reviewer_refuses_a_bad_scope(app, args, message):
    runner = app.test_cli_runner()
    runner.invoke(args=['seed-demo', '--no-reviewer', '--no-schools'])
    result = runner.invoke(args=['create-reviewer', '--username', 'x', '--password', 'long-enough', *args])
    assert result.exit_code != 0 and message in result.output
    assert db.session.query(Reviewer).count() == 0


def _committed(sql: str):
    """What another connection sees: only what a unit of work committed."""
    with db.engine.connect() as conn:
        return conn.scalar(sa.text(sql))


def test_each_command_is_one_unit_of_work(app):
    """A command commits when it ends and rolls back when it fails, like a request or a job."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=['seed-demo', '--no-schools']).exit_code == 0
    assert not db.session().in_transaction()
    assert _committed('SELECT count(*) FROM zones') == 3
    assert _committed("SELECT count(*) FROM reviewers WHERE username = 'demo'") == 1
    args = ['create-reviewer', '--username', 'fu', '--password', 'long-enough', '--role', 'counsellor']
    refused = runner.invoke(args=[*args, '--zone', '370200', '--school', '10423'])
    assert refused.exit_code != 0 and not db.session().in_transaction()
    assert _committed("SELECT count(*) FROM reviewers WHERE username = 'fu'") == 0
    created = runner.invoke(
        args=[*args, '--zone', '370200', '--school', '10423', '--college', '学部', '--class', '1班']
    )
    assert created.exit_code == 0, created.output
    assert _committed("SELECT count(*) FROM reviewers WHERE username = 'fu'") == 1
