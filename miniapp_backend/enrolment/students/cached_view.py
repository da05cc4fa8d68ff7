"""GET /me served from Redis: each student's answer kept as JSON, tagged with the generations it was built at.

Every flush that writes something a student sees (their registration, suspension, commitment letter, their own
row, any zone's settings) records whose view changed (a write no flush sees, a first login's insert of the student
row, records its student with `student_changed`); once the transaction commits, the generation counters of
those students (or the one counter of all zones) go up, in the one pipeline a commit sends (after_commit.py). A
stored answer is served only while both tags still match, so an answer built from a read that raced a commit is
never served: its tags are the generations read before its database read, which the commit's bump has passed.

The answer also carries the student's token_version, so a revoked token is refused without the database; a
revocation bumps the student row, which bumps the generation, and the rebuild reads the new version.

A current answer is sent by `api/stored_me.py` through `served()` before the request reaches Flask; `answer()`
serves the view, which gets every other case (a miss, a stale answer, a revoked token, Redis errors).

Redis down: answers are built from the database and nothing is stored. A commit whose bump Redis refused records
it in the database (OwedBump); the scheduler's settle_owed_bumps moves those generations on once Redis is back,
so an answer stored before the outage is not served past the change for longer than that job's interval.
Generation keys have no expiry and the answers do, so a server evicting volatile keys first drops answers, never
the counters that guard them.

An answer's key names the code that built it (`code_version()`): after a deploy that changes what GET /me says (a
new field, a label reworded) no process serves an answer the code before it built, and during a rolling deploy the
old and new processes keep answers apart.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path

import redis
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from miniapp_backend import after_commit
from miniapp_backend.extensions import db, get_redis
from miniapp_backend.models import (
    CommitmentLetter,
    OwedBump,
    Registration,
    Student,
    Suspension,
    Zone,
)

logger = logging.getLogger(__name__)

#: How long an answer is kept unread; bounds the damage if a bump is lost (Redis and the database both failing).
ANSWER_TTL = 3600
_CHANGED = 'projection_students'
_ZONES = 'projection_zones'


class Revoked(Exception):
    """The token's version is not the student's current one."""


def source_digest(*roots: Path) -> str:
    """A short digest of every Python source file under `roots`, their paths included."""
    digest = hashlib.blake2b(digest_size=6)
    for root in roots:
        for path in sorted(root.rglob('*.py')):
            digest.update(path.relative_to(root).as_posix().encode() + b'\0' + path.read_bytes() + b'\0')
    return digest.hexdigest()


@functools.cache
def code_version() -> str:
    """The digest of the code that shapes an answer: the backend's and its schemas' source."""
    # The schemas package is found, not imported: the rules below the API do not import its schemas.
    return source_digest(Path(__file__).parents[2], Path(importlib.util.find_spec('schemas').origin).parent)


def keys(prefix: str, student_id: int, version: str | None = None) -> tuple[str, str, str]:
    """The student's generation, the zones' generation and the stored answer (built by the code of `version`, by
    default this process's), read together in one MGET."""
    answer = f'{prefix}:me:{version or code_version()}:{student_id}'
    return f'{prefix}:me:gen:{student_id}', f'{prefix}:me:gen:zones', answer


def _keys(student_id: int) -> tuple[str, str, str]:
    return keys(current_app.config['REDIS_KEY_PREFIX'], student_id)


def current(values: list) -> tuple[bytes, int | None, bytes | None]:
    """(tag, token_version, body) from the MGET of `keys()`; version and body are None unless the stored answer
    carries the tag of the generations read with it."""
    gen, zones_gen, stored = values
    tag = b'%d:%d:' % (int(gen or 0), int(zones_gen or 0))
    if stored is None or not stored.startswith(tag):
        return tag, None, None
    version, _, body = stored[len(tag) :].partition(b':')
    return tag, int(version), body


def served(client: redis.Redis, prefix: str, student_id: int, token_version: int) -> bytes | None:
    """The stored answer if it is current and the token's version is the student's; None for anything else (a miss,
    a stale answer, a revoked token), which `answer()` then settles. Raises RedisError."""
    _, version, body = current(client.mget(*keys(prefix, student_id)))
    return body if version == token_version else None


def answer(
    student_id: int,
    token_version: int,
    build: Callable[[], tuple[int, bytes]],
    redis_error: redis.RedisError | None = None,
) -> bytes:
    """The stored answer when it is current; otherwise `build()` (returning the student's token_version
    and the JSON) runs and its answer is stored under the generations read before it ran. Given the
    `redis_error` this request already met, Redis is not asked again (a hung server costs one timeout)."""
    gen_key, zones_key, answer_key = _keys(student_id)
    if redis_error is None:
        try:
            tag, version, body = current(get_redis().mget(gen_key, zones_key, answer_key))
        except redis.RedisError as exc:
            redis_error = exc
    if redis_error is not None:
        logger.warning('GET /me from the database: Redis unavailable (%s)', redis_error)
        return build()[1]
    if body is not None:
        if version != token_version:
            raise Revoked()
        return body
    version, body = build()
    try:
        get_redis().set(answer_key, tag + b'%d:' % version + body, ex=ANSWER_TTL)
    except redis.RedisError as exc:
        logger.warning('GET /me answer not stored: Redis unavailable (%s)', exc)
    return body


def _student_ids(session: Session, instance) -> set[int]:
    if isinstance(instance, Student):
        return {instance.id}
    if isinstance(instance, (Registration, Suspension)):
        # Both the student it belongs to now and the one it belonged to before the change.
        history = sa.inspect(instance).attrs.student_id.history
        return {sid for sid in (instance.student_id, *history.deleted) if sid is not None}
    if isinstance(instance, CommitmentLetter):
        registration = instance.registration
        return {registration.student_id} if registration is not None and registration.student_id else set()
    return set()


def student_changed(session: Session, student_id: int) -> None:
    """A write the student sees that no flush shows (a Core statement: a first login's insert of the student row,
    create and submit of a registration): their answer goes stale at commit."""
    session.info.setdefault(_CHANGED, set()).add(student_id)


@event.listens_for(Session, 'after_flush')
def _collect(session: Session, _flush_context) -> None:
    students = session.info.setdefault(_CHANGED, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Zone):
            session.info[_ZONES] = True
        else:
            students |= _student_ids(session, instance)


# Nothing is forgotten on rollback: a savepoint's rollback must not drop what the enclosing transaction
# changed, and a generation bumped for a change that did not happen costs one rebuild.
@after_commit.owes
def _bump(session: Session) -> after_commit.Owed | None:
    """The generations this commit moves on, sent in the one pipeline after it."""
    students = session.info.pop(_CHANGED, set())
    zones = session.info.pop(_ZONES, False)
    if not (students or zones):
        return None

    def add(pipe) -> None:
        for student_id in students:
            pipe.incr(_keys(student_id)[0])
        if zones:
            pipe.incr(_keys(0)[1])

    def replied(replies) -> None:
        if isinstance(replies, redis.RedisError):
            failed = replies
        else:
            failed = next((reply for reply in replies if isinstance(reply, redis.RedisError)), None)
        if failed is not None:
            _owe(students, zones, failed)

    return after_commit.Owed(add, replied)


def _owe(students: set[int], zones: bool, failed: redis.RedisError) -> None:
    """Record the bumps Redis refused, for settle_owed_bumps; on a connection of its own, the session's transaction
    having ended."""
    rows = [{'student_id': student_id} for student_id in students] + ([{'student_id': None}] if zones else [])
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.insert(OwedBump.__table__), rows)
    except sa.exc.SQLAlchemyError as lost:
        # Answers expire within ANSWER_TTL; until then one may show what this commit changed.
        logger.error(
            'GET /me answers of %d student(s) not invalidated: Redis unavailable (%s), nor recorded (%s)',
            len(students),
            failed,
            lost,
        )
        return
    logger.warning('GET /me answers of %d student(s) to invalidate once Redis is back (%s)', len(students), failed)


def settle_owed_bumps(session: Session, batch: int = 5000) -> int:
    """Move on the generations commits owed while Redis was unavailable and drop their records; how many were
    settled. A Redis error leaves them for the next run (a bump sent twice costs one rebuild)."""
    owed = session.execute(sa.select(OwedBump.id, OwedBump.student_id).order_by(OwedBump.id).limit(batch)).all()
    if not owed:
        return 0
    pipe = get_redis().pipeline(transaction=False)
    for student_id in {row.student_id for row in owed}:
        pipe.incr(_keys(student_id)[0] if student_id is not None else _keys(0)[1])
    pipe.execute()
    session.execute(sa.delete(OwedBump).where(OwedBump.id.in_([row.id for row in owed])))
    return len(owed)
