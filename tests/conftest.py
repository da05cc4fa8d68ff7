"""Test harness: a PostgreSQL database of this run's own, an isolated Redis DB, the fake outside servers.

Each run creates its database and drops it after, and claims a Redis DB index of its own, so runs never collide.
Tests write and commit for real; between tests every table is truncated and the Redis DB flushed.
"""

from __future__ import annotations

import logging
import os
import re
import uuid

import pytest
import redis as redis_lib
import sqlalchemy as sa
from hypothesis import settings
from sqlalchemy.engine import make_url

pytest_plugins = ['tests.fakes.fixtures', 'tests.factories']

# A property either holds or not: an example's time (Hypothesis's 200 ms deadline) depends on what else the machine
# runs, and failed a full run once under load. Speed is measured by bench/, never by a test.
settings.register_profile('untimed', deadline=None)
settings.load_profile('untimed')

DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres'
DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'


@pytest.fixture(scope='session')
def database_url():
    """A fresh database on TEST_DATABASE_URL's server, dropped at the end of the run."""
    base = make_url(os.environ.get('TEST_DATABASE_URL', DEFAULT_DATABASE_URL)).set(drivername='postgresql+psycopg')
    name = f'miniapp_test_{uuid.uuid4().hex[:12]}'
    admin = sa.create_engine(base, isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE {name}'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                'SELECT pg_terminate_backend(pid) FROM pg_stat_activity '
                'WHERE datname = :name AND pid <> pg_backend_pid()'
            ),
            {'name': name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS {name}'))
    admin.dispose()


@pytest.fixture(scope='session')
def redis_url():
    """A Redis DB index claimed for this run (1–15 on TEST_REDIS_URL's server), flushed and released after."""
    base = os.environ.get('TEST_REDIS_URL', DEFAULT_REDIS_URL).rstrip('/')
    base = base.rsplit('/', 1)[0] if base.rsplit('/', 1)[-1].isdigit() else base
    registry = redis_lib.Redis.from_url(f'{base}/0')
    for index in range(1, 16):
        if registry.set(f'miniapp-test:claim:{index}', os.getpid(), nx=True, ex=3 * 3600):
            break
    else:
        pytest.fail('every Redis DB index 1-15 is claimed by another test run')
    url = f'{base}/{index}'
    client = redis_lib.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    registry.delete(f'miniapp-test:claim:{index}')


@pytest.fixture(scope='session')
def test_secrets():
    from miniapp_backend.security.keys import generate_dev_keys

    return generate_dev_keys()


@pytest.fixture(scope='session')
def test_environ(
    database_url, redis_url, test_secrets, _fake_wechat_server, _fake_tax_server, _fake_origin_server, tmp_path_factory
):
    """The environment a test app (and a test rq worker process) is built from."""
    return {
        **test_secrets,
        'DATABASE_URL': database_url,
        'REDIS_URL': redis_url,
        'REDIS_KEY_PREFIX': 'test',
        'WECHAT_APPID': 'wx-test-appid',
        'WECHAT_SECRET': 'wx-test-secret',
        'WECHAT_API_BASE': _fake_wechat_server.url,
        'WECHAT_TIMEOUT': '2',
        'TAX_GATEWAY_URL': _fake_tax_server.url,
        'TAX_GATEWAY_TOKEN': 'test-tax-token',
        'ORIGIN_GATEWAY_URL': _fake_origin_server.url,
        'ORIGIN_GATEWAY_TOKEN': 'test-origin-token',
        'PUBLIC_BASE_URL': 'http://testserver',
    }


@pytest.fixture(scope='session')
def _app(test_environ):
    """The app, built once per run; the schema comes from the migrations (so they are tested too)."""
    from flask_migrate import upgrade

    from miniapp_backend import create_app

    app = create_app({'TESTING': True}, environ=test_environ)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from miniapp_backend.extensions import db

        db.engine.dispose()


@pytest.fixture
def app(_app):
    """The app with an app context pushed; every table and the Redis DB are emptied after the test."""
    from miniapp_backend.extensions import db

    with _app.app_context():
        yield _app
        db.session.remove()
        _truncate_all(db)
        _app.extensions['redis'].flushdb()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def redis_client(app):
    """The app's Redis client (this run's own DB index)."""
    return app.extensions['redis']


def _truncate_all(db) -> None:
    tables = ', '.join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f'TRUNCATE {tables} RESTART IDENTITY CASCADE'))


@pytest.fixture
def admin(client, create_reviewer, zone):
    """The test client logged in as `wang`, zone administrator of the default zone."""
    from tests.admin.pages import login

    create_reviewer('wang', role='zone_admin')
    login(client, 'wang')
    return client


# --- every log record of the run, checked at the end for personal data (the masking filter must have caught it) ---

#: Names the factories and the demo give people; ID numbers and phones are found by their shape.
PERSON_NAMES = ('张晓雨', '王小明')
_PERSONAL = re.compile(
    r'(?<![0-9])(?:[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{5}[0-9Xx]|1[3-9][0-9]{9})'
    r'(?![0-9])|' + '|'.join(PERSON_NAMES)
)


class _RunLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.leaks: list[str] = []
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        text = record.getMessage() + (record.exc_text or '')
        if _PERSONAL.search(text):
            self.leaks.append(f'{record.name}: {text[:300]}')


_RUN_LOG = _RunLog()


def pytest_sessionstart(session):
    logging.getLogger().addHandler(_RUN_LOG)


def pytest_sessionfinish(session, exitstatus):
    """The whole run's logs hold no plain ID number, phone or factory name: fail the run otherwise."""
    logging.getLogger().removeHandler(_RUN_LOG)
    if _RUN_LOG.leaks:
        reporter = session.config.pluginmanager.get_plugin('terminalreporter')
        if reporter:
            reporter.write_line(f'personal data in {len(_RUN_LOG.leaks)} log records, e.g.:', red=True)
            for leak in _RUN_LOG.leaks[:5]:
                reporter.write_line(f'  {leak}', red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
