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


def student_required(view):
    """Resolve the bearer token to a student, run the view, commit; a refusal rolls everything back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get('Authorization', '')
        if not header.startswith('Bearer ') or not header[7:].strip():
            raise EnrolmentError('unauthorized', '请先登录', status=401)
        g.student = tokens.student_for(header[7:].strip(), current_app.config['SECRET_KEY'],
                                       current_app.config['API_TOKEN_TTL'])
        result = view(*args, **kwargs)
        db.session.commit()
        return result

    return wrapper


def owned(model, object_id: int):
    """A record of the current student's, or 404 (never 403: others' records do not exist for them)."""
    # Ids beyond the column's range cannot exist; asking the database would fail instead of answering.
    record = db.session.get(model, object_id) if 0 < object_id < 2 ** 31 else None
    if record is None or record.student_id != g.student.id:
        raise EnrolmentError('not_found', '记录不存在', status=404)
    return record
