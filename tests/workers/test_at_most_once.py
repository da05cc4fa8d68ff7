"""At most once for real: a slow WeChat never gets a message twice; the reminder skips whom it cannot message;
every template the backend sends is one the mini-program asks the student to accept."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.messages import outbox
from miniapp_backend.enrolment.registration.states import Action, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import Notification
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import NotificationKind
from workers import jobs

ROOT = Path(__file__).resolve().parents[2]
SEND = '/cgi-bin/message/subscribe/send'
CENTRE = Actor.reviewer(1, 'centre_reviewer')


def test_a_wechat_slower_than_the_timeout_gets_each_message_at_most_once(
    app, fake_wechat, templated_zone, create_student, create_registration, grant, run_worker
):
    students = [create_student() for _ in range(3)]
    for student in students:
        grant(student, 'tpl-approved', count=5)
        transition(create_registration(student, templated_zone, status='submitted'), Action.APPROVE, CENTRE)
    db.session.commit()
    timeout = app.config['WECHAT_TIMEOUT']
    fake_wechat.script(SEND, [{'delay': timeout + 1.0}] * 30)  # every send outlasts the client's timeout
    for _ in range(3):  # real worker processes, as the scheduler would run them again and again
        for row in db.session.scalars(sa.select(Notification)):
            row.next_attempt_at = utcnow() - timedelta(minutes=10)
        db.session.commit()
        result = run_worker(timeout=120)
        assert result.returncode == 0, result.stderr[-2000:]
        jobs.drain_outbox()
    import time

    time.sleep(timeout + 1.5)  # let the fake finish the requests it is still holding
    per_user = [message['touser'] for message in fake_wechat.messages]
    assert fake_wechat.count(SEND) == len(students)  # one request per row, ever
    assert sorted(per_user) == sorted(s.openid for s in students)  # each arrived, once
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Notification)).all()
    assert [(row.status, row.attempts) for row in rows] == [('unknown', 1)] * len(students)


def test_reminder_skips_and_counts_registrations_without_a_student(app, create_zone, student, create_registration):
    zone = create_zone(window_closes_at=utcnow() + timedelta(days=1), remind_days_before_close=3)
    imported = create_registration(None, zone, status='approved')  # a school imported it; nobody signed in yet
    own = create_registration(student, zone, status='approved')
    assert jobs.remind_unpaid() == {'reminded': 1, 'without_student': 1}
    db.session.expire_all()
    assert own.reminded_at is not None and imported.reminded_at is None
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['window_closing']
    assert jobs.remind_unpaid() == {'reminded': 0, 'without_student': 1}


def test_every_kind_the_backend_sends_is_one_the_mini_program_asks_to_accept():
    asked = set()
    for page in (ROOT / 'miniprogram' / 'lib' / 'pages').glob('*.js'):
        for kinds in re.findall(r'subscribe\(\{[^}]*\},\s*\[([^\]]*)\]\)', page.read_text()):
            asked |= set(re.findall(r"'(\w+)'", kinds))
    # /config answers 'suspension' with the suspension template, which both suspension messages use
    if 'suspension' in asked:
        asked |= {'suspension_confirmed', 'suspension_refused'}
    # A kind without a template of its own is sent with another's (a revocation with the rejection's)
    asked |= {kind.value for kind, other in outbox.TEMPLATE_FALLBACK.items() if other.value in asked}
    sent = {kind.value for kind in outbox.TITLES}
    assert sent <= asked, f'sent but never asked for: {sorted(sent - asked)}'
    assert NotificationKind.WINDOW_CLOSING.value in asked
