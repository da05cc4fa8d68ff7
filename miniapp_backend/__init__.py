"""Student medical-insurance enrolment over WeChat: the Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface

from miniapp_backend.config import load_config


def create_app(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints. No I/O beyond connecting lazily."""
    app = Flask(__name__, instance_relative_config=True)
    app.json = IsoJSONProvider(app)
    app.session_interface = PageSessionInterface()
    app.config.update(load_config(app.instance_path, environ))
    if overrides:
        app.config.update(overrides)
        if 'DATABASE_URL' in overrides and 'SQLALCHEMY_DATABASE_URI' not in overrides:
            from miniapp_backend.config import database_uri

            app.config['SQLALCHEMY_DATABASE_URI'] = database_uri(overrides['DATABASE_URL'], app.instance_path)
    _init_extensions(app)
    _register_blueprints(app)
    from miniapp_backend import cli

    cli.init_app(app)
    logging.getLogger('miniapp_backend').setLevel(logging.INFO)
    return app


class IsoJSONProvider(DefaultJSONProvider):
    """Dates and times as ISO 8601, which the mini-program and the OpenAPI schemas expect."""

    ensure_ascii = False

    @staticmethod
    def default(value):
        if isinstance(value, date):
            return value.isoformat()
        return DefaultJSONProvider.default(value)


class PageSessionInterface(SecureCookieSessionInterface):
    """The cookie session belongs to the admin page; the student API authenticates by bearer token alone, so its
    requests skip building a signer and reading a cookie they never use."""

    def open_session(self, app: Flask, request):
        if request.path.startswith('/api/'):
            return self.session_class()
        return super().open_session(app, request)


def _init_extensions(app: Flask) -> None:
    from miniapp_backend import headers, inputs, logs, security
    from miniapp_backend.enrolment.reports import counts  # noqa: F401  (its session hook keeps statistics current)
    from miniapp_backend.enrolment.students import cached_view  # noqa: F401  (its session hooks keep GET /me current)
    from miniapp_backend.extensions import db, limiter, migrate, redis_store

    if app.config.get('PROXY_FIX_X_FOR'):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only as many X-Forwarded-For hops as there are trusted proxies: a client cannot pick its own address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config['PROXY_FIX_X_FOR'])

    inputs.init_app(app)  # before any blueprint: its routes use the bounded int converter
    headers.init_app(app)
    logs.init_app(app)
    if not app.testing:
        logs.configure()
    db.init_app(app)
    limiter.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    redis_store.init_app(app)
    security.init_app(app)

    @app.teardown_request
    def _rollback_after_error(error):
        # A failed request must not leave its transaction open for whatever runs next in this context.
        if error is not None:
            db.session.rollback()


def _register_blueprints(app: Flask) -> None:
    from miniapp_backend import admin, api, health, metrics, verification

    app.register_blueprint(health.bp)
    app.register_blueprint(verification.bp)
    metrics.init_app(app)
    api.init_app(app)
    admin.init_app(app)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / 'migrations')
