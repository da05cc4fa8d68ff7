"""`headers._headers` adds each security header only when the answer has none of that name, in a fixed order."""

from __future__ import annotations

import pytest
from flask import Response, g

from miniapp_backend.headers import ADMIN_CSP, _headers

NOSNIFF = ('X-Content-Type-Options', 'nosniff')
REFERRER = ('Referrer-Policy', 'same-origin')
HSTS = ('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')


def _answer(app, path: str, own: list[tuple[str, str]], production: bool = False) -> list[tuple[str, str]]:
    app.config['PRODUCTION'] = production
    try:
        with app.test_request_context(path):
            g.csp_nonce = 'n0nce'
            answer = _headers(Response('x', headers=own))
    finally:
        app.config['PRODUCTION'] = False
    return [header for header in answer.headers.items() if header[0] not in ('Content-Type', 'Content-Length')]


@pytest.mark.parametrize('production', [False, True])
def test_api_answers_get_the_defaults_they_lack_in_order(app, production):
    hsts = [HSTS] if production else []
    assert _answer(app, '/api/v1/zones', [], production) == [NOSNIFF, REFERRER, *hsts, ('Cache-Control', 'no-store')]
    own = [('cache-control', 'max-age=60'), ('Referrer-Policy', 'no-referrer')]
    assert _answer(app, '/api/v1/zones', own, production) == [*own, NOSNIFF, *hsts]


def test_other_paths_and_admin_static_files_get_no_cache_control(app):
    for path in ('/healthz', '/admin/static/admin.css', '/api'):
        assert _answer(app, path, []) == [NOSNIFF, REFERRER]
        assert _answer(app, path, [('X-Content-Type-Options', 'other')]) == [
            ('X-Content-Type-Options', 'other'),
            REFERRER,
        ]


def test_admin_pages_replace_cache_control_and_keep_their_own_frame_policy(app):
    csp = ('Content-Security-Policy', ADMIN_CSP.format(nonce='n0nce'))
    assert _answer(app, '/admin/login', [], production=True) == [
        NOSNIFF,
        REFERRER,
        HSTS,
        csp,
        ('X-Frame-Options', 'DENY'),
        ('Cache-Control', 'no-store'),
        ('Pragma', 'no-cache'),
    ]
    own = [('Cache-Control', 'max-age=60'), ('X-Frame-Options', 'SAMEORIGIN'), ('Pragma', 'x')]
    assert _answer(app, '/admin', own) == [('Cache-Control', 'no-store'), *own[1:], NOSNIFF, REFERRER, csp]
