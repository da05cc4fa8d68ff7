"""Reviewers' login and logout pages, passwords and login throttling: 5 failures lock the account for 15 minutes."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from miniapp_backend.admin import bp
from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.extensions import db
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Reviewer
from miniapp_backend.models.base import utcnow
from schemas.admin import LoginForm

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
        return None, '用户名或密码错误'
    reviewer.failed_logins, reviewer.locked_until = 0, None
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


@bp.route('/login', methods=['GET', 'POST'])
def login():
    """Password login; a fresh session on success."""
    if request.method == 'GET':
        return render_template('admin/login.html')
    if too_many_attempts(request.remote_addr or 'unknown'):
        return render_template('admin/login.html', error='登录尝试过于频繁，请稍后再试'), 429
    form, invalid = load_form(LoginForm(), request.form)
    if invalid:
        return render_template('admin/login.html', error='用户名或密码格式不正确'), 400
    reviewer, error = authenticate(form['username'], form['password'], utcnow())
    if error:
        return render_template('admin/login.html', error=error), 401
    session.clear()
    session.update(reviewer_id=reviewer.id, session_version=reviewer.session_version, since=time.time(),
                   seen=time.time())
    audit.record(actor_of(reviewer), 'login', zone_id=reviewer.zone_id)
    return redirect(url_for('admin.queue'))


@bp.post('/logout')
def logout():
    """Ends this and every other session of the reviewer."""
    g.reviewer.session_version += 1
    session.clear()
    return redirect(url_for('admin.login'))
