"""Students as WeChat users: signed in by openid, their session_key kept server-side only."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from miniapp_backend.enrolment.students import cached_view
from miniapp_backend.extensions import db
from miniapp_backend.models import Student
from miniapp_backend.models.base import utcnow

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


@functools.cache
def _upsert(dialect: str) -> sa.Insert:
    """Built once per dialect (the values are parameters): building it was a third of sign_in's Python calls."""
    insert = (postgresql.insert if dialect == 'postgresql' else sqlite.insert)(_students)
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
