"""Rate limits beyond the per-route ones: counted against an identifier only known mid-request (an openid)."""

from __future__ import annotations

import functools
import logging

from flask import current_app
from limits import RateLimitItem, parse_many

from miniapp_backend.extensions import limiter

logger = logging.getLogger(__name__)


def allow(setting: str, *identifiers: str) -> bool:
    """Count one hit of the limits named by the setting for these identifiers; False once any is exceeded.

    Like the route limits, it lets the request through when the storage (Redis) cannot be reached.
    """
    prefix = current_app.config['RATELIMIT_KEY_PREFIX']
    try:
        return all(
            limiter.limiter.hit(item, prefix, setting, *identifiers) for item in _parsed(current_app.config[setting])
        )
    except Exception as exc:  # noqa: BLE001  (fail open: a Redis outage must not stop logins)
        logger.warning('rate limit storage unavailable: %s', type(exc).__name__)
        return True


@functools.lru_cache(maxsize=16)  # settings are a handful of strings; parsing one per login cost ~25 Python calls
def _parsed(value: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(value))


def rate(setting: str):
    """A route limit read from the settings at request time (tests and deployments tune them)."""
    return lambda: current_app.config[setting]
