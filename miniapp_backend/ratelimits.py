"""Rate limits counted by a view itself: a login's are known only mid-request (the posted code, then the openid
WeChat answers), and all the limits counted at one point of a request cost one Redis round trip together."""

from __future__ import annotations

import functools
import logging

import redis
from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage

from miniapp_backend.extensions import limiter

logger = logging.getLogger(__name__)

#: The `limits` library's fixed-window hit (its incr_expire.lua: a window's count expires a window after its first
#: hit) for each key in turn, stopping at the first count over its limit, as Flask-Limiter stops at the first breach.
#: ARGV holds each key's window in seconds and its limit. Answers the position of that key (from 1), or 0.
_HIT_IN_TURN = """
for i, key in ipairs(KEYS) do
  local count = redis.call('incrby', key, 1)
  if count == 1 then
    redis.call('expire', key, ARGV[2 * i - 1])
  end
  if count > tonumber(ARGV[2 * i]) then
    return i
  end
end
return 0
"""


def allow(*counts: tuple[str, str]) -> bool:
    """Count one hit of every limit each (setting, identifier) names, in order; False once one is exceeded (the
    limits after it are then not counted).

    The keys are those `limits` gives a limit (`RateLimitItem.key_for`, under its storage's prefix) counted for
    (RATELIMIT_KEY_PREFIX, setting, identifier). On Redis they are counted by one script, so one round trip however
    many limits; on any other storage (`make run` without Redis) by the library's own hits. Like the route limits,
    it lets the request through when the storage (Redis) cannot be reached.
    """
    config = current_app.config
    prefix = config['RATELIMIT_KEY_PREFIX']
    hits = [
        (item, (prefix, setting, identifier)) for setting, identifier in counts for item in _parsed(config[setting])
    ]
    strategy = limiter.limiter
    try:
        storage = strategy.storage
        if isinstance(storage, RedisStorage) and not isinstance(storage, RedisClusterStorage):
            keys = [storage.prefixed_key(item.key_for(*identifiers)) for item, identifiers in hits]
            windows = [value for item, _ in hits for value in (item.get_expiry(), item.amount)]
            return _script(storage.get_connection())(keys, windows) == 0
        return all(strategy.hit(item, *identifiers) for item, identifiers in hits)
    except Exception as exc:  # noqa: BLE001  (fail open: a Redis outage must not stop logins)
        logger.warning('rate limit storage unavailable: %s', type(exc).__name__)
        return True


def within(setting: str, identifier: str) -> bool:
    """Whether every limit `setting` names still has room for `identifier`, counting nothing (the keys `allow`
    counts). Open when the storage cannot be reached, as `allow` is."""
    config = current_app.config
    identifiers = (config['RATELIMIT_KEY_PREFIX'], setting, identifier)
    try:
        return all(limiter.limiter.test(item, *identifiers) for item in _parsed(config[setting]))
    except Exception as exc:  # noqa: BLE001
        logger.warning('rate limit storage unavailable: %s', type(exc).__name__)
        return True


@functools.lru_cache(maxsize=8)  # one per Redis client of the process (tests build several apps)
def _script(client: redis.Redis):
    # redis-py sends EVALSHA and loads the script only when the server answers that it does not know it.
    return client.register_script(_HIT_IN_TURN)


@functools.lru_cache(maxsize=16)  # settings are a handful of strings; parsing one per login cost ~25 Python calls
def _parsed(value: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(value))


def rate(setting: str):
    """A route limit read from the settings at request time (tests and deployments tune them)."""
    return lambda: current_app.config[setting]
