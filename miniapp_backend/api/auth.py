"""Bearer authentication for the student API; each authenticated call is one unit of work."""

from __future__ import annotations

import functools

from flask import current_app, g, request

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.students import tokens
from miniapp_backend.extensions import db
from miniapp_backend.models import Student
from miniapp_backend.unit_of_work import unit_of_work

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


def current_claims() -> tokens.Claims:
    return g.claims


def claims_required(view):
    """`student_required` for the hot writes (create, submit): the token's signature and age are checked here and
    its version by the view's own first statement (`tokens.check_version`), so no statement loads the student."""

    @functools.wraps(view)
    @unit_of_work(keep_loaded=True)
    def wrapper(*args, **kwargs):
        g.claims = tokens.Claims(*bearer_claims())
        return view(*args, **kwargs)

    return wrapper


def student_required(view):
    """Resolve the bearer token to a student and run the view as one unit of work (a refusal changes nothing)."""

    @functools.wraps(view)
    @unit_of_work(keep_loaded=True)
    def wrapper(*args, **kwargs):
        g.student = tokens.student_with_version(*bearer_claims())
        return view(*args, **kwargs)

    return wrapper


def owned(model, object_id: int, options=(), for_update: bool = False):
    """A record of the current student's, or 404 (never 403: others' records do not exist for them).
    `options` load what the response needs in the same round trip; the row is read afresh. `for_update` takes its
    row lock for the request's transaction: an edit then reads what a concurrent write committed (a submission's
    conditional UPDATE takes no lock first) and is judged on it, instead of writing over it."""
    lock = {'of': model} if for_update else None  # of the row only: `options` may join nullable relations
    # Ids beyond the column's range cannot exist; asking the database would fail instead of answering.
    record = (
        db.session.get(model, object_id, options=options, populate_existing=True, with_for_update=lock)
        if 0 < object_id < 2**31
        else None
    )
    if record is None or record.student_id != g.student.id:
        raise EnrolmentError('not_found', '记录不存在', status=404)
    return record
