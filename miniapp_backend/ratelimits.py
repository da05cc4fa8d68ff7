"""Rate limits counted by the view itself: several at once in one Redis round trip, or against an identifier only
known mid-request (an openid). Flask-Limiter's route decorators cost a round trip per limit."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable

import redis
from flask import current_app
from limits import RateLimitItem, parse_many

from miniapp_backend.extensions import get_redis

logger = logging.getLogger(__name__)


def allow(setting: str, *identifiers: str) -> bool:
    """Count one hit of the limits named by the setting for these identifiers; False once any is exceeded."""
    return allow_all(((setting, ':'.join(identifiers)),))


def allow_all(checks: Iterable[tuple[str, str]]) -> bool:
    """Count one hit of every limit of each (setting, identifier) in fixed windows, all in one Redis round trip;
    False once any is exceeded. Every limit counts the hit, refused or not, as the route limits do.

    Fails open like the route limits when Redis cannot be reached.
    """
    config = current_app.config
    prefix, now = config['RATELIMIT_KEY_PREFIX'], int(time.time())
    counted = [
        (item, f'{prefix}:{setting}:{identifier}:{item.amount}/{item.get_expiry()}:{now // item.get_expiry()}')
        for setting, identifier in checks
        for item in _limits(config[setting])
    ]
    try:
        pipe = get_redis().pipeline(transaction=False)
        for item, key in counted:
            pipe.set(key, 0, ex=item.get_expiry(), nx=True)  # a window's counter expires with the window
            pipe.incr(key)
        hits = pipe.execute()[1::2]
    except redis.RedisError as exc:
        logger.warning('rate limit storage unavailable: %s', type(exc).__name__)
        return True
    return all(hit <= item.amount for (item, _), hit in zip(counted, hits, strict=True))


@functools.lru_cache(maxsize=64)
def _limits(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def rate(setting: str):
    """A route limit read from the settings at request time (tests and deployments tune them)."""
    return lambda: current_app.config[setting]
