"""GET /healthz: is the database reachable, is Redis reachable."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from miniapp_backend.extensions import db, get_redis

bp = Blueprint('health', __name__)


@bp.get('/healthz')
def healthz():
    """200 when both answer, 503 naming the one that does not."""
    checks = {
        'database': _check(lambda: db.session.execute(text('SELECT 1')).scalar_one()),
        'redis': _check(lambda: get_redis().ping()),
    }
    healthy = all(value == 'ok' for value in checks.values())
    return jsonify(status='ok' if healthy else 'unavailable', **checks), 200 if healthy else 503


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001  (a health check reports every failure instead of raising it)
        return f'error: {type(exc).__name__}'
    return 'ok'
