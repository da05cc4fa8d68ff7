"""Letters follow the data: a change to a field the commitment letter prints voids its seal, and a subsidised
declaration that does not match the imported list is a mismatch the reviewer sees (and a zone can require)."""

from __future__ import annotations

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Registration, SubsidisedPerson, Zone
from tests.admin.pages import decision_fields
from tests.api.conftest import signature_png
from tests.factories import registration_fields
from tests.integrity.test_throttling import _form_login


def _admin(app, create_reviewer):
    create_reviewer('centre')
    admin = app.test_client()
    assert _form_login(admin, 'centre', 'review-pass-1').status_code == 302
    return admin


def _decide(admin, registration_id, decision, reason=''):
    return admin.post(
        f'/admin/registrations/{registration_id}/decision',
        follow_redirects=True,
        data={'decision': decision, 'reason': reason, **decision_fields(admin, registration_id)},
    )


def test_a_changed_name_voids_the_sealed_letter(app, zone, student_client, create_reviewer):
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    created = student.post('/registrations', json=registration_fields(special_identity='orphan'))
    item = f'/registrations/{created.json["id"]}'
    assert student.upload(f'{item}/commitment-letter', signature_png()).status_code == 200
    assert student.post(f'{item}/submit').status_code == 200
    admin = _admin(app, create_reviewer)
    assert '已退回' in _decide(admin, created.json['id'], 'return', '姓名有误').text
    assert student.patch(item, {'name': '张新名'}).status_code == 200
    letter = student.get(f'{item}/commitment-letter').json
    assert letter['signed'] is False and '本人张新名' in letter['text']
    refused = student.post(f'{item}/submit')
    assert refused.status_code == 422 and refused.json['code'] == 'letter_required'
    assert student.upload(f'{item}/commitment-letter', signature_png()).status_code == 200
    assert student.post(f'{item}/submit').status_code == 200
    page = admin.get(f'/admin/registrations/{created.json["id"]}').text
    assert '签章校验通过' in page and '本人张新名' in page and '本人张晓雨' not in page
    voided = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'letter_voided')).all()
    assert len(voided) == 1
    # A change reaching the row any other way shows on the record: the sealed text no longer matches.
    db.session.execute(sa.update(Registration).values(name='王别人'))
    db.session.commit()
    assert '承诺书与登记信息不一致' in admin.get(f'/admin/registrations/{created.json["id"]}').text


def test_an_unchanged_letter_field_keeps_the_seal(app, zone, student_client):
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    created = student.post('/registrations', json=registration_fields(special_identity='orphan'))
    item = f'/registrations/{created.json["id"]}'
    student.upload(f'{item}/commitment-letter', signature_png())
    assert student.patch(item, {'residence_address': '安徽省宣城市宣州区新地址1号'}).status_code == 200
    assert student.get(f'{item}/commitment-letter').json['signed'] is True
    assert student.post(f'{item}/submit').status_code == 200


def test_a_subsidised_declaration_is_checked_against_the_list(app, zone, student, create_registration, create_reviewer):
    registration = create_registration(student, zone, status='submitted', special_identity='orphan')
    entry = SubsidisedPerson(
        id_index=registration.id_index,
        zone_id=zone.id,
        year=zone.year,
        category='subsistence_allowance',
        source='民政局',
    )
    db.session.add(entry)
    db.session.commit()
    admin = _admin(app, create_reviewer)
    page = admin.get(f'/admin/registrations/{registration.id}').text
    assert '资助身份与资助名单不符' in page and '孤儿' in page and '低保对象' in page
    db.session.execute(sa.update(Zone).values(subsidised_match_required=True))
    db.session.commit()
    refused = _decide(admin, registration.id, 'approve')
    assert '不能通过' in refused.text
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == 'submitted'
    db.session.execute(sa.update(SubsidisedPerson).values(category='orphan'))
    db.session.commit()
    assert '资助身份与资助名单不符' not in admin.get(f'/admin/registrations/{registration.id}').text
    assert '已通过' in _decide(admin, registration.id, 'approve').text


def test_a_zone_can_require_the_match_before_submission(app, zone, student_client):
    db.session.execute(sa.update(Zone).values(subsidised_match_required=True))
    db.session.commit()
    student = student_client()
    student.put('/me/zone', json={'zone_code': '341800'})
    created = student.post('/registrations', json=registration_fields(special_identity='orphan'))
    item = f'/registrations/{created.json["id"]}'
    student.upload(f'{item}/commitment-letter', signature_png())
    refused = student.post(f'{item}/submit')
    assert refused.status_code == 422 and refused.json['code'] == 'subsidised_mismatch'
    assert '不在本专区' in refused.json['message']
