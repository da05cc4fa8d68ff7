"""Statistics read counts kept current by every change to registrations; after each change through the real
paths (the API, the admin page, the payment poll) the kept counts equal a recount of the registrations."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from miniapp_backend.enrolment.reports import counts
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    Registration,
    RegistrationCount,
    RegistrationCountDelta,
    RegistrationDay,
    RegistrationDayDelta,
)
from miniapp_backend.models.base import utcnow
from tests.admin.pages import decision_fields
from tests.api.conftest import StudentClient
from tests.factories import registration_fields
from workers import jobs

RECOUNT = sa.text("""
    SELECT zone_id, coalesce(school_id, 0), coalesce(college, ''), coalesce(class_name, ''), status,
        coalesce(payment_channel, ''), count(*), sum(coalesce(amount_due_fen, 0)),
        sum(CASE WHEN status = 'paid' THEN coalesce(amount_due_fen, 0) ELSE 0 END)
    FROM registrations GROUP BY 1, 2, 3, 4, 5, 6""")
RECOUNT_DAYS = sa.text("""
    SELECT zone_id, coalesce(school_id, 0), coalesce(college, ''), coalesce(class_name, ''), d,
        sum(s), sum(p) FROM (
        SELECT *, CAST(timezone('UTC', submitted_at) AS date) AS d, 1 AS s, 0 AS p FROM registrations
        WHERE submitted_at IS NOT NULL
        UNION ALL
        SELECT *, CAST(timezone('UTC', paid_at) AS date), 0, 1 FROM registrations WHERE paid_at IS NOT NULL) AS x
    GROUP BY 1, 2, 3, 4, 5""")


def _summed(kept, delta, keys, values) -> set:
    """Kept rows plus the deltas not folded yet, per key, leaving out keys that sum to nothing."""
    cells = sa.union_all(*(sa.select(*(getattr(m, k) for k in keys + values)) for m in (kept, delta))).subquery()
    sums = [sa.func.sum(cells.c[v]) for v in values]
    rows = db.session.execute(sa.select(*(cells.c[k] for k in keys), *sums).group_by(*(cells.c[k] for k in keys)))
    return {tuple(row) for row in rows if any(row[len(keys) :])}


def _kept() -> tuple[set, set]:
    return (
        _summed(
            RegistrationCount,
            RegistrationCountDelta,
            ('zone_id', 'school_id', 'college', 'class_name', 'status', 'payment_channel'),
            ('count', 'due_fen', 'paid_fen'),
        ),
        _summed(
            RegistrationDay,
            RegistrationDayDelta,
            ('zone_id', 'school_id', 'college', 'class_name', 'day'),
            ('submitted', 'paid'),
        ),
    )


def _assert_current():
    db.session.expire_all()
    truth = {tuple(row) for row in db.session.execute(RECOUNT)}
    truth_days = {tuple(row) for row in db.session.execute(RECOUNT_DAYS)}
    assert _kept() == (truth, truth_days)


def _admin(client, create_reviewer):
    create_reviewer('counter', role='zone_admin')
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get('/admin/login').text).group(1)
    client.post('/admin/login', data={'username': 'counter', 'password': 'review-pass-1', 'csrf_token': token})
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get('/admin/').text).group(1)


def test_counts_follow_every_change(client, zone, fake_wechat, fake_tax, create_reviewer):
    student = StudentClient(client, 'counted')
    student.put('/me/zone', json={'zone_code': '341800'})
    created = student.post('/registrations', json=registration_fields()).json
    _assert_current()
    student.patch(f'/registrations/{created["id"]}', json={'class_name': '计算机22-2班', 'college': '软件学院'})
    _assert_current()
    student.post(f'/registrations/{created["id"]}/submit')
    _assert_current()
    token = _admin(client, create_reviewer)
    shown = decision_fields(client, created['id'])
    client.post(f'/admin/registrations/{created["id"]}/decision', data={'decision': 'approve', **shown})
    _assert_current()
    other = StudentClient(client, 'counted-2')
    other.put('/me/zone', json={'zone_code': '341800'})
    second = other.post('/registrations', json=registration_fields()).json
    other.post(f'/registrations/{second["id"]}/submit')
    shown = decision_fields(client, second['id'])
    client.post(f'/admin/registrations/{second["id"]}/decision', data={'decision': 'approve', **shown})
    registration = db.session.get(Registration, second['id'])
    fake_tax.add_payment('341800', registration.year, registration.id_number, 40000, utcnow(), 'V-COUNT-1')
    db.session.execute(sa.update(Registration).values(payment_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert jobs.poll_payments()['paid'] == 1
    _assert_current()
    client.post(
        f'/admin/registrations/{created["id"]}/cash',
        data={'amount': '400.00', 'voucher_no': 'C-COUNT', 'csrf_token': token},
    )
    _assert_current()
    assert jobs.fold_counts() > 0  # the scheduler folds the deltas in; nothing changes for the reader
    assert db.session.query(RegistrationCountDelta).count() == db.session.query(RegistrationDayDelta).count() == 0
    _assert_current()
    page = client.get('/admin/statistics').text
    assert '累计缴费 2' in page and '参保成功' in page and '800.00' in page
    assert client.get('/admin/?all=1').text.count('（2）') == 1  # the list's total from the kept counts


def test_rebuild_counts_rows_written_without_the_orm(zone, create_student, create_registration):
    create_registration(create_student(), zone, status='submitted', submitted_at=utcnow())
    db.session.execute(sa.text("UPDATE registrations SET status = 'paid', paid_at = now(), amount_due_fen = 40000"))
    db.session.commit()
    assert _kept()[0] != {tuple(row) for row in db.session.execute(RECOUNT)}  # the raw UPDATE went uncounted
    counts.rebuild(db.session, zone.id)
    db.session.commit()
    _assert_current()
