"""Statements each hot request sends to PostgreSQL, counted with SQLAlchemy's before_cursor_execute event:
create + submit stay a handful of round trips (a regression adds a query per response or per field)."""

from __future__ import annotations

from miniapp_backend.extensions import db
from tests.factories import registration_fields
from tests.statements import Statements

#: Upper bounds per request, BEGIN and COMMIT included. Create: token, open draft, school, duplicate check
#: (one round trip), INSERT … RETURNING, the statistics count row. Submit: token, the registration with what
#: its response shows, its history, duplicate check, SAVEPOINT and RELEASE (a lost duplicate race must not undo
#: the caller's transaction), UPDATE, audit row, count rows, day row, and the 受理 message (its outbox row and the
#: once-only check of its event key).
CREATE_LIMIT = 8
SUBMIT_LIMIT = 14


def test_create_and_submit_stay_within_a_handful_of_statements(zone, student_client):
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    db.session.remove()  # each request starts with an empty session, as under gunicorn
    with Statements() as create:
        created = student.post('/registrations', json=registration_fields())
    assert created.status_code == 201, created.json
    db.session.remove()
    with Statements() as submit:
        submitted = student.post(f'/registrations/{created.json["id"]}/submit')
    assert submitted.status_code == 200 and submitted.json['status'] == 'submitted'
    assert [h['to_status'] for h in submitted.json['history']] == ['submitted']
    assert created.json['history'] == [] and created.json['photo_uploaded'] is False
    assert len(create.sql) <= CREATE_LIMIT, create.sql
    assert len(submit.sql) <= SUBMIT_LIMIT, submit.sql
