"""The app over real HTTP on 127.0.0.1 (a threaded server), and clients that use it as browsers and the
mini-program do: many of them at once, against the real PostgreSQL of the run."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from werkzeug.serving import make_server

from tests.api.conftest import student_client  # noqa: F401  (the mini-program client, through the test client)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM_TOKEN = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def live_url(app):
    server = make_server('127.0.0.1', 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_port}'
    server.shutdown()
    thread.join(5)


class AdminBrowser:
    """One reviewer's browser: its own cookie jar, logged in through the login form."""

    def __init__(self, base: str, username: str, password: str = 'review-pass-1', headers: dict | None = None):
        self.base = base
        self.http = requests.Session()
        self.http.headers.update(headers or {})
        self.response = self.http.post(
            f'{base}/admin/login',
            allow_redirects=False,
            data={'username': username, 'password': password, 'csrf_token': self.csrf('/admin/login')},
        )

    def csrf(self, path: str = '/admin/') -> str:
        return _CSRF.search(self.http.get(f'{self.base}{path}').text).group(1)

    def shown(self, path: str) -> dict:
        """The page's CSRF token and the stamps of the records it shows: 'seen' for one record, a list for a list."""
        page = self.http.get(f'{self.base}{path}').text
        stamps = re.findall(r'name="seen" value="([^"]*)"', page)
        return {'csrf_token': _CSRF.search(page).group(1), 'seen': stamps[0] if len(stamps) == 1 else stamps}

    def form_token(self, path: str) -> str:
        return _FORM_TOKEN.search(self.http.get(f'{self.base}{path}').text).group(1)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f'{self.base}{path}', **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        return self.http.post(f'{self.base}{path}', data=data, **kwargs)


class Student:
    """A mini-program user over HTTP: logs in through the fake WeChat server with a code of its own."""

    def __init__(self, base: str, code: str):
        self.base = base
        response = requests.post(f'{base}/api/v1/auth/login', json={'code': code}, timeout=30)
        assert response.status_code == 200, response.text
        self.token = response.json()['token']
        self.id = response.json()['student']['id']

    def post(self, path: str, json: dict | None = None) -> requests.Response:
        return requests.post(
            f'{self.base}/api/v1{path}', json=json, timeout=60, headers={'Authorization': f'Bearer {self.token}'}
        )

    def put(self, path: str, json: dict | None = None) -> requests.Response:
        return requests.put(
            f'{self.base}/api/v1{path}', json=json, timeout=60, headers={'Authorization': f'Bearer {self.token}'}
        )

    def get(self, path: str) -> requests.Response:
        return requests.get(f'{self.base}/api/v1{path}', timeout=60, headers={'Authorization': f'Bearer {self.token}'})


def at_once(calls: list) -> list:
    """Run every call on its own thread, released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
