"""`flask seed-demo`: three schools of students in every state, deterministic, written in bulk."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.reports import statistics
from miniapp_backend.enrolment.roster import progress
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, Payment, Registration, Reviewer, RosterEntry, Suspension
from miniapp_backend.models.enums import RegistrationStatus

pytestmark = pytest.mark.slow


def _digest() -> str:
    rows = db.session.execute(
        sa.select(Registration.student_no, Registration.name, Registration.status).order_by(
            Registration.student_no, Registration.id
        )
    ).all()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_seed_demo_fills_three_schools_deterministically(app, _app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=['seed-demo'])
    assert 'demo data created (6000 roster students' in result.output, result.output
    statuses = set(db.session.scalars(sa.select(Registration.status).distinct()))
    assert statuses >= set(RegistrationStatus) - {RegistrationStatus.UNDER_REVIEW}  # 宣城 reviews in one stage
    admin = db.session.scalars(sa.select(Reviewer).where(Reviewer.username == 'demo')).one()
    rows = progress.by_class(admin, admin.zone.year)
    assert len({row.school for row in rows}) == 3 and len(rows) == 60
    total = progress.totals(rows)
    assert total.roster == 6000 and total.pending > 500 and total.exempt > 50 and total.paid > 2000
    # The kept statistics agree with the rows (the demo inserts past the ORM that keeps them).
    actual = dict(
        db.session.execute(sa.select(Registration.status, sa.func.count()).group_by(Registration.status)).all()
    )
    for status, count in actual.items():
        assert statistics.total(admin, status.value) == count, status
    days = {d.date() for d in db.session.scalars(sa.select(Payment.paid_at))}
    assert len(days) >= 14  # payments over the last weeks: the chart has a shape
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Suspension)) >= 4
    assert {j.error_rows > 0 for j in db.session.scalars(sa.select(ImportJob))} == {True, False}
    first = _digest()
    assert runner.invoke(args=['seed-demo']).output.strip() == 'demo data already present'
    tables = ', '.join(t.name for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f'TRUNCATE {tables} RESTART IDENTITY CASCADE'))
    db.session.commit()
    runner.invoke(args=['seed-demo'])
    assert _digest() == first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 6000
