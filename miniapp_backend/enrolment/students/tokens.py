"""Students' bearer tokens: signed, expiring, revocable by bumping the student's token_version."""

from __future__ import annotations

import functools
from typing import NamedTuple

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.extensions import db
from miniapp_backend.models import Student


class Claims(NamedTuple):
    """What a verified token says: whose it is and the token version it was issued at."""

    student_id: int
    version: int


@functools.lru_cache(maxsize=4)  # built once per secret, not per request (a serializer is stateless)
def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt='api-bearer-token')


def issue(student: Student, secret: str) -> str:
    return _serializer(secret).dumps({'s': student.id, 'v': student.token_version})


def revoked() -> EnrolmentError:
    return EnrolmentError('invalid_token', '登录信息无效，请重新登录', status=401)


def verify(token: str, secret: str, max_age: int) -> tuple[int, int]:
    """The (student id, token version) a token carries, checked without the database: signature and age."""
    try:
        claims = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        raise EnrolmentError('token_expired', '登录已过期，请重新登录', status=401) from None
    except BadSignature:
        raise revoked() from None
    if not (isinstance(claims, dict) and isinstance(claims.get('s'), int) and isinstance(claims.get('v'), int)):
        raise revoked()
    return claims['s'], claims['v']


def student_for(token: str, secret: str, max_age: int) -> Student:
    """The student a token names; 401 errors for expired, forged or revoked tokens."""
    return student_with_version(*verify(token, secret, max_age))


def student_with_version(student_id: int, version: int) -> Student:
    """The student, if `version` is their current token version (an older one was revoked)."""
    # The zone comes in the same query: nearly every student call reads it.
    student = db.session.get(Student, student_id, options=[joinedload(Student.zone)])
    if student is None or student.token_version != version:
        raise revoked()
    return student


def check_version(claims: Claims, current: int | None) -> None:
    """Refuse the token unless `current` (the student's token_version, read by the caller's own statement; None
    when the student does not exist) is the version it carries."""
    if current is None or current != claims.version:
        raise revoked()


def claims_of(student: Student) -> Claims:
    """The claims of a token issued to this student now."""
    return Claims(student.id, student.token_version)
