"""Reviewers' login and logout pages, passwords and login throttling: 5 failed attempts lock the account for
15 minutes.

An attempt claims its place in the failure count with one UPDATE … RETURNING before the password is checked,
so however many arrive at once, at most MAX_FAILURES of them are ever evaluated. Unknown, inactive and locked
usernames get the same message after the same work (one password hash), so a failure reveals nothing. Failed
attempts per client address are limited by Flask-Limiter (ADMIN_LOGIN_RATE), keyed on the real client behind
ProxyFix: a successful login costs nothing, so an office whose staff all sign in from one address is never stopped,
while guessing across usernames from it is.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from miniapp_backend.admin import bp
from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.registration.review import actor_of
from miniapp_backend.extensions import db, limiter
from miniapp_backend.inputs import load_form
from miniapp_backend.models import Reviewer
from miniapp_backend.models.base import utcnow
from miniapp_backend.ratelimits import rate
from miniapp_backend.unit_of_work import commit_batch
from schemas.admin import LoginForm

MAX_FAILURES = 5
LOCK = timedelta(minutes=15)
#: The one answer to every failed login, whatever the cause.
REFUSED = '用户名或密码错误；连续失败5次将锁定15分钟（登录失败次数过多时请稍后再试）'
#: Compared against when no password is to be checked, so timing does not reveal which usernames exist.
_DUMMY_HASH = 'scrypt:32768:8:1$dummydummydummy$' + '0' * 128


def authenticate(username: str, password: str, now: datetime) -> tuple[Reviewer | None, str | None]:
    """The reviewer, or the Chinese reason the login is refused."""
    claimed = _claim_attempt(username, now)
    if claimed is None or claimed[1] > MAX_FAILURES:
        check_password_hash(_DUMMY_HASH, password)
        return None, REFUSED
    reviewer_id, attempt = claimed
    reviewer = db.session.get(Reviewer, reviewer_id)
    if not check_password_hash(reviewer.password_hash, password):
        if attempt >= MAX_FAILURES:
            reviewer.locked_until, reviewer.failed_logins = now + LOCK, 0
        return None, REFUSED
    reviewer.failed_logins, reviewer.locked_until = 0, None
    reviewer.last_login_at = now
    return reviewer, None


def _claim_attempt(username: str, now: datetime) -> tuple[int, int] | None:
    """Count this attempt as a failure until it proves otherwise; committed at once so others see it."""
    row = db.session.execute(
        sa.update(Reviewer)
        .where(
            Reviewer.username == username,
            Reviewer.active,
            sa.or_(Reviewer.locked_until.is_(None), Reviewer.locked_until <= now),
        )
        .values(failed_logins=Reviewer.failed_logins + 1)
        .returning(Reviewer.id, Reviewer.failed_logins)
        .execution_options(synchronize_session=False)
    ).first()
    commit_batch()
    return tuple(row) if row else None


@bp.route('/login', methods=['GET', 'POST'])
@limiter.limit(rate('ADMIN_LOGIN_RATE'), methods=['POST'], deduct_when=lambda response: response.status_code != 302)
def login():
    """Password login; a fresh session on success."""
    if request.method == 'GET':
        return render_template('admin/login.html')
    form, invalid = load_form(LoginForm(), request.form)
    if invalid:
        return render_template('admin/login.html', error='用户名或密码格式不正确'), 400
    reviewer, error = authenticate(form['username'], form['password'], utcnow())
    if error:
        return render_template('admin/login.html', error=error), 401
    session.clear()
    session.update(
        reviewer_id=reviewer.id, session_version=reviewer.session_version, since=time.time(), seen=time.time()
    )
    audit.record(actor_of(reviewer), 'login', zone_id=reviewer.zone_id)
    return redirect(url_for('admin.change_password' if reviewer.must_change_password else 'admin.queue'))


@bp.post('/logout')
def logout():
    """Ends this and every other session of the reviewer."""
    g.reviewer.session_version += 1
    session.clear()
    return redirect(url_for('admin.login'))
