"""Proof before acting on a person: a student cannot suspend, renew or take over someone else's record without
proving to be them, and learns nothing about that person until then. Through the API the mini-program calls,
with the fake WeChat server answering getverifyid / queryverifyinfo as WeChat documents them."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, IdentityProof, InsuredPerson, Registration, Suspension, Zone
from miniapp_backend.security.blind_index import blind_index
from tests.api.conftest import StudentClient
from tests.factories import make_id_number, registration_fields

REAL_NAME = '欧阳真名'
BIRTH = date(2003, 7, 9)


@pytest.fixture
def person(app, zone, create_zone):
    """Someone insured here last year (renewable), also on the register of their home town (suspended there)."""
    number = make_id_number(birth=BIRTH)
    home = create_zone('530000', '云南省本级')
    db.session.add_all(
        [
            InsuredPerson(
                id_index=blind_index(number),
                id_number=number,
                name=REAL_NAME,
                zone=zone,
                since=date(2024, 1, 1),
                paid_through_year=zone.year - 1,
            ),
            InsuredPerson(
                id_index=blind_index(number),
                id_number=number,
                name=REAL_NAME,
                zone=home,
                status='suspended',
                since=date(2020, 1, 1),
                until=date(2025, 12, 31),
            ),
        ]
    )
    db.session.commit()
    return number


@pytest.fixture
def students(client, fake_wechat):
    made = iter(range(1000))

    def make(zone_code='341800'):
        student = StudentClient(client, f'id{next(made)}')
        assert student.put('/me/zone', json={'zone_code': zone_code}).status_code == 200
        return student

    return make


def _face_on():
    db.session.execute(sa.update(Zone).values(face_verification=True))
    db.session.commit()


def _silent(response, number):
    """Nothing of the person in the answer: not the name, birth date, sex or where they are enrolled."""
    text = response.get_data(as_text=True)
    for secret in (REAL_NAME, BIRTH.isoformat(), '2003-07-09', number, '云南省本级', '"F"', '"M"'):
        assert secret not in text, secret


def _counts():
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (Registration, Suspension)
    )


def test_a_stranger_cannot_renew_suspend_or_take_over_without_proof(students, person, zone):
    attacker = students()
    before = _counts()
    renewal = attacker.post('/renewals', json={'zone_code': '341800', 'id_number': person})
    assert renewal.status_code == 403 and renewal.json['code'] == 'needs_proof'
    _silent(renewal, person)
    for name in ('随便', REAL_NAME):
        suspension = attacker.request_suspension(person, name)
        assert suspension.status_code == 403 and suspension.json['code'] == 'needs_proof'
        _silent(suspension, person)
    # Someone nobody insured gets the very same answer: the refusal tells nothing about the person.
    nobody = attacker.post('/renewals', json={'zone_code': '341800', 'id_number': make_id_number()})
    assert nobody.json == renewal.json
    assert _counts() == before
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'identity_proof')).all()


def test_registering_over_an_imported_record_needs_proof(students, zone, prove):
    number = make_id_number(birth=BIRTH)
    imported = Registration(
        zone=zone,
        year=zone.year,
        status='submitted',
        stage='centre',
        name=REAL_NAME,
        id_number=number,
        id_index=blind_index(number),
        school=zone.schools[0],
    )
    db.session.add(imported)
    db.session.commit()
    fields = {'zone_code': '341800', 'name': REAL_NAME, 'id_type': 'resident_id', 'id_number': number}
    attacker = students()
    refused = attacker.post('/registrations', json=fields)
    assert refused.status_code == 403 and refused.json['code'] == 'needs_proof'
    _silent(refused, number)
    db.session.expire_all()
    assert db.session.get(Registration, imported.id).student_id is None
    owner = students()
    owner.prove_by_face(number, REAL_NAME)
    writes = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(('INSERT', 'UPDATE')):
            writes.append(conn.connection.driver_connection.autocommit)

    sa.event.listen(db.engine, 'before_cursor_execute', record)
    try:
        claimed = owner.post('/registrations', json=fields)
    finally:
        sa.event.remove(db.engine, 'before_cursor_execute', record)
    assert claimed.status_code == 201 and claimed.json['id'] == imported.id
    assert writes and not any(writes)  # the take-over's several writes are one transaction (create's is autocommit)
    db.session.expire_all()
    assert db.session.get(Registration, imported.id).student_id == owner.student_id


def _filed_by_a_stranger(students, number):
    """Another WeChat user types the person's ID number and name, files and submits a registration (a draft holds
    no one back: only submitted and later ones count as the person's registration)."""
    stranger = students()
    fields = {**registration_fields(), 'name': REAL_NAME, 'id_number': number}
    filed = stranger.post('/registrations', json=fields)
    assert filed.status_code == 201, filed.json
    assert stranger.post(f'/registrations/{filed.json["id"]}/submit').status_code == 200
    return stranger, filed.json['id'], fields


def test_the_person_takes_over_what_a_stranger_filed_under_their_id_number_once_proven(students, zone, prove):
    """A stranger filing someone's ID number first locked the person out (409 'already enrolled', untrue). The
    person, proved by face, takes the record over; the stranger's home no longer shows it."""
    number = make_id_number(birth=BIRTH)
    stranger, registration_id, fields = _filed_by_a_stranger(students, number)
    person = students()
    refused = person.post('/registrations', json=fields)
    assert refused.status_code == 403 and refused.json['code'] == 'needs_proof'
    _silent(refused, number)
    person.prove_by_face(number, REAL_NAME)
    taken = person.post('/registrations', json=fields)
    assert taken.status_code == 201 and taken.json['id'] == registration_id
    db.session.expire_all()
    assert db.session.get(Registration, registration_id).student_id == person.student_id
    assert stranger.get('/me').json['registration'] is None
    assert person.get('/me').json['registration']['id'] == registration_id
    claim = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'claim')).one()
    assert claim.detail['previous'] == stranger.student_id
    assert stranger.get(f'/registrations/{registration_id}').status_code == 404


def test_an_earlier_reviewed_registration_does_not_let_a_stranger_take_the_persons_own_record(students, zone, prove):
    """Filing someone's ID needs no proof, and a reviewer's approval does not check who filed it: an old reviewed
    registration is no proof of the person when taking a record from another student."""
    number = make_id_number(birth=BIRTH)
    squatter = students()
    old = Registration(
        student_id=squatter.student_id,
        zone=zone,
        year=zone.year - 1,
        status='expired',
        name=REAL_NAME,
        id_number=number,
        id_index=blind_index(number),
        school=zone.schools[0],
    )
    db.session.add(old)
    db.session.commit()
    person, registration_id, fields = _filed_by_a_stranger(students, number)  # the person files for themself
    refused = squatter.post('/registrations', json=fields)
    assert refused.status_code == 403 and refused.json['code'] == 'needs_proof'
    db.session.expire_all()
    assert db.session.get(Registration, registration_id).student_id == person.student_id


def test_a_stranger_who_typed_another_name_does_not_lock_the_person_out(students, zone, prove):
    number = make_id_number(birth=BIRTH)
    stranger = students()
    fields = {**registration_fields(), 'name': '随便写', 'id_number': number}
    filed = stranger.post('/registrations', json=fields)
    assert filed.status_code == 201 and stranger.post(f'/registrations/{filed.json["id"]}/submit').status_code == 200
    person = students()
    person.prove_by_face(number, REAL_NAME)
    taken = person.post('/registrations', json={**fields, 'name': REAL_NAME})
    assert taken.status_code == 201 and taken.json['id'] == filed.json['id']


def test_a_record_whose_student_proved_to_be_the_person_is_not_taken_over(students, zone, prove):
    number = make_id_number(birth=BIRTH)
    first, registration_id, fields = _filed_by_a_stranger(students, number)
    first.prove_by_face(number, REAL_NAME)
    second = students()
    second.prove_by_face(number, REAL_NAME)
    refused = second.post('/registrations', json=fields)
    assert refused.status_code == 409, refused.json
    db.session.expire_all()
    assert db.session.get(Registration, registration_id).student_id == first.student_id


def test_a_paid_record_is_not_taken_over(students, zone, prove):
    number = make_id_number(birth=BIRTH)
    stranger, registration_id, fields = _filed_by_a_stranger(students, number)
    db.session.execute(sa.update(Registration).where(Registration.id == registration_id).values(status='paid'))
    db.session.commit()
    person = students()
    person.prove_by_face(number, REAL_NAME)
    assert person.post('/registrations', json=fields).status_code == 409
    db.session.expire_all()
    assert db.session.get(Registration, registration_id).student_id == stranger.student_id


def _start(student, number, name=REAL_NAME):
    started = student.post('/identity/face', json={'id_type': 'resident_id', 'id_number': number, 'name': name})
    assert started.status_code == 201, started.json
    return started.json['verify_id']


def test_face_verification_only_passes_on_10000_for_the_same_openid_once(students, person, fake_wechat):
    _face_on()
    owner, other = students(), students()
    before = _counts()
    # The user cancels (90004): failed, nothing happens.
    verify_id = _start(owner, person)
    session = fake_wechat.face_sessions[verify_id]
    assert session['openid'].startswith('openid-id') and session['openid'] != 'openid-'
    assert session['cert_info'] == {'cert_type': 'IDENTITY_CARD', 'cert_name': REAL_NAME, 'cert_no': person}
    fake_wechat.verify_rets.append(90004)
    assert owner.post('/identity/face/result', json={'verify_id': verify_id}).json['status'] == 'failed'
    assert owner.post('/renewals', json={'zone_code': '341800', 'id_number': person}).status_code == 403
    # A face that is not the card holder's (10004) fails too.
    verify_id = _start(owner, person)
    fake_wechat.verify_rets.append(10004)
    assert owner.post('/identity/face/result', json={'verify_id': verify_id}).json['status'] == 'failed'
    # Another openid's verify_id is not theirs to use.
    verify_id = _start(owner, person)
    stolen = other.post('/identity/face/result', json={'verify_id': verify_id})
    assert stolen.status_code == 404
    assert other.post('/renewals', json={'zone_code': '341800', 'id_number': person}).status_code == 403
    # A cert_hash that does not match the session: WeChat answers an error code, the proof fails.
    proof = db.session.scalars(sa.select(IdentityProof).where(IdentityProof.verify_id == verify_id)).one()
    proof.name = '别人'
    db.session.commit()
    assert owner.post('/identity/face/result', json={'verify_id': verify_id}).json['status'] == 'failed'
    assert _counts() == before
    # 10000: passed, and the journey goes on; the verify_id cannot be used again.
    verify_id = _start(owner, person)
    passed = owner.post('/identity/face/result', json={'verify_id': verify_id})
    assert passed.json['status'] == 'passed'
    assert owner.post('/identity/face/result', json={'verify_id': verify_id}).status_code == 409
    renewed = owner.post('/renewals', json={'zone_code': '341800', 'id_number': person})
    assert renewed.status_code == 201 and renewed.json['name'] == REAL_NAME
    suspension = owner.request_suspension(person, REAL_NAME)
    assert suspension.status_code == 201
    # The name must be the one on file and the one proved: another name is refused.
    assert owner.request_suspension(person, '别的名字').status_code == 403
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like('identity%'))).all()
    assert actions.count('identity_face_passed') == 1 and actions.count('identity_face_failed') == 3
    assert actions.count('identity_proof') == 2


def test_an_earlier_reviewed_registration_or_a_verified_phone_proves(students, person, zone, fake_wechat):
    owner = students()
    earlier = Registration(
        student_id=owner.student_id,
        zone=zone,
        year=zone.year - 1,
        status='paid',
        name=REAL_NAME,
        id_number=person,
        id_index=blind_index(person),
        phone='13912345678',
    )
    db.session.add(earlier)
    db.session.commit()
    # Without a verified phone, another WeChat user is a stranger.
    newcomer = students()
    assert newcomer.post('/renewals', json={'zone_code': '341800', 'id_number': person}).status_code == 403
    # The owner verified that phone with WeChat; the newcomer verifies the same number: that binds them.
    assert owner.post('/me/phone', json={'code': 'phone-13912345678'}).status_code == 200
    assert newcomer.post('/me/phone', json={'code': 'phone-13912345678'}).status_code == 200
    renewed = newcomer.post('/renewals', json={'zone_code': '341800', 'id_number': person})
    assert renewed.status_code == 201, renewed.json
    methods = db.session.scalars(sa.select(AuditEvent.detail).where(AuditEvent.action == 'identity_proof')).all()
    assert [m['method'] for m in methods] == ['phone']


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new('RGB', (640, 400), (200, 210, 220)).save(out, 'JPEG')
    return out.getvalue()


def test_without_face_the_centre_reviews_the_id_photo(students, person, client, create_reviewer):
    student = students()
    started = student.post('/identity/face', json={'id_number': person, 'name': REAL_NAME})
    assert started.status_code == 409 and started.json['code'] == 'face_unavailable'
    asked = student.client.post(
        '/api/v1/identity/requests',
        content_type='multipart/form-data',
        headers={'Authorization': f'Bearer {student.token}'},
        data={
            'id_type': 'resident_id',
            'id_number': person,
            'name': REAL_NAME,
            'file': (io.BytesIO(_photo()), 'id.jpg'),
        },
    )
    assert asked.status_code == 201 and asked.json['status'] == 'pending'
    assert student.post('/renewals', json={'zone_code': '341800', 'id_number': person}).status_code == 403
    from tests.integrity.test_throttling import _form_login

    create_reviewer('centre')
    admin = client.application.test_client()
    assert _form_login(admin, 'centre', 'review-pass-1').status_code == 302
    page = admin.get('/admin/identity')
    assert page.status_code == 200 and REAL_NAME in page.text and '与登记信息一致' in page.text
    proof_id = asked.json['id']
    assert admin.get(f'/admin/identity/{proof_id}/photo').data.startswith(b'\xff\xd8')
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    decided = admin.post(f'/admin/identity/{proof_id}/decision', data={'decision': 'pass', 'csrf_token': token})
    assert decided.status_code == 302
    renewed = student.post('/renewals', json={'zone_code': '341800', 'id_number': person})
    assert renewed.status_code == 201, renewed.json


def _events(action):
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_every_proof_attempt_is_audited_also_when_the_act_is_refused(students, person, fake_wechat):
    """A refused attempt is rolled back with its request (nothing changes), yet its audit row is committed."""
    _face_on()
    owner, other = students(), students()
    before = _counts()
    # No proof at all: the act is refused, the attempt is on record (by blind index, never the number).
    assert owner.post('/renewals', json={'zone_code': '341800', 'id_number': person}).status_code == 403
    (refusal,) = _events('identity_proof_refused')
    assert refusal.actor_id == owner.student_id
    assert refusal.detail['refusal'] == 'not_proven' and refusal.detail['proof_action'] == 'renewal'
    assert refusal.detail['id_index'] == blind_index(person) and person not in str(refusal.detail)
    # A verify_ret other than 10000 and a cert_hash WeChat does not recognise: failed, audited.
    verify_id = _start(owner, person)
    fake_wechat.verify_rets.append(90004)
    assert owner.post('/identity/face/result', json={'verify_id': verify_id}).json['status'] == 'failed'
    mismatched = _start(owner, person)
    db.session.execute(sa.update(IdentityProof).where(IdentityProof.verify_id == mismatched).values(name='别人'))
    db.session.commit()
    assert owner.post('/identity/face/result', json={'verify_id': mismatched}).json['status'] == 'failed'
    assert [e.detail['verify_ret'] for e in _events('identity_face_failed')] == [90004, None]
    # Another openid's verify_id (404) and a reused one (409): refused, audited.
    passed = _start(owner, person)
    assert other.post('/identity/face/result', json={'verify_id': passed}).status_code == 404
    assert owner.post('/identity/face/result', json={'verify_id': passed}).json['status'] == 'passed'
    assert owner.post('/identity/face/result', json={'verify_id': passed}).status_code == 409
    # Proven, but under another name than the one on file: refused, audited.
    assert owner.request_suspension(person, '别的名字').status_code == 403
    refusals = [(e.actor_id, e.detail['refusal']) for e in _events('identity_proof_refused')]
    assert refusals == [
        (owner.student_id, 'not_proven'),
        (other.student_id, 'verify_id_foreign'),
        (owner.student_id, 'verify_id_used'),
        (owner.student_id, 'name_mismatch'),
    ]
    assert len(_events('identity_face_started')) == 3 and len(_events('identity_face_passed')) == 1
    # None of the refused acts changed anything.
    assert _counts() == before
