"""Create and submit answer with `registration_json` (built from what their statements returned), every other
registration call with RegistrationSchema: the two must say the same, field for field."""

from __future__ import annotations

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.registration import states
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration
from tests.factories import registration_fields

BANK = {'bank_name': '中国银行', 'account_name': '张晓雨', 'account_no': '6217000012345678'}


def test_create_and_submit_answer_as_the_schema_does(zone, student_client):
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    created = student.post('/registrations', json=registration_fields(bank=BANK))
    assert created.status_code == 201, created.json
    number = created.json['id']
    assert created.json == student.get(f'/registrations/{number}').json
    assert created.json['bank']['account_no'] != BANK['account_no']  # masked
    submitted = student.post(f'/registrations/{number}/submit')
    assert submitted.status_code == 200, submitted.json
    assert submitted.json == student.get(f'/registrations/{number}').json
    assert [h['to_status'] for h in submitted.json['history']] == ['submitted']

    # Returned by the centre, then submitted again: the answer carries the whole history and no stale reason.
    states.transition(
        db.session.get(Registration, number), 'return', Actor.reviewer(1, 'zone_admin'), reason='请补充学号'
    )
    db.session.commit()
    again = student.post(f'/registrations/{number}/submit')
    assert again.status_code == 200, again.json
    assert again.json == student.get(f'/registrations/{number}').json
    assert [h['to_status'] for h in again.json['history']] == ['submitted', 'returned', 'submitted']
    assert again.json['review_reason'] is None and again.json['history'][1]['reason'] == '请补充学号'
