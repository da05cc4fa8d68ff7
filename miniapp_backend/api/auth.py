"""Bearer authentication and the per-request unit of work for the student API."""
from __future__ import annotations

import functools

from flask import current_app, g, request

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.students import tokens
from miniapp_backend.extensions import db
from miniapp_backend.models import Student

#: Every operation that takes a student's token documents these errors.
AUTH_ERRORS = (401, 422)


def current_student() -> Student:
    return g.student


def bearer_claims() -> tuple[int, int]:
    """The (student id, token version) of the request's bearer token, checked without the database."""
    header = request.headers.get('Authorization', '')
    if not header.startswith('Bearer ') or not header[7:].strip():
        raise EnrolmentError('unauthorized', '请先登录', status=401)
    return tokens.verify(header[7:].strip(), current_app.config['SECRET_KEY'], current_app.config['API_TOKEN_TTL'])


def student_required(view):
    """Resolve the bearer token to a student, run the view, commit; a refusal rolls everything back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.student = tokens.student_with_version(*bearer_claims())
        result = view(*args, **kwargs)
        commit_keeping_state()
        return result

    return wrapper


def commit_keeping_state() -> None:
    """Commit without expiring what is loaded: the response schema dumps the objects as this request left
    them, instead of reading back what it just wrote."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def owned(model, object_id: int, options=()):
    """A record of the current student's, or 404 (never 403: others' records do not exist for them).
    `options` load what the response needs in the same round trip; the row is read afresh."""
    # Ids beyond the column's range cannot exist; asking the database would fail instead of answering.
    record = (db.session.get(model, object_id, options=options, populate_existing=True)
              if 0 < object_id < 2 ** 31 else None)
    if record is None or record.student_id != g.student.id:
        raise EnrolmentError('not_found', '记录不存在', status=404)
    return record
