"""GET /api/v1/me answered from its stored JSON before the request enters Flask.

Most student requests are a student opening the app, and nearly all of those find their answer current in Redis
(`enrolment/students/cached_view.py`). Such a request needs the token's signature and age, one MGET, and the bytes
sent as they are; Flask's request context, routing, hooks, flask-smorest's wrapper and the unit of work cost more
than that for an answer that uses none of them. So this WSGI layer answers the hit itself, with what the app's
hooks would have added: the security headers (`headers.api_headers`), the request id (`logs.request_id`) and the
route's latency histogram (`metrics.histogram`).

Everything else goes to the app unchanged: other paths and methods, a query string or a body, a missing, expired or
forged token, a stale or missing answer, a revoked token (the app answers the 401s and rebuilds), and Redis errors
(the app builds from the database, told not to wait on Redis a second time). The endpoint, its OpenAPI description
and its tests stay with the Flask view in `api/account.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import redis
from flask import Flask

from miniapp_backend import headers, logs, metrics
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.students import cached_view, tokens

#: Where the app finds the Redis error this layer met, so the view builds from the database at once.
REDIS_ERROR = 'miniapp.stored_me.redis_error'


class StoredMe:
    """WSGI middleware around the app's `wsgi_app`."""

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app
        self.config = app.config  # read per request: tests and operators may change it after start
        self.redis: redis.Redis = app.extensions['redis']
        [self.path] = [rule.rule for rule in app.url_map.iter_rules('account.me')]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (
            environ.get('PATH_INFO') != self.path
            or environ.get('REQUEST_METHOD') != 'GET'
            or environ.get('QUERY_STRING')
            or environ.get('CONTENT_LENGTH', '0') not in ('', '0')
            or 'HTTP_TRANSFER_ENCODING' in environ
        ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        body = self._stored(environ)
        if body is None:
            return self.wsgi_app(environ, start_response)
        config = self.config
        start_response(
            '200 OK',
            [
                ('Content-Type', 'application/json'),
                ('Content-Length', str(len(body))),
                *headers.api_headers(config.get('PRODUCTION', False)),
                ('X-Request-Id', logs.request_id(environ.get('HTTP_X_REQUEST_ID', ''))),
            ],
        )
        metrics.histogram('GET', self.path, 200).observe(time.perf_counter() - started)
        return [body]

    def _stored(self, environ: dict) -> bytes | None:
        """The current answer for a valid token, or None (the app then decides)."""
        header = environ.get('HTTP_AUTHORIZATION', '')
        token = header[7:].strip() if header.startswith('Bearer ') else ''
        if not token:
            return None
        config = self.config
        try:
            student_id, version = tokens.verify(token, config['SECRET_KEY'], config['API_TOKEN_TTL'])
            return cached_view.served(self.redis, config['REDIS_KEY_PREFIX'], student_id, version)
        except EnrolmentError:
            return None
        except redis.RedisError as exc:
            environ[REDIS_ERROR] = exc
            return None


def init_app(app: Flask) -> None:
    """Wrap the app's WSGI callable (after its routes are registered)."""
    app.wsgi_app = StoredMe(app, app.wsgi_app)
