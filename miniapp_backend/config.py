"""Every setting, read from the environment in one place (DESIGN §7.1)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Secrets that must be given explicitly in production; elsewhere they are generated under instance/.
SECRETS = ('SECRET_KEY', 'FIELD_ENCRYPTION_KEYS', 'BLIND_INDEX_KEY', 'SEAL_PRIVATE_KEY')

#: Settings read from the environment, with their defaults (None: no default).
DEFAULTS: dict[str, Any] = {
    'DATABASE_URL': None,
    'REDIS_URL': None,
    'REDIS_KEY_PREFIX': 'miniapp',
    'WECHAT_APPID': 'wx-dev-appid',
    'WECHAT_SECRET': 'wx-dev-secret',
    'WECHAT_API_BASE': 'https://api.weixin.qq.com',
    'WECHAT_MINIPROGRAM_STATE': 'formal',
    'WECHAT_TIMEOUT': 5.0,
    'TAX_GATEWAY_URL': 'http://127.0.0.1:8802',
    'TAX_GATEWAY_TOKEN': 'dev-tax-token',
    'ORIGIN_GATEWAY_URL': 'http://127.0.0.1:8803',
    'ORIGIN_GATEWAY_TOKEN': 'dev-origin-token',
    'PUBLIC_BASE_URL': 'http://127.0.0.1:5000',
    'API_TOKEN_TTL': 7 * 24 * 3600,
    'SERVICE_PHONE': '0563-12345',
    'MAX_UPLOAD_BYTES': 5 * 1024 * 1024,
    'MAX_IMPORT_BYTES': 20 * 1024 * 1024,
    'QUEUE_NAMES': 'default,notifications,imports',
    #: How many proxies in front of the app set X-Forwarded-For (0: none; the peer address is the client).
    'PROXY_FIX_X_FOR': 0,
    #: Rate limits (Flask-Limiter notation, limits separated by ';'), keyed on the real client address.
    'ADMIN_LOGIN_RATE': '30 per 10 minutes',
    #: Student logins per client address: a campus NAT puts many students behind one address.
    'STUDENT_LOGIN_RATE': '20 per second;600 per 10 minutes',
    'STUDENT_LOGIN_CODE_RATE': '5 per minute',
    'STUDENT_LOGIN_OPENID_RATE': '10 per minute',
    #: Names typed that are not the one on file for an ID number already enrolled, per ID number: the refusal names
    #: the zone only to the right name, so past these every refusal for that number is 429 (a guessing limit).
    'ENROLLED_NAME_GUESS_RATE': '5 per hour;20 per day',
    'REDIS_SOCKET_TIMEOUT': 0.5,
    #: PostgreSQL connections a process keeps open: one per gunicorn thread (the Procfile's --threads 8). With fewer,
    #: a busy process closes a connection at every check-in past the pool's size and opens another at the next
    #: checkout: a new PostgreSQL backend and its statements prepared again, over and over.
    'DATABASE_POOL_SIZE': 8,
    # Bearer token a Prometheus scrape must send to /metrics (none: open, for a private network).
    'METRICS_TOKEN': None,
    # Scheduled jobs' intervals in seconds (workers/registry.py names the jobs).
    'DRAIN_INTERVAL': 10,
    'PAYMENT_POLL_INTERVAL': 60,
    'SUSPENSION_POLL_INTERVAL': 60,
    'REMIND_INTERVAL': 3600,
    'EXPIRE_INTERVAL': 3600,
    'STALE_IMPORT_SWEEP_INTERVAL': 300,
    'COUNTS_FOLD_INTERVAL': 60,
    'OWED_BUMP_INTERVAL': 30,
    #: The tax bureau takes 1–2 working days to confirm a payment (seed 000: "如已扣款系统会在1~2个工作日处理"):
    #: an approved registration unpaid at the window's close is asked about this long more before it expires.
    'PAYMENT_SETTLE_HOURS': 96,
    # An import may run this long before it stops itself; the sweep fails one left `running` past twice this.
    'IMPORT_TIME_BUDGET': 900,
}

_FLOATS = {'WECHAT_TIMEOUT', 'REDIS_SOCKET_TIMEOUT'}
_INTS = {
    'API_TOKEN_TTL',
    'MAX_UPLOAD_BYTES',
    'MAX_IMPORT_BYTES',
    'DRAIN_INTERVAL',
    'PAYMENT_POLL_INTERVAL',
    'SUSPENSION_POLL_INTERVAL',
    'REMIND_INTERVAL',
    'EXPIRE_INTERVAL',
    'STALE_IMPORT_SWEEP_INTERVAL',
    'COUNTS_FOLD_INTERVAL',
    'OWED_BUMP_INTERVAL',
    'IMPORT_TIME_BUDGET',
    'PAYMENT_SETTLE_HOURS',
    'PROXY_FIX_X_FOR',
    'DATABASE_POOL_SIZE',
}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; start-up stops with its name."""


def is_production(environ: Mapping[str, str]) -> bool:
    """Production is declared by APP_ENV or FLASK_ENV."""
    return 'production' in (environ.get('APP_ENV', ''), environ.get('FLASK_ENV', ''))


def load_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the app configuration from the environment (and instance/ in development)."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        raw = environ.get(name)
        if raw in (None, ''):
            config[name] = default
        elif name in _FLOATS:
            config[name] = float(raw)
        elif name in _INTS:
            config[name] = int(raw)
        else:
            config[name] = raw
    production = is_production(environ)
    config['PRODUCTION'] = production
    given = {name: environ[name] for name in SECRETS if environ.get(name)}
    if production:
        missing = [name for name in SECRETS if name not in given]
        missing += [
            name for name in ('DATABASE_URL', 'REDIS_URL', 'WECHAT_APPID', 'WECHAT_SECRET') if not environ.get(name)
        ]
        if missing:
            raise ConfigError(f'missing required setting(s) in production: {", ".join(missing)}')
        config.update(given)
    else:
        config.update(_dev_secrets(Path(instance_path)))
        config.update(given)
    config['SQLALCHEMY_DATABASE_URI'] = database_uri(config['DATABASE_URL'], instance_path)
    config['SQLALCHEMY_ENGINE_OPTIONS'] = _engine_options(
        config['SQLALCHEMY_DATABASE_URI'], config['DATABASE_POOL_SIZE']
    )
    config['MAX_CONTENT_LENGTH'] = max(config['MAX_UPLOAD_BYTES'], config['MAX_IMPORT_BYTES']) + 64 * 1024
    config['SESSION_COOKIE_HTTPONLY'] = True
    config['SESSION_COOKIE_SAMESITE'] = 'Lax'
    config['SESSION_COOKIE_SECURE'] = production
    config['PERMANENT_SESSION_LIFETIME'] = 8 * 3600
    config['JSON_AS_ASCII'] = False
    config.update(_rate_limit_settings(config))
    config.update(_openapi_settings())
    return config


def database_uri(url: str | None, instance_path: str) -> str:
    """Normalise DATABASE_URL for SQLAlchemy; SQLite under instance/ when none is given."""
    if not url:
        return f'sqlite:///{Path(instance_path) / "miniapp.db"}'
    for prefix in ('postgres://', 'postgresql://'):
        if url.startswith(prefix):
            return 'postgresql+psycopg://' + url[len(prefix) :]
    return url


def _engine_options(uri: str, pool_size: int) -> dict[str, Any]:
    if uri.startswith('sqlite'):
        return {'connect_args': {'timeout': 30}, 'hide_parameters': True}
    # No pre-ping (a round trip per checkout, as much as GET /me's own query): connections are recycled before
    # any server or firewall idle limit instead. Statements a connection runs twice are prepared server-side
    # (psycopg's prepared statements; a transaction-mode pgbouncer in between would need prepare_threshold=None).
    # SQL parameters are personal data: never in an exception's text, so never in a log.
    return {
        'pool_pre_ping': False,
        'pool_recycle': 1800,
        'pool_size': pool_size,
        'max_overflow': 10,
        'connect_args': {'prepare_threshold': 2},
        'hide_parameters': True,
    }


def _rate_limit_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Flask-Limiter counts in the app's Redis; with Redis down it lets requests through, after short timeouts."""
    return {
        'RATELIMIT_STORAGE_URI': _limits_uri(config['REDIS_URL']),
        'RATELIMIT_STORAGE_OPTIONS': {'socket_timeout': 0.3, 'socket_connect_timeout': 0.3},
        'RATELIMIT_SWALLOW_ERRORS': True,
        'RATELIMIT_KEY_PREFIX': f'{config["REDIS_KEY_PREFIX"]}:limits',
        'RATELIMIT_STRATEGY': 'fixed-window',
        'RATELIMIT_HEADERS_ENABLED': False,
    }


def _limits_uri(redis_url: str | None) -> str:
    """The Redis URL as the `limits` library names it: redis-py's unix:// (the embedded Redis of `make run`) is its
    redis+unix://; no Redis, memory."""
    if not redis_url:
        return 'memory://'
    return 'redis+unix://' + redis_url.removeprefix('unix://') if redis_url.startswith('unix://') else redis_url


def _openapi_settings() -> dict[str, Any]:
    return {
        'API_TITLE': '大学生医保参保 mini-program API',
        'API_VERSION': 'v1',
        'OPENAPI_VERSION': '3.0.3',
        'OPENAPI_URL_PREFIX': '/api/v1',
        'OPENAPI_JSON_PATH': 'openapi.json',
    }


def _dev_secrets(instance: Path) -> dict[str, str]:
    """Generated once and kept under instance/, so development data stays readable across restarts."""
    from miniapp_backend.security.keys import generate_dev_keys

    path = instance / 'dev-secrets.json'
    instance.mkdir(parents=True, exist_ok=True)
    try:
        # Exclusive create: web, worker and cron may start together and must agree on one set of keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return json.loads(path.read_text())
    keys = generate_dev_keys()
    with os.fdopen(fd, 'w') as handle:
        json.dump(keys, handle)
    return keys
