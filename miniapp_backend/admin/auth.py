"""Reviewer passwords and login throttling: 5 failures lock the account for 15 minutes."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from miniapp_backend.extensions import db
from miniapp_backend.models import Reviewer

MAX_FAILURES = 5
LOCK = timedelta(minutes=15)
#: Compared against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = 'scrypt:32768:8:1$dummydummydummy$' + '0' * 128


def authenticate(username: str, password: str, now: datetime) -> tuple[Reviewer | None, str | None]:
    """The reviewer, or the Chinese reason the login is refused."""
    reviewer = db.session.scalars(sa.select(Reviewer).where(Reviewer.username == username)).first()
    if reviewer is None or not reviewer.active:
        check_password_hash(_DUMMY_HASH, password)
        return None, '用户名或密码错误'
    if reviewer.locked_until and reviewer.locked_until > now:
        return None, f'登录失败次数过多，请于{reviewer.locked_until + timedelta(hours=8):%H:%M}后再试'
    if not check_password_hash(reviewer.password_hash, password):
        reviewer.failed_logins += 1
        if reviewer.failed_logins >= MAX_FAILURES:
            reviewer.locked_until, reviewer.failed_logins = now + LOCK, 0
        db.session.commit()
        return None, '用户名或密码错误'
    reviewer.failed_logins, reviewer.locked_until = 0, None
    reviewer.last_login_at = now
    return reviewer, None


#: Login attempts per client address per 10 minutes, whatever the usernames tried.
IP_LIMIT = 30


def too_many_attempts(address: str) -> bool:
    """Counted in Redis so every web process shares it; a Redis outage never blocks logins."""
    from flask import current_app

    key = f'{current_app.config["REDIS_KEY_PREFIX"]}:admin-login:{address}'
    try:
        redis = current_app.extensions['redis']
        count = redis.incr(key)
        if count == 1:
            redis.expire(key, 600)
    except Exception:  # noqa: BLE001
        return False
    return count > IP_LIMIT
