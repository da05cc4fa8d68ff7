"""Renewal (续保): paid up last year in this zone → approved for this year, without review."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.registration import renewal
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent
from tests.factories import make_id_number


def test_paid_up_last_year_renews_straight_to_payment_carrying_last_years_answers(
    zone, student, create_registration, insure
):
    number = make_id_number()
    create_registration(
        student,
        zone,
        status='paid',
        year=zone.year - 1,
        id_number=number,
        college='外国语学院',
        marital_status='unmarried',
    )
    insure(number, zone, paid_through_year=zone.year - 1, name='张晓雨')
    renewed = renewal.renew(student, '341800')
    assert (renewed.status, renewed.year, renewed.renewal) == ('approved', zone.year, True)
    assert renewed.amount_due_fen == zone.premium_fen and renewed.stage is None
    assert (renewed.college, renewed.marital_status, renewed.name) == ('外国语学院', 'unmarried', '张晓雨')
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.registration_id == renewed.id)).one()
    assert (event.to_status, event.detail) == ('approved', {'action': 'renew'})


def test_a_person_named_in_the_request_renews_without_an_earlier_registration_here(zone, student, insure, prove):
    number = make_id_number()
    insure(number, zone, paid_through_year=zone.year - 1)
    prove(student, number, '李云')
    renewed = renewal.renew(student, '341800', id_type='resident_id', id_number=number)
    assert renewed.status == 'approved' and renewed.id_number == number


@pytest.mark.parametrize('paid_through', [None, -2])
def test_not_paid_up_last_year_is_not_eligible(zone, student, insure, prove, paid_through):
    number = make_id_number()
    insure(number, zone, paid_through_year=None if paid_through is None else zone.year + paid_through)
    prove(student, number, '李云')
    with pytest.raises(EnrolmentError) as refused:
        renewal.renew(student, '341800', id_number=number)
    assert refused.value.code == 'not_eligible' and str(zone.year - 1) in refused.value.message


def test_nobody_to_renew_asks_for_an_id_number(zone, student):
    with pytest.raises(EnrolmentError) as refused:
        renewal.renew(student, '341800')
    assert refused.value.code == 'not_eligible' and '证件号码' in refused.value.message


def test_renewal_is_refused_while_enrolled_in_another_zone(zone, other_zone, student, insure, prove):
    number = make_id_number()
    insure(number, zone, paid_through_year=zone.year - 1)
    prove(student, number, '李云')
    insure(number, other_zone)
    with pytest.raises(EnrolmentError) as refused:
        renewal.renew(student, '341800', id_number=number)
    assert refused.value.code == 'already_enrolled' and refused.value.details['zone_code'] == '530000'
