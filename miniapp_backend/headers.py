"""Security headers on every answer; the admin page also gets a CSP and is never cached (it shows personal data)."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

#: The admin page loads only its own stylesheet (no inline style), images and (nonce-marked) scripts, and is never
#: framed.
ADMIN_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
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
    return _added(production, api=True)


def _added(production: bool, api: bool) -> list[tuple[str, str]]:
    """What `_headers` adds, in order, to an answer outside the admin page that set none of them."""
    return [*EVERY_ANSWER, *((HSTS,) if production else ()), *((API_NO_STORE,) if api else ())]


#: `_added` with each header's lowercased name, built once: by PRODUCTION (read per answer: a test changes it), then
#: by whether the path is the API's (no-store).
_DEFAULTS = {
    production: {api: tuple((header[0].lower(), header) for header in _added(production, api)) for api in (False, True)}
    for production in (False, True)
}


def _headers(response: Response) -> Response:
    # Each header is added only when the answer has none of that name (case-insensitive), in this order: one pass
    # over the answer's few headers and one extend, not a search of them per header.
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    production = bool(current_app.config.get('PRODUCTION'))
    path = request.path
    if path.startswith('/admin') and not path.startswith('/admin/static/'):
        missing = [header for lowered, header in _DEFAULTS[production][False] if lowered not in present]
        csp = ADMIN_CSP.format(nonce=csp_nonce())
        if 'content-security-policy' not in present:
            missing.append(('Content-Security-Policy', csp))
        if 'x-frame-options' not in present:
            missing.append(('X-Frame-Options', 'DENY'))
        headers.extend(missing)
        headers['Cache-Control'] = 'no-store'  # replaces any the answer set
        if 'pragma' not in present:
            headers.add('Pragma', 'no-cache')
        return response
    missing = [header for lowered, header in _DEFAULTS[production][path.startswith('/api/')] if lowered not in present]
    if missing:
        headers.extend(missing)
    return response
