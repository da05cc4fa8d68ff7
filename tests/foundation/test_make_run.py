"""`make run`'s defaults through the processes it starts: SQLite, and the embedded Redis on a unix socket, which the
rate limits, GET /me's answers and rq all reach by the URL `devrun` hands them (unix://…)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _serving(base: str, web: subprocess.Popen) -> None:
    for _ in range(150):
        assert web.poll() is None, 'gunicorn exited'
        try:
            if requests.get(f'{base}/healthz', timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its worker still booting
            pass
        time.sleep(0.2)
    raise AssertionError('the web process did not answer')


def test_the_embedded_redis_of_make_run_counts_the_login_limits(tmp_path, test_environ, fake_wechat):
    from miniapp_backend.extensions import embedded_redis, stop_embedded_redis

    embedded = embedded_redis(str(tmp_path))  # as devrun starts it, with no REDIS_URL given
    env = {
        **os.environ,
        **test_environ,
        'REDIS_URL': f'unix://{embedded.socket_file}',
        'DATABASE_URL': f'sqlite:///{tmp_path / "run.db"}',
        'REDIS_KEY_PREFIX': 'makerun',
    }
    try:
        migrated = subprocess.run(
            [sys.executable, '-m', 'flask', '--app', 'miniapp_backend', 'db', 'upgrade'],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        base = f'http://127.0.0.1:{_free_port()}'
        web = subprocess.Popen(
            [sys.executable, '-m', 'gunicorn', '--bind', base.removeprefix('http://'), 'miniapp_backend:create_app()'],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _serving(base, web)
            # One code six times: used after the first (401), refused by its limit (5 a minute) at the sixth.
            answers = [
                requests.post(f'{base}/api/v1/auth/login', json={'code': 'code-make-run'}, timeout=10).status_code
                for _ in range(6)
            ]
            assert answers == [200, 401, 401, 401, 401, 429]
            assert any(b'makerun:limits' in key for key in embedded.keys('*'))
        finally:
            web.terminate()
            web.wait(timeout=30)
    finally:
        stop_embedded_redis(embedded)


def test_make_run_serves_one_request_at_a_time_on_sqlite_which_has_no_row_locks():
    from miniapp_backend.devrun import _web_workers

    assert _web_workers({}) == '1'  # the embedded default: SQLite under instance/
    assert _web_workers({'DATABASE_URL': 'sqlite:////tmp/run.db'}) == '1'
    assert _web_workers({'DATABASE_URL': 'postgresql://postgres@127.0.0.1/app'}) == '2'
