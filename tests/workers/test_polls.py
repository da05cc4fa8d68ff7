"""Payment and suspension polls against the fake tax bureau and origin gateway."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from miniapp_backend.enrolment.payment import deadlines
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, InsuredPerson, Notification, Payment, Registration, Suspension
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import InsuredStatus
from miniapp_backend.security.blind_index import blind_index
from workers import jobs

PAID = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def _approved(create_registration, student, zone, **overrides):
    registration = create_registration(
        student,
        zone,
        status='approved',
        amount_due_fen=zone.premium_fen,
        payment_check_at=utcnow() - timedelta(seconds=1),
        **overrides,
    )
    return registration


def test_payment_found_marks_paid_and_registers_the_person(app, fake_tax, templated_zone, student, create_registration):
    registration = _approved(create_registration, student, templated_zone)
    fake_tax.add_payment('341800', templated_zone.year, registration.id_number, 40000, PAID, 'V2027001')
    assert jobs.poll_payments()['paid'] == 1
    db.session.expire_all()
    assert registration.status == 'paid' and registration.payment_channel == 'tax'
    payment = db.session.scalars(sa.select(Payment)).one()
    assert (payment.voucher_no, payment.amount_fen, payment.paid_at) == ('V2027001', 40000, PAID)
    person = db.session.scalars(sa.select(InsuredPerson)).one()
    assert (person.status, person.paid_through_year, person.zone_id) == ('normal', registration.year, templated_zone.id)
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['paid']
    assert fake_tax.requests[0]['json']['id_numbers'] == [registration.id_number]
    assert jobs.poll_payments()['asked'] == 0  # paid ones are no longer asked about


def test_payment_not_found_is_asked_again_later(app, fake_tax, templated_zone, student, create_registration):
    registration = _approved(create_registration, student, templated_zone)
    assert jobs.poll_payments() == {'asked': 1, 'paid': 0, 'mismatched': 0, 'unavailable': 0, 'unreadable': 0}
    db.session.expire_all()
    assert registration.status == 'approved' and registration.payment_check_at > utcnow()
    assert jobs.poll_payments()['asked'] == 0


def test_wrong_amount_is_flagged_not_marked(app, fake_tax, templated_zone, student, create_registration):
    registration = _approved(create_registration, student, templated_zone)
    fake_tax.add_payment('341800', templated_zone.year, registration.id_number, 38000, PAID, 'V2027002')
    assert jobs.poll_payments()['mismatched'] == 1
    db.session.expire_all()
    assert registration.status == 'approved' and '应缴400.00元，实缴380.00元' in registration.flag
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    registration.payment_check_at = utcnow()
    db.session.commit()
    assert jobs.poll_payments()['mismatched'] == 1
    assert _audits('payment_mismatch') == 1  # asked again every few minutes, written down once


def _audits(action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_an_unreadable_record_is_set_aside_for_a_reviewer_and_the_rest_are_recorded(
    app, fake_tax, templated_zone, create_student, create_registration
):
    """One record the bureau sent wrong (a year-1 time, a 80-character voucher, half a fen) must not stop the others,
    nor keep the poll asking the same registrations for ever."""
    good, *bad = [_approved(create_registration, create_student(), templated_zone) for _ in range(4)]
    year = templated_zone.year
    fake_tax.add_payment('341800', year, good.id_number, 40000, PAID, 'V-GOOD')
    fake_tax.add_payment('341800', year, bad[0].id_number, 40000, '0001-01-01T00:00:00+01:00', 'V-OLD')
    fake_tax.add_payment('341800', year, bad[1].id_number, 40000, PAID, 'V' * 80)
    fake_tax.add_payment('341800', year, bad[2].id_number, 40000.5, PAID, 'V-HALF')
    report = jobs.poll_payments()
    assert (report['paid'], report['unreadable']) == (1, 3)
    db.session.expire_all()
    assert good.status == 'paid'
    for registration in bad:
        assert registration.status == 'approved' and '缴费记录无法识别' in registration.flag
        assert registration.payment_check_at > utcnow()  # asked again later, like any unpaid one
    assert _audits('payment_unreadable') == 3
    db.session.execute(sa.update(Registration).values(payment_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert jobs.poll_payments()['unreadable'] == 3
    assert _audits('payment_unreadable') == 3  # flagged once


def test_a_voucher_no_column_could_hold_is_set_aside_and_the_rest_are_recorded(
    app, fake_tax, templated_zone, create_student, create_registration
):
    """A NUL or a lone surrogate in a voucher rolled back the whole poll (and 我已缴费 answered 500)."""
    good, *bad = [_approved(create_registration, create_student(), templated_zone) for _ in range(3)]
    year = templated_zone.year
    fake_tax.add_payment('341800', year, good.id_number, 40000, PAID, 'V-GOOD')
    fake_tax.add_payment('341800', year, bad[0].id_number, 40000, PAID, 'VN\x00X')
    fake_tax.add_payment('341800', year, bad[1].id_number, 40000, PAID, 'V\ud800')
    report = jobs.poll_payments()
    assert (report['paid'], report['unreadable']) == (1, 2)
    db.session.expire_all()
    assert good.status == 'paid' and all('无法识别' in r.flag for r in bad)


def test_notes_for_one_registration_add_up_and_are_written_down_once(
    app, fake_tax, templated_zone, create_student, create_registration
):
    """Paid by one record while another could not be read: the note for the refund check stays. A mismatch and an
    unreadable record on one registration: both noted, each audited once however often the poll asks."""
    paid, mismatched = (_approved(create_registration, create_student(), templated_zone) for _ in range(2))
    year = templated_zone.year
    fake_tax.add_payment('341800', year, paid.id_number, 40000, PAID, 'VR1')
    fake_tax.add_payment('341800', year, paid.id_number, '40000.00', PAID, 'VR2')
    fake_tax.add_payment('341800', year, mismatched.id_number, 30000, PAID, 'VM1')
    fake_tax.add_payment('341800', year, mismatched.id_number, 40000, '2026-11-20T08:30:00', 'VM2')
    for _ in range(3):
        jobs.poll_payments()
        db.session.execute(sa.update(Registration).values(payment_check_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    db.session.expire_all()
    assert paid.status == 'paid' and '无法识别' in paid.flag
    assert mismatched.status == 'approved' and '缴费金额不符' in mismatched.flag and '无法识别' in mismatched.flag
    assert (_audits('payment_unreadable'), _audits('payment_mismatch')) == (2, 1)


def test_a_second_payment_in_one_answer_is_named_for_refund_not_dropped(
    app, fake_tax, templated_zone, student, create_registration
):
    registration = _approved(create_registration, student, templated_zone)
    fake_tax.add_payment('341800', templated_zone.year, registration.id_number, 40000, PAID, 'STUDENT-23')
    fake_tax.add_payment('341800', templated_zone.year, registration.id_number, 40000, PAID, 'PARENT-23')
    assert jobs.poll_payments()['paid'] == 1
    db.session.expire_all()
    assert registration.status == 'paid'
    assert '重复缴费' in registration.flag and 'STUDENT-23' in registration.flag and 'PARENT-23' in registration.flag
    assert _audits('payment_not_recorded') == 1
    assert db.session.scalars(sa.select(Payment.voucher_no)).all() == ['STUDENT-23']


def test_gateway_down_marks_nothing_and_retries_later(app, fake_tax, templated_zone, student, create_registration):
    registration = _approved(create_registration, student, templated_zone)
    fake_tax.add_payment('341800', templated_zone.year, registration.id_number, 40000, PAID, 'V2027003')
    fake_tax.script('/payments/query', [{'status': 503}])
    assert jobs.poll_payments()['unavailable'] == 1
    db.session.expire_all()
    assert registration.status == 'approved' and registration.payment_check_at > utcnow()
    registration.payment_check_at = utcnow()
    db.session.commit()
    assert jobs.poll_payments()['paid'] == 1


def _suspension(zone, student, origin_zone=None, code='340400', delay=timedelta(0)):
    id_number = '34052419800101001X'
    suspension = Suspension(
        student=student,
        origin_zone_code=origin_zone.code if origin_zone else code,
        origin_zone=origin_zone,
        id_index=blind_index(id_number),
        id_number=id_number,
        name='王宣',
        reason='在学籍地参加城乡居民医保',
        suspend_from=date(2026, 12, 1),
        consent_at=utcnow(),
        next_check_at=utcnow() + delay,
    )
    db.session.add(suspension)
    db.session.commit()
    return suspension


def test_in_platform_suspension_confirms_after_the_delay(app, create_zone, templated_zone, student):
    origin = create_zone('530000', '云南省本级')
    db.session.add(
        InsuredPerson(
            id_index=blind_index('34052419800101001X'),
            id_number='34052419800101001X',
            name='王宣',
            zone=origin,
            since=date(2024, 1, 1),
        )
    )
    suspension = _suspension(templated_zone, student, origin_zone=origin, delay=timedelta(minutes=10))
    assert jobs.poll_suspensions()['confirmed'] == 0
    suspension.next_check_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.poll_suspensions()['confirmed'] == 1
    db.session.expire_all()
    person = db.session.scalars(sa.select(InsuredPerson)).one()
    assert (suspension.status, person.status, person.until) == (
        'confirmed',
        InsuredStatus.SUSPENDED,
        date(utcnow().year, 12, 31),
    )
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['suspension_confirmed']


def test_outside_origin_pending_then_confirmed(app, fake_origin, templated_zone, student):
    suspension = _suspension(templated_zone, student)
    statuses = []
    for _ in range(3):
        jobs.poll_suspensions()
        db.session.expire_all()
        statuses.append(suspension.status.value)
        suspension.next_check_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert statuses == ['submitted', 'submitted', 'confirmed']
    assert suspension.gateway_ref and fake_origin.count('/suspensions') == 1


def test_outside_origin_refused(app, fake_origin, templated_zone, student):
    fake_origin.set_outcome('34052419800101001X', initial='refused')
    suspension = _suspension(templated_zone, student)
    assert jobs.poll_suspensions()['refused'] == 1
    db.session.expire_all()
    assert suspension.status == 'refused' and '住院' in suspension.message
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['suspension_refused']


def test_remind_then_expire(app, create_zone, student, create_registration):
    now = utcnow()
    zone = create_zone(window_closes_at=now + timedelta(days=1), remind_days_before_close=3)
    registration = create_registration(student, zone, status='approved')
    assert deadlines.remind_unpaid(now).reminded == 1 and deadlines.remind_unpaid(now).reminded == 0
    assert deadlines.expire_unpaid(now) == 0
    assert deadlines.expire_unpaid(now + timedelta(days=2)) == 1
    db.session.expire_all()
    assert registration.status == 'expired'
    # Reminded before the close, told after it that the registration lapsed.
    assert db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)).all() == [
        'window_closing',
        'expired',
    ]


def test_a_payment_made_on_the_last_evening_is_found_after_the_close_not_expired(
    app, fake_tax, create_zone, student, create_registration
):
    """Seed 000: the bureau confirms a payment in 1–2 working days. The scheduled expiry waits PAYMENT_SETTLE_HOURS
    after the close, and the payment poll keeps asking meanwhile: the student who paid at 23:00 is paid, not
    expired; one who never paid expires once that time has passed."""
    closed = utcnow() - timedelta(days=2)
    zone = create_zone(window_closes_at=closed)
    paid_late = _approved(create_registration, student, zone)
    unpaid = _approved(create_registration, student, zone, id_number='110101200001010011')
    assert jobs.expire_unpaid() == 0  # two days after the close, within the default 96 hours
    fake_tax.add_payment('341800', zone.year, paid_late.id_number, 40000, closed - timedelta(hours=1), 'V-LAST')
    assert jobs.poll_payments()['paid'] == 1
    app.config['PAYMENT_SETTLE_HOURS'] = 24
    try:
        assert jobs.expire_unpaid() == 1
    finally:
        app.config['PAYMENT_SETTLE_HOURS'] = 96
    db.session.expire_all()
    assert (paid_late.status, unpaid.status) == ('paid', 'expired')
