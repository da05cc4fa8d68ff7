"""The whole student journey through the API, with the fake WeChat, tax and origin servers."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from miniapp_backend.demo import INSURED, seed_demo
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.registration.states import Action, transition
from miniapp_backend.enrolment.zones import settings as zone_settings
from miniapp_backend.extensions import db
from miniapp_backend.models import CommitmentLetter, Document, InsuredPerson, Registration, Suspension, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.security.blind_index import blind_index
from tests.api.conftest import photo_jpeg, signature_png
from tests.factories import make_id_number, registration_fields
from workers import jobs

CENTRE = Actor.reviewer(1, 'centre_reviewer')


def _seed():
    seed_demo()
    db.session.commit()


def _register(student, **overrides):
    fields = registration_fields(**overrides)
    response = student.post('/registrations', json=fields)
    return fields, response


def _approve(registration_id):
    registration = db.session.get(Registration, registration_id)
    transition(registration, Action.APPROVE, Actor.reviewer(1, 'zone_admin'))
    db.session.commit()


def test_renewal_student_goes_straight_to_payment(app, student_client, fake_tax):
    _seed()
    student = student_client()
    assert student.get('/me').json['next_action'] == 'choose_zone'
    assert student.put('/me/zone', json={'zone_code': '341800'}).status_code == 200
    student.prove_by_face(INSURED[1]['id_number'], INSURED[1]['name'])
    renewal = student.post('/renewals', json={'zone_code': '341800', 'id_number': INSURED[1]['id_number']})
    assert renewal.status_code == 201, renewal.json
    assert (renewal.json['status'], renewal.json['renewal'], renewal.json['id_number']) == (
        'approved',
        True,
        '340524********001X',
    )
    assert student.get('/me').json['next_action'] == 'pay'
    payment = student.get(f'/registrations/{renewal.json["id"]}/payment').json
    assert payment['amount_fen'] == 40000 and payment['navigate']['appId'] == 'wx-tax-demo-appid'
    assert [c['channel'] for c in payment['channels']] == ['tax', 'family']
    qr = student.get(f'/registrations/{renewal.json["id"]}/payment/qr.png')
    assert qr.status_code == 200 and qr.data.startswith(b'\x89PNG')
    year = renewal.json['year']
    fake_tax.add_payment('341800', year, INSURED[1]['id_number'], 40000, utcnow(), 'V-RENEW-1')
    db.session.execute(sa.update(Registration).values(payment_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert jobs.poll_payments()['paid'] == 1
    assert student.get('/me').json['next_action'] == 'done'
    receipts = student.get(f'/registrations/{renewal.json["id"]}/receipts').json['receipts']
    assert [(r['voucher_no'], r['amount_fen']) for r in receipts] == [('V-RENEW-1', 40000)]
    certificate = student.get(f'/registrations/{renewal.json["id"]}/certificate')
    assert certificate.status_code == 200 and '参保证明' in certificate.text and '王*' in certificate.text
    token = certificate.text.split('http://testserver/verify/')[1].split('<')[0]
    assert student.client.get(f'/api/v1/certificates/verify/{token}').json['valid'] is True
    assert '有效' in student.client.get(f'/verify/{token}').text
    forged = token[:-4] + ('AAAA' if not token.endswith('AAAA') else 'BBBB')
    assert student.client.get(f'/api/v1/certificates/verify/{forged}').json['valid'] is False


def test_a_student_paid_up_here_last_year_renews_from_home_without_typing_anything(app, student_client, fake_tax):
    """Seed 002's 续保学生: a year after paying, home offers 续保缴费 (not a new registration and review), and the
    renewal needs nothing typed: the person is the student's own paid registration of last year."""
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    fields, created = _register(student)
    assert student.post(f'/registrations/{created.json["id"]}/submit').status_code == 200
    _approve(created.json['id'])
    zone = db.session.scalars(sa.select(Zone).where(Zone.code == '341800')).one()
    fake_tax.add_payment('341800', zone.year, fields['id_number'], zone.premium_fen, utcnow(), 'V-LAST-YEAR')
    db.session.execute(sa.update(Registration).values(payment_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert jobs.poll_payments()['paid'] == 1
    assert student.get('/me').json['next_action'] == 'done'

    # The next autumn: the zone admin opens next year's window.
    today = utcnow().astimezone(zone_settings.SHANGHAI).date()
    next_year = {
        'year': zone.year + 1,
        'window_opens_at': zone_settings.day_start(today - timedelta(days=1)),
        'window_closes_at': zone_settings.day_end(today + timedelta(days=60)),
    }
    zone_settings.apply(zone, next_year, Actor.reviewer(1, 'zone_admin'), zone_settings.fingerprint(zone))
    db.session.commit()
    me = student.get('/me').json
    assert (me['next_action'], me['registration'], me['zone']['year']) == ('renew', None, zone.year)

    renewal = student.post('/renewals', json={'zone_code': '341800'})
    assert renewal.status_code == 201, renewal.json
    assert (renewal.json['status'], renewal.json['renewal'], renewal.json['year']) == ('approved', True, zone.year)
    assert renewal.json['name'] == fields['name'] and renewal.json['id_number'] == created.json['id_number']
    assert student.get('/me').json['next_action'] == 'pay'


def test_a_record_withdrawn_or_revoked_counts_as_none_for_the_next_step():
    """Taken back by staff is, for what comes next, like taken back by the student: renewal when paid up here last
    year, the home-town suspension while it waits."""
    from types import SimpleNamespace

    from miniapp_backend.enrolment.students.view import next_action
    from miniapp_backend.models.enums import RegistrationStatus as S, SuspensionStatus

    student = SimpleNamespace(zone=SimpleNamespace(code='341800'))
    waiting = SimpleNamespace(status=SuspensionStatus.SUBMITTED)
    for status in (S.WITHDRAWN, S.REVOKED):
        gone = SimpleNamespace(status=status)
        assert next_action(student, gone, None, renewable=True) == 'renew'
        assert next_action(student, gone, waiting) == 'suspend_origin'
        assert next_action(student, gone, None) == 'register'


def test_the_zone_cannot_be_changed_while_a_registration_is_under_way_there(app, student_client):
    """Changed, the registration would be left behind unseen: home shows the zone chosen, the review goes on."""
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    _, created = _register(student)
    student.post(f'/registrations/{created.json["id"]}/submit')
    refused = student.put('/me/zone', json={'zone_code': '530000'})
    assert refused.status_code == 409 and refused.json['code'] == 'registration_under_way'
    assert '请先撤回该登记再更换专区' in refused.json['message']
    assert student.get('/me').json['zone']['code'] == '341800'
    assert student.put('/me/zone', json={'zone_code': '341800'}).status_code == 200  # the same zone again is fine
    student.post(f'/registrations/{created.json["id"]}/withdraw')
    assert student.put('/me/zone', json={'zone_code': '530000'}).status_code == 200


def test_a_student_who_did_not_pay_last_year_registers_again(app, student_client):
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    _, created = _register(student)
    assert student.post(f'/registrations/{created.json["id"]}/submit').status_code == 200
    _approve(created.json['id'])  # approved, never paid
    zone = db.session.scalars(sa.select(Zone).where(Zone.code == '341800')).one()
    zone_settings.apply(zone, {'year': zone.year + 1}, Actor.reviewer(1, 'zone_admin'), zone_settings.fingerprint(zone))
    db.session.commit()
    assert student.get('/me').json['next_action'] == 'register'


def test_not_eligible_for_renewal(app, student_client):
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    number = registration_fields()['id_number']
    unproven = student.post('/renewals', json={'zone_code': '341800', 'id_number': number})
    assert unproven.status_code == 403 and unproven.json['code'] == 'needs_proof'
    student.prove_by_face(number, '张晓雨')
    response = student.post('/renewals', json={'zone_code': '341800', 'id_number': number})
    assert response.status_code == 409 and response.json['code'] == 'not_eligible'


def test_first_time_student_enrolled_at_home(app, student_client):
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    home = INSURED[0]['id_number']  # normally enrolled in 云南省本级
    # The name on file is typed: the refusal names the zone, so the suspension form can say where.
    _, refused = _register(student, id_number=home, name=INSURED[0]['name'])
    assert refused.status_code == 409
    assert refused.json['code'] == 'already_enrolled' and '云南省本级' in refused.json['message']
    assert refused.json['details'] == {'zone_code': '530000', 'zone_name': '云南省本级'}
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Registration).where(Registration.student_id == student.student_id)
        )
        == 0
    )
    student.prove_by_face(home, '李云')
    suspension = student.request_suspension(home, '李云')
    assert suspension.status_code == 201 and suspension.json['status'] == 'submitted'
    assert '10–30分钟' in suspension.json['message']
    assert student.get('/me').json['next_action'] == 'suspend_origin'
    row = db.session.get(Suspension, suspension.json['id'])
    assert row.next_check_at > utcnow() + timedelta(minutes=9)  # the origin's data upload delay
    row.next_check_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    jobs.poll_suspensions()
    assert student.get(f'/suspensions/{row.id}').json['status'] == 'confirmed'
    _, created = _register(student, id_number=home, name='李云')
    assert created.status_code == 201, created.json
    assert student.upload(f'/registrations/{created.json["id"]}/id-photo', photo_jpeg(), 'id.jpg').status_code == 200
    submitted = student.post(f'/registrations/{created.json["id"]}/submit')
    assert submitted.status_code == 200 and submitted.json['status'] == 'submitted'
    assert student.get('/me').json['next_action'] == 'wait_review'
    photo = db.session.scalars(sa.select(Document)).one()
    assert b'SecretPhoneMaker' not in photo.data and photo.content_type == 'image/jpeg'


def test_names_guessed_for_an_enrolled_id_number_are_limited(app, student_client, monkeypatch):
    """The refusal names the zone only to the name on file, so a stranger holding the number could try names until
    the answer changes: past the limit every refusal for that number is 429, the right name's too."""
    _seed()
    monkeypatch.setitem(app.config, 'ENROLLED_NAME_GUESS_RATE', '3 per hour')
    home = INSURED[0]
    other = {'id_number': make_id_number(), 'name': '周敏'}
    yunnan = db.session.scalars(sa.select(Zone).where(Zone.code == '530000')).one()
    db.session.add(
        InsuredPerson(
            id_index=blind_index(other['id_number']),
            id_number=other['id_number'],
            name=other['name'],
            zone=yunnan,
            since=date(2020, 1, 1),
            source='demo',
        )
    )
    db.session.commit()
    strangers = [student_client() for _ in range(2)]
    codes = [_register(strangers[n % 2], id_number=home['id_number'], name=name)[1] for n, name in enumerate('王李赵')]
    assert [r.json['code'] for r in codes] == ['not_eligible'] * 3
    for name in ('钱多多', home['name']):
        refused = _register(strangers[0], id_number=home['id_number'], name=name)[1]
        assert refused.status_code == 429 and refused.json['code'] == 'rate_limited', refused.json
        assert '云南' not in refused.json['message'] and 'details' not in refused.json
    # Another number is not touched by these guesses.
    named = _register(strangers[1], id_number=other['id_number'], name=other['name'])[1]
    assert named.status_code == 409 and named.json['code'] == 'already_enrolled', named.json


def test_subsidised_student_signs_a_sealed_letter(app, student_client):
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    _, created = _register(student, special_identity='subsistence_allowance')
    registration_id = created.json['id']
    assert created.json['letter_required'] and not created.json['letter_signed']
    assert student.get('/me').json['next_action'] == 'sign_letter'
    refused = student.post(f'/registrations/{registration_id}/submit')
    assert refused.status_code == 422 and refused.json['code'] == 'letter_required'
    assert refused.json['errors'] == {'letter': ['资助参保对象须先签署承诺书']}
    letter = student.get(f'/registrations/{registration_id}/commitment-letter').json
    assert (
        '张晓雨' in letter['text']
        and '自愿放弃享受参保资助对象参保政策' in letter['text']
        and '宣城市' in letter['text']
    )
    sealed = student.upload(f'/registrations/{registration_id}/commitment-letter', signature_png())
    assert sealed.status_code == 200 and len(sealed.json['sha256']) == 64
    from miniapp_backend.enrolment.registration import letters

    stored = db.session.scalars(sa.select(CommitmentLetter)).one()
    assert letters.verify(stored)
    stored.text = stored.text.replace('张晓雨', '李四')
    assert not letters.verify(stored)
    db.session.rollback()
    assert student.post(f'/registrations/{registration_id}/submit').json['status'] == 'submitted'


def test_a_zone_that_asks_for_the_id_photo_takes_no_submission_without_it(app, student_client):
    """登记材料: 上传参保人身份证照片 (seed 002). The zone says so in GET /me; a submission without the photo is refused
    naming it and changes nothing; with it, the registration is submitted."""
    from miniapp_backend.models import Zone

    _seed()
    db.session.execute(sa.update(Zone).where(Zone.code == '341800').values(id_photo_required=True))
    db.session.commit()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    assert student.get('/me').json['zone']['id_photo_required'] is True
    _, created = _register(student)
    item = f'/registrations/{created.json["id"]}'
    refused = student.post(f'{item}/submit')
    assert refused.status_code == 422 and refused.json['code'] == 'photo_required'
    assert refused.json['errors'] == {'id_photo': ['请上传身份证照片']}
    assert db.session.get(Registration, created.json['id']).status == 'draft'
    assert student.upload(f'{item}/id-photo', photo_jpeg(), 'id.jpg').status_code == 200
    assert student.post(f'{item}/submit').json['status'] == 'submitted'
    # A zone that does not ask for it takes a submission without the photo.
    other = student_client()
    other.put('/me/zone', json={'zone_code': '370200'})
    assert other.get('/me').json['zone']['id_photo_required'] is False
    _, elsewhere = _register(other, zone_code='370200', school_code='10423')
    assert other.post(f'/registrations/{elsewhere.json["id"]}/submit').status_code == 200


def test_returned_registration_is_fixed_and_resubmitted(app, student_client):
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    _, created = _register(student)
    registration_id = created.json['id']
    student.post(f'/registrations/{registration_id}/submit')
    transition(db.session.get(Registration, registration_id), Action.RETURN, CENTRE, reason='学号填写错误')
    db.session.commit()
    me = student.get('/me').json
    assert me['next_action'] == 'fix_returned' and me['registration']['review_reason'] == '学号填写错误'
    fixed = student.patch(f'/registrations/{registration_id}', json={'student_no': '2022217099'})
    assert fixed.status_code == 200 and fixed.json['student_no'] == '2022217099'
    resubmitted = student.post(f'/registrations/{registration_id}/submit').json
    assert resubmitted['status'] == 'submitted' and resubmitted['review_reason'] is None
    assert [h['to_status'] for h in resubmitted['history']] == ['submitted', 'returned', 'submitted']
    _approve(registration_id)
    messages = student.get('/me/messages').json['messages']
    assert [m['kind'] for m in messages] == ['approved', 'submitted', 'returned', 'submitted']


def test_a_revoked_registration_tells_the_student_why_and_lets_them_register_again(app, student_client):
    """撤销 by staff is not the student's own 撤回: home names it and its reason, and a new registration is open."""
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    fields, created = _register(student)
    registration_id = created.json['id']
    student.post(f'/registrations/{registration_id}/submit')
    revoker = Actor.reviewer(1, 'school_admin')
    transition(db.session.get(Registration, registration_id), Action.REVOKE, revoker, reason='学院重复导入')
    db.session.commit()
    me = student.get('/me').json
    assert me['next_action'] == 'register'
    assert me['registration']['status'] == 'revoked' and me['registration']['review_reason'] == '学院重复导入'
    [message, _] = student.get('/me/messages').json['messages']
    assert message['kind'] == 'revoked' and '学院重复导入' in message['body']
    _, again = _register(student, id_number=fields['id_number'])
    assert again.status_code == 201, again.json
    assert student.post(f'/registrations/{again.json["id"]}/submit').json['status'] == 'submitted'


def test_subscriptions_and_config(app, student_client):
    _seed()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    config = student.get('/config').json
    assert config['templates']['approved'] == 'tpl-approved' and config['service_phone'] == '0563-3022563'
    quotas = student.post('/subscriptions', json={'accepted': ['tpl-approved', 'tpl-approved', 'unknown']}).json
    assert quotas == {'quotas': {'tpl-approved': 1}}


def test_zones_and_schools(app, student_client):
    _seed()
    student = student_client()
    zones = student.get('/zones').json['zones']
    assert [z['code'] for z in zones] == ['341800', '370200', '530000']
    assert zones[0]['payment_channels'] == ['tax', 'family']
    schools = student.get('/zones/341800/schools').json['schools']
    assert {'code': '10359X', 'name': '合肥工业大学（宣城校区）'} in schools
    assert student.get('/zones/999999/schools').status_code == 404


def test_phone_binding(app, student_client):
    student = student_client()
    assert student.post('/me/phone', json={'code': 'phone-13912345205'}).json['phone'] == '139****5205'
    assert student.post('/me/phone', json={'code': 'nope'}).status_code == 422
