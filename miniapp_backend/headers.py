"""Security headers on every answer; the admin page also gets a CSP and is never cached (it shows personal data)."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

#: The admin page loads only its own CSS, images and (nonce-marked) scripts, and is never framed.
ADMIN_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
#: On every answer; HSTS only in production (behind TLS).
EVERY_ANSWER = (('X-Content-Type-Options', 'nosniff'), ('Referrer-Policy', 'same-origin'))
HSTS = ('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
#: API answers carry (masked) personal data and per-student state.
API_NO_STORE = ('Cache-Control', 'no-store')


def csp_nonce() -> str:
    """For an inline <script nonce="{{ csp_nonce() }}"> in an admin template."""
    if 'csp_nonce' not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def init_app(app: Flask) -> None:
    app.after_request(_headers)
    app.context_processor(lambda: {'csp_nonce': csp_nonce})


def api_headers(production: bool) -> list[tuple[str, str]]:
    """What `_headers` adds to an API answer that set none of its own (the stored GET /me answer sends these)."""
    return [*EVERY_ANSWER, *((HSTS,) if production else ()), API_NO_STORE]


def _headers(response: Response) -> Response:
    headers = response.headers
    for name, value in EVERY_ANSWER:
        headers.setdefault(name, value)
    if current_app.config.get('PRODUCTION'):
        headers.setdefault(*HSTS)
    path = request.path
    if path.startswith('/admin') and not path.startswith('/admin/static/'):
        headers.setdefault('Content-Security-Policy', ADMIN_CSP.format(nonce=csp_nonce()))
        headers.setdefault('X-Frame-Options', 'DENY')
        headers['Cache-Control'] = 'no-store'
        headers.setdefault('Pragma', 'no-cache')
    elif path.startswith('/api/') and 'Cache-Control' not in headers:
        headers.set(*API_NO_STORE)
    return response
