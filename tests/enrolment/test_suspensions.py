"""Suspending the home-town enrolment: routed by origin, decided once, the register and the student told."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.suspension import decide
from miniapp_backend.enrolment.suspension.request import request_suspension
from miniapp_backend.extensions import db
from miniapp_backend.models import InsuredPerson, Notification
from miniapp_backend.models.base import utcnow
from tests.factories import make_id_number


def _ask(student, origin_code: str, number: str, **overrides):
    from miniapp_backend.enrolment.students.identity import name_index
    from miniapp_backend.models import IdentityProof
    from miniapp_backend.security.blind_index import blind_index

    name = overrides.get('name', '李云')
    db.session.add(
        IdentityProof(
            student_id=student.id,
            method='face',
            status='passed',
            id_index=blind_index(number),
            name_index=name_index(name),
            id_number=number,
            name=name,
        )
    )
    db.session.flush()
    data = {
        'origin_zone_code': origin_code,
        'reason': '在学籍地参加城乡居民医保',
        'consent': True,
        'suspend_from': utcnow().date(),
        'id_number': number,
        'name': '李云',
        **overrides,
    }
    return request_suspension(student, data)


def test_an_in_platform_origin_waits_for_its_upload_delay_then_confirming_ends_the_home_enrolment(
    zone, other_zone, student, insure
):
    number = make_id_number()
    insure(number, other_zone)
    suspension = _ask(student, '530000', number)
    assert suspension.origin_zone_id == other_zone.id and suspension.status == 'submitted'
    assert suspension.next_check_at - suspension.consent_at == timedelta(minutes=other_zone.suspension_delay_minutes)
    decide.confirm(suspension)
    person = db.session.scalars(sa.select(InsuredPerson).where(InsuredPerson.zone_id == other_zone.id)).one()
    assert (person.status, person.until) == ('suspended', date(utcnow().year, 12, 31))
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['suspension_confirmed']


def test_an_origin_outside_the_platform_goes_through_the_gateway(zone, student):
    suspension = _ask(student, '110000', make_id_number())
    assert suspension.origin_zone_id is None and suspension.next_check_at == suspension.consent_at


def test_a_decision_is_final(zone, other_zone, student):
    suspension = _ask(student, '530000', make_id_number())
    decide.refuse(suspension, message='原参保地未同意暂停参保')
    with pytest.raises(decide.SuspensionAlreadyDecided):
        decide.confirm(suspension)
    assert suspension.status == 'refused'
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['suspension_refused']


@pytest.mark.parametrize(
    ('overrides', 'field'),
    [
        ({'consent': False}, 'consent'),
        ({'suspend_from': date(2000, 1, 1)}, 'suspend_from'),
        ({'origin_zone_code': '341800'}, 'origin_zone_code'),
        ({'id_number': '340524200503140000'}, 'id_number'),
    ],
)
def test_a_request_without_consent_or_with_bad_fields_names_the_field(zone, student, overrides, field):
    student.zone = zone
    with pytest.raises(EnrolmentError) as refused:
        _ask(student, '530000', make_id_number(), **overrides)
    assert refused.value.status == 422 and list(refused.value.errors) == [field]
