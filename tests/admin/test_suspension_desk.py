"""停保管理: the list with filters, a phone suspension that unblocks registration, confirming and refusing by hand."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from miniapp_backend.enrolment.registration import duplicates
from miniapp_backend.enrolment.suspension.request import record
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, InsuredPerson, Notification, Suspension
from miniapp_backend.models.base import utcnow
from miniapp_backend.security.blind_index import blind_index
from tests.admin.pages import csrf_token, login, page_form, submit
from tests.factories import make_id_number


def _phone_form(client, **changes):
    form = {
        'name': '赵敏',
        'id_number': make_id_number(),
        'origin_zone_code': '340403',
        'reason': '在学籍地（外地）参加城乡居民医保',
        'suspend_from': '2026-12-31',
        'note': '淮南市医保中心 李工 受理号 HN-2026-118',
        'csrf_token': csrf_token(client, '/admin/suspensions'),
    }
    form.update(changes)
    return form


def test_phone_suspension_is_recorded_confirmed_and_audited(client, create_reviewer, zone, create_zone):
    huainan = create_zone('340400', '淮南市')
    create_reviewer('liu')
    login(client, 'liu')
    id_number = make_id_number()
    db.session.add(
        InsuredPerson(
            id_index=blind_index(id_number), id_number=id_number, name='赵敏', zone=huainan, since=date(2020, 1, 1)
        )
    )
    db.session.commit()
    bad = client.post('/admin/suspensions', data=_phone_form(client, id_number='123', note='', reason=''))
    assert '请填写电话办理情况' in bad.text and '请选择停保原因' in bad.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Suspension)) == 0
    done = client.post(
        '/admin/suspensions',
        data=_phone_form(client, id_number=id_number, origin_zone_code='340400'),
        follow_redirects=True,
    )
    assert '已登记赵敏的电话停保' in done.text and '已暂停' in done.text and '受理号 HN-2026-118' in done.text
    assert id_number not in done.text
    suspension = db.session.scalars(sa.select(Suspension)).one()
    assert suspension.status == 'confirmed' and suspension.handled_by_zone_id == zone.id
    # The home-town enrolment now ends, so the duplicate check lets the student register here.
    person = db.session.scalars(sa.select(InsuredPerson)).one()
    assert person.status == 'suspended'
    assert duplicates.enrolled_zones({blind_index(id_number)}, zone, zone.year + 1, date(zone.year + 1, 1, 2)) == {}
    assert db.session.scalars(sa.select(AuditEvent.action)).all()[-1] == 'suspension_confirmed'


def test_confirm_and_refuse_a_pending_one_and_the_student_is_told(client, create_reviewer, zone, create_student):
    create_reviewer('liu')
    first, second = create_student(zone=zone), create_student(zone=zone)
    pending = [
        record('530000', make_id_number(), name, '参加职工医保', date(2026, 12, 31), utcnow(), student=s)
        for name, s in (('甲', first), ('乙', second))
    ]
    db.session.commit()
    login(client, 'liu')
    listed = client.get('/admin/suspensions?status=submitted').text
    assert listed.count('等待原参保地确认') >= 2
    token = csrf_token(client, '/admin/suspensions')
    refused = client.post(
        f'/admin/suspensions/{pending[1].id}/decision',
        data={'decision': 'refuse', 'reason': '', 'csrf_token': token},
        follow_redirects=True,
    )
    assert '请填写不予停保的原因' in refused.text
    client.post(f'/admin/suspensions/{pending[0].id}/decision', data={'decision': 'confirm', 'csrf_token': token})
    client.post(
        f'/admin/suspensions/{pending[1].id}/decision',
        data={'decision': 'refuse', 'reason': '原参保地未收到本人申请', 'csrf_token': token},
    )
    db.session.expire_all()
    assert [s.status for s in db.session.scalars(sa.select(Suspension).order_by(Suspension.id))] == [
        'confirmed',
        'refused',
    ]
    told = {(n.student_id, n.kind.value) for n in db.session.scalars(sa.select(Notification))}
    assert told == {(first.id, 'suspension_confirmed'), (second.id, 'suspension_refused')}
    again = client.post(
        f'/admin/suspensions/{pending[0].id}/decision',
        data={'decision': 'refuse', 'reason': 'x', 'csrf_token': token},
        follow_redirects=True,
    )
    assert '该停保申请已处理' in again.text


def test_schools_do_not_see_the_desk_and_other_zones_stay_hidden(
    client, create_reviewer, zone, create_zone, create_student
):
    elsewhere = create_zone('370200', '青岛市')
    hidden = record(
        '530000', make_id_number(), '丙', '参军', date(2026, 12, 31), utcnow(), student=create_student(zone=elsewhere)
    )
    db.session.commit()
    create_reviewer('zhao', role='school_admin', school_code=zone.schools[0].code)
    create_reviewer('liu')
    login(client, 'zhao')
    assert client.get('/admin/suspensions').status_code == 403
    client.post('/admin/logout', data={'csrf_token': csrf_token(client, '/admin/')})
    login(client, 'liu')
    assert '丙' not in client.get('/admin/suspensions').text
    response = client.post(
        f'/admin/suspensions/{hidden.id}/decision',
        data={'decision': 'confirm', 'csrf_token': csrf_token(client, '/admin/suspensions')},
    )
    assert response.status_code == 404


def test_a_phone_suspension_answers_the_students_own_pending_request(client, create_reviewer, zone, create_student):
    """The student asked in the mini-program and then phoned the home town: the desk confirms that request, no
    second one beside it, and the student is told once."""
    create_reviewer('liu')
    student = create_student(zone=zone)
    id_number = make_id_number()
    asked = record('340403', id_number, '赵敏', '参加职工医保', date(2026, 12, 31), utcnow(), student=student)
    db.session.commit()
    login(client, 'liu')
    done = client.post('/admin/suspensions', data=_phone_form(client, id_number=id_number), follow_redirects=True)
    assert '已登记赵敏的电话停保' in done.text
    db.session.expire_all()
    [only] = db.session.scalars(sa.select(Suspension)).all()
    assert (only.id, only.status, only.handled_by_zone_id) == (asked.id, 'confirmed', zone.id)
    assert only.message.startswith('已电话办理停保')
    told = [(n.student_id, n.kind.value) for n in db.session.scalars(sa.select(Notification))]
    assert told == [(student.id, 'suspension_confirmed')]


def _row(page: str, suspension_id: int) -> str:
    return re.search(rf'<tr data-id="{suspension_id}">(.*?)</tr>', page, re.S).group(1)


def _cell(row: str, css: str) -> str:
    return re.search(rf'<td class="{css}">(.*?)</td>', row, re.S).group(1)


def test_a_confirmation_by_hand_names_the_reviewer_not_the_home_town(client, create_reviewer, zone, create_student):
    create_reviewer('liu').display_name = '刘老师'
    student = create_student(zone=zone)
    by_hand = record('530000', make_id_number(), '甲', '参加职工医保', date(2026, 12, 31), utcnow(), student=student)
    db.session.commit()
    login(client, 'liu')
    form = page_form(client, '/admin/suspensions', f'/admin/suspensions/{by_hand.id}/decision')
    submit(client, form, ('decision', 'confirm'), reason='原参保地来电告知已办结')
    row = _row(client.get('/admin/suspensions').text, by_hand.id)
    assert '原参保地已确认' not in row
    assert '医保中心工作人员已人工确认暂停参保' in row and '原参保地来电告知已办结' in row
    assert _cell(row, 'decided-by') == '审核员 刘老师（人工确认）'
    # The student reads the same: staff vouched for it, the home town did not answer here.
    message = db.session.scalars(sa.select(Notification)).one()
    assert message.kind.value == 'suspension_confirmed'
    db.session.expire_all()
    assert db.session.get(Suspension, by_hand.id).message.startswith('医保中心工作人员已人工确认')


def test_a_home_town_outside_the_platform_is_named_not_shown_as_its_code(
    client, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('liu')
    id_number = make_id_number()
    asked = record('340403', id_number, '赵敏', '参加职工医保', date(2026, 12, 31), utcnow(), student=create_student())
    # Others named the code in the region picker, one of them falsely: a name is whatever a phone sent, so only the
    # person's own is shown.
    for name in ('安徽省 淮南市 田家庵区', '云南省 昆明市 五华区', '<b>田家庵</b>'):
        create_registration(
            create_student(), zone, id_number=make_id_number(), hukou_region_code='340403', hukou_region_name=name
        )
    unnamed = record('469099', make_id_number(), '钱', '参军', date(2026, 12, 31), utcnow())
    unnamed.handled_by_zone_id = zone.id
    asked.handled_by_zone_id = zone.id
    db.session.commit()
    login(client, 'liu')
    page = client.get('/admin/suspensions').text
    assert _cell(_row(page, asked.id), 'origin') == '区划（340403）'
    assert _cell(_row(page, unnamed.id), 'origin') == '区划（469099）'
    # The person's own registration names their home town first.
    create_registration(
        create_student(),
        zone,
        id_number=id_number,
        status='withdrawn',
        hukou_region_code='340403',
        hukou_region_name='安徽省淮南市田家庵区',
    )
    assert _cell(_row(client.get('/admin/suspensions').text, asked.id), 'origin') == '安徽省淮南市田家庵区（340403）'
    # A home town given as the city (or the province) is named by the parts of the person's own county within it.
    city = record('340400', id_number, '赵敏', '参加职工医保', date(2026, 12, 31), utcnow(), student=create_student())
    province = record(
        '340000', id_number, '赵敏', '参加职工医保', date(2026, 12, 31), utcnow(), student=create_student()
    )
    elsewhere = record(
        '350100', id_number, '赵敏', '参加职工医保', date(2026, 12, 31), utcnow(), student=create_student()
    )
    create_registration(
        create_student(),
        zone,
        id_number=id_number,
        status='withdrawn',
        hukou_region_code='340403',
        hukou_region_name='安徽省 淮南市 田家庵区',
    )
    for suspension in (city, province, elsewhere):
        suspension.handled_by_zone_id = zone.id
    db.session.commit()
    page = client.get('/admin/suspensions').text
    assert _cell(_row(page, city.id), 'origin') == '安徽省 淮南市（340400）'
    assert _cell(_row(page, province.id), 'origin') == '安徽省（340000）'
    assert _cell(_row(page, elsewhere.id), 'origin') == '区划（350100）'
