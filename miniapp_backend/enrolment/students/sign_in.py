"""Students as WeChat users: a wx.login code exchanged for our token, the student found or created by openid, their
session_key kept server-side only."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from miniapp_backend import ratelimits, wechat
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.students import cached_view, tokens
from miniapp_backend.extensions import db
from miniapp_backend.models import Student
from miniapp_backend.models.base import conflict_insert, utcnow

logger = logging.getLogger(__name__)
_students = Student.__table__
# Written out: SQLAlchemy renders a subquery in RETURNING uncorrelated (FROM zones, students), a cross join.
_ZONE_CODE = sa.literal_column('(SELECT zones.code FROM zones WHERE zones.id = students.zone_id)')
#: True only for the row this statement created: a returning student's created_at is older than this login.
_CREATED = _students.c.created_at == sa.bindparam('signed_in_at')
_RETURNING = (_students.c.id, _students.c.token_version, _students.c.phone, _ZONE_CODE, _CREATED)


@dataclass(frozen=True)
class SignedIn:
    """What a login answers and signs into the token; the phone decrypted, the zone by its code."""

    id: int
    token_version: int
    phone: str | None
    zone_code: str | None


def log_in(code: str, address: str) -> tuple[SignedIn, str]:
    """The student a wx.login `code` names, and their bearer token; limited per client `address`, per code and per
    openid.

    The address's and the code's limits are counted together (one Redis round trip) before WeChat is asked; the
    openid's, once WeChat has named it, before anything is written. WeChat's refusals become the student's errors.
    """
    if not ratelimits.allow(('STUDENT_LOGIN_RATE', address), ('STUDENT_LOGIN_CODE_RATE', code)):
        raise _too_frequent()
    try:
        session = wechat.code_to_session(code)
    except wechat.InvalidCode:
        logger.warning('login with an invalid code')
        raise EnrolmentError('invalid_code', '登录凭证无效或已使用，请重新进入小程序', status=401) from None
    except wechat.RateLimited:
        raise _too_frequent() from None
    except wechat.WeChatError:
        raise EnrolmentError('wechat_unavailable', '微信服务暂时不可用，请稍后再试', status=503) from None
    if not ratelimits.allow(('STUDENT_LOGIN_OPENID_RATE', session.openid)):
        raise _too_frequent()
    student = sign_in(session.openid, session.session_key, session.unionid)
    return student, tokens.issue(student, current_app.config['SECRET_KEY'])


def _too_frequent() -> EnrolmentError:
    return EnrolmentError('rate_limited', '操作太频繁，请稍后再试', status=429)


@functools.cache
def _upsert(dialect: str) -> sa.Insert:
    """Built once per dialect (the values are parameters): building it was a third of sign_in's Python calls."""
    insert = conflict_insert(dialect, _students)
    changed = {name: insert.excluded[name] for name in ('unionid', 'session_key', 'last_login_at')}
    return insert.on_conflict_do_update(index_elements=[_students.c.openid], set_=changed).returning(*_RETURNING)


def sign_in(openid: str, session_key: str, unionid: str | None) -> SignedIn:
    """The student with this openid, created on first login: one statement either way, in autocommit.

    The statement is the whole of the login's unit of work and atomic by itself, so it is sent without BEGIN and
    COMMIT (two round trips of three). Written without ORM objects (a login loads nothing else), so no flush sees
    it. A returning student's login changes nothing GET /me shows (session_key, unionid and last_login_at), so their
    stored answer stays current; a new student's id may still have an answer in Redis from a database since
    restored, so a first login marks it stale (the unit of work's commit bumps it). PostgreSQL spends a sequence
    number on every returning student's upsert (ids have gaps).
    """
    session = db.session()
    # A request starts with an empty session; a caller already inside a transaction (a test, a command) keeps it.
    options = {} if session.in_transaction() else {'isolation_level': 'AUTOCOMMIT'}
    connection = session.connection(execution_options=options)
    now = utcnow()
    params = {
        'openid': openid,
        'unionid': unionid,
        'session_key': session_key,
        'last_login_at': now,
        'created_at': now,
        'signed_in_at': now,
    }
    student_id, token_version, phone, zone_code, created = connection.execute(
        _upsert(connection.dialect.name), params
    ).one()  # the model's defaults fill the rest
    if created:
        cached_view.student_changed(session, student_id)
    return SignedIn(student_id, token_version, phone, zone_code)
