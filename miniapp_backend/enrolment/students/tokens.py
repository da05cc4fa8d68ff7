"""Students' bearer tokens: signed, expiring, revocable by bumping the student's token_version."""

from __future__ import annotations

import functools
import time
from typing import NamedTuple

from itsdangerous import BadSignature, URLSafeTimedSerializer
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


# 4,096 entries (about 1.1 MB): Jiangsu's one-minute bursts bring about 110 logins a second to the Procfile's two
# processes, so each meets about 3,300 new tokens in such a minute and keeps all of them with room for the tokens in
# use before it. A token pushed out (least recently used first) only pays the signature check again.
@functools.lru_cache(maxsize=4096)
def _signed(token: str, secret: str) -> tuple[object, object, int]:
    """What the signature proves, computed once per (token, secret) in this process: the payload's student id and
    version (None when the payload is not the shape `issue` writes) and the signing time in whole seconds. No age is
    checked here (`verify` checks it on every call). A refused signature raises, and lru_cache keeps no exceptions:
    a forged token is checked anew each time. The secret is part of the key, so a rotated secret needs no flush."""
    claims, signed_at = _serializer(secret).loads(token, return_timestamp=True)
    if not isinstance(claims, dict):
        return None, None, int(signed_at.timestamp())
    return claims.get('s'), claims.get('v'), int(signed_at.timestamp())


def verify(token: str, secret: str, max_age: int) -> tuple[int, int]:
    """The (student id, token version) a token carries, checked without the database: signature and age. The
    signature's answer is kept per process (`_signed`); the age is checked on every call, as itsdangerous's
    `TimestampSigner.unsign` checks it: older than `max_age` seconds or signed in the future is expired."""
    try:
        student_id, version, signed_at = _signed(token, secret)
    except BadSignature:
        raise revoked() from None
    age = int(time.time()) - signed_at
    if age > max_age or age < 0:
        raise EnrolmentError('token_expired', '登录已过期，请重新登录', status=401)
    # Ids and versions as issue() writes them: a bool is an int to isinstance, and past 2**31 the database refuses.
    if not (type(student_id) is int and type(version) is int and 0 < student_id < 2**31 and 0 <= version < 2**31):
        raise revoked()
    return student_id, version


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
