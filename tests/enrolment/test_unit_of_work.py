"""Where transactions end: a unit of work commits what returns and undoes what raises."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import Student
from miniapp_backend.unit_of_work import unit_of_work


def _committed_openids() -> list[str]:
    """Read through a connection of its own: only committed rows are visible there."""
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.text('SELECT openid FROM students ORDER BY openid')))


def test_what_returns_is_committed_and_can_stay_loaded(app):
    @unit_of_work(keep_loaded=True)
    def sign_up():
        student = Student(openid='kept')
        db.session.add(student)
        return student

    student = sign_up()
    assert _committed_openids() == ['kept']
    assert 'openid' in student.__dict__  # not expired: a response can dump it without reading it back

    @unit_of_work
    def rename():
        student.openid = 'renamed'

    rename()
    assert 'openid' not in student.__dict__ and _committed_openids() == ['renamed']  # expired, as by default


def test_what_raises_is_rolled_back_and_raised_again(app):
    @unit_of_work
    def sign_up_then_fail():
        db.session.add(Student(openid='dropped'))
        db.session.flush()
        raise RuntimeError('refused')

    with pytest.raises(RuntimeError, match='refused'):
        sign_up_then_fail()
    assert _committed_openids() == []
    assert db.session.scalars(sa.select(Student)).all() == []  # the session is usable again
