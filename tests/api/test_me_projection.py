"""GET /me comes from Redis, and is never stale: every change a student can see, made through the path that
really makes it (the API, the admin page, the worker jobs), shows in the very next GET /me."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import schemas
from miniapp_backend.enrolment.students import cached_view
from miniapp_backend.extensions import db, get_redis
from miniapp_backend.models import InsuredPerson, Registration, Student, Suspension
from miniapp_backend.models.base import utcnow
from miniapp_backend.security.blind_index import blind_index
from tests.admin.pages import decision_fields
from tests.factories import registration_fields
from tests.statements import Statements
from workers import jobs


@pytest.fixture
def enrolled(client, zone, student_client):
    """A student in zone 341800 with a /me answer already stored."""
    student = student_client()
    assert student.put('/me/zone', json={'zone_code': '341800'}).status_code == 200
    assert student.get('/me').json['next_action'] == 'register'
    return student


def _admin(client, create_reviewer, role='centre_reviewer'):
    create_reviewer('boss', role=role)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get('/admin/login').text).group(1)
    assert (
        client.post(
            '/admin/login', data={'username': 'boss', 'password': 'review-pass-1', 'csrf_token': token}
        ).status_code
        == 302
    )
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get('/admin/').text).group(1)


def _submitted(student) -> int:
    created = student.post('/registrations', json=registration_fields())
    assert created.status_code == 201, created.json
    assert student.get('/me').json['next_action'] == 'submit'
    assert student.post(f'/registrations/{created.json["id"]}/submit').status_code == 200
    assert student.get('/me').json['next_action'] == 'wait_review'
    return created.json['id']


def test_a_stored_answer_is_served_without_the_database(enrolled):
    first = enrolled.get('/me')
    with Statements() as statements:
        again = enrolled.get('/me')
    assert again.status_code == 200 and again.data == first.data
    assert statements.sql == []
    assert again.json['student']['zone_code'] == '341800' and again.json['zone']['premium_fen'] == 40000


def test_student_changes_through_the_api_show_at_once(enrolled, create_zone):
    create_zone('370200', '青岛市')
    assert enrolled.get('/me').json['zone']['code'] == '341800'  # the zone change bumped every answer
    registration_id = _submitted(enrolled)
    me = enrolled.get('/me').json
    assert (me['registration']['id'], me['registration']['status']) == (registration_id, 'submitted')
    assert enrolled.post(f'/registrations/{registration_id}/withdraw').status_code == 200
    me = enrolled.get('/me').json
    assert (me['registration']['status'], me['next_action']) == ('withdrawn', 'register')
    assert enrolled.put('/me/zone', json={'zone_code': '370200'}).status_code == 200
    me = enrolled.get('/me').json
    assert (me['student']['zone_code'], me['zone']['code'], me['registration']) == ('370200', '370200', None)


def test_create_and_submit_written_by_plain_statements_show_at_once(enrolled):
    """Create and submit write with Core statements, which no flush sees: they name the student themselves."""
    created = enrolled.post('/registrations', json=registration_fields())
    assert created.status_code == 201, created.json
    me = enrolled.get('/me').json
    assert (me['registration']['id'], me['registration']['status']) == (created.json['id'], 'draft')
    assert me['next_action'] == 'submit'
    assert enrolled.post(f'/registrations/{created.json["id"]}/submit').status_code == 200
    me = enrolled.get('/me').json
    assert (me['registration']['status'], me['next_action']) == ('submitted', 'wait_review')


def test_a_suspension_request_and_its_confirmation_by_the_worker_show_at_once(enrolled, create_zone):
    origin = create_zone('530000', '云南省本级')
    id_number = registration_fields()['id_number']
    db.session.add(
        InsuredPerson(
            id_index=blind_index(id_number), id_number=id_number, name='李云', zone=origin, since=date(2024, 1, 1)
        )
    )
    db.session.commit()
    enrolled.prove_by_face(id_number, '李云')
    requested = enrolled.request_suspension(id_number, '李云')
    assert requested.status_code == 201, requested.json
    me = enrolled.get('/me').json
    assert (me['suspension']['status'], me['next_action']) == ('submitted', 'suspend_origin')
    suspension = db.session.get(Suspension, requested.json['id'])
    suspension.next_check_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert enrolled.get('/me').json['suspension']['status'] == 'submitted'  # stored again
    assert jobs.poll_suspensions()['confirmed'] == 1
    me = enrolled.get('/me').json
    assert (me['suspension']['status'], me['next_action']) == ('confirmed', 'register')


def test_review_decisions_and_cash_payment_on_the_admin_page_show_at_once(client, enrolled, create_reviewer):
    registration_id = _submitted(enrolled)
    token = _admin(client, create_reviewer)
    client.post(
        f'/admin/registrations/{registration_id}/decision',
        data={'decision': 'return', 'reason': '照片不清晰', **decision_fields(client, registration_id)},
    )
    me = enrolled.get('/me').json
    assert (me['registration']['status'], me['registration']['review_reason']) == ('returned', '照片不清晰')
    assert me['next_action'] == 'fix_returned'
    assert enrolled.post(f'/registrations/{registration_id}/submit').status_code == 200
    assert enrolled.get('/me').json['next_action'] == 'wait_review'
    client.post(
        f'/admin/registrations/{registration_id}/decision',
        data={'decision': 'approve', **decision_fields(client, registration_id)},
    )
    assert enrolled.get('/me').json['next_action'] == 'pay'
    client.post(
        f'/admin/registrations/{registration_id}/cash',
        data={'amount': '400.00', 'voucher_no': 'C1', 'csrf_token': token},
    )
    me = enrolled.get('/me').json
    assert (me['registration']['status'], me['next_action']) == ('paid', 'done')


def test_zone_settings_saved_by_the_zone_admin_show_at_once(client, enrolled, create_reviewer):
    token = _admin(client, create_reviewer, role='zone_admin')
    form = {
        'premium_fen': '420.00',
        'year': '2027',
        'window_opens_at': '2026-09-01',
        'window_closes_at': '2027-12-31',
        'review_stages': 'centre',
        'pay_appid': 'wx-tax',
        'pay_path_template': 'pages/pay',
        'suspension_delay_minutes': '15',
        'remind_days_before_close': '5',
        'family_channel': 'on',
        'service_phone': '0563-7654321',
        'stage_name_centre': '市医保中心复核',
        'csrf_token': token,
        'shown': re.search(r'name="shown" value="([^"]+)"', client.get('/admin/settings').text).group(1),
    }
    assert '已保存' in client.post('/admin/settings', data=form, follow_redirects=True).text
    zone = enrolled.get('/me').json['zone']
    assert (zone['premium_fen'], zone['year'], zone['payment_channels'], zone['service_phone']) == (
        42000,
        2027,
        ['tax', 'family'],
        '0563-7654321',
    )
    assert zone['stage_names'] == {
        'counsellor': '辅导员审核',
        'college': '学院审核',
        'school': '学校审核',
        'centre': '市医保中心复核',
    }


def test_payment_found_by_the_worker_poll_shows_at_once(enrolled, fake_tax, create_reviewer, client):
    registration_id = _submitted(enrolled)
    _admin(client, create_reviewer)
    client.post(
        f'/admin/registrations/{registration_id}/decision',
        data={'decision': 'approve', **decision_fields(client, registration_id)},
    )
    assert enrolled.get('/me').json['next_action'] == 'pay'
    registration = db.session.get(Registration, registration_id)
    fake_tax.add_payment('341800', registration.year, registration.id_number, 40000, utcnow(), 'V-ME-1')
    db.session.execute(sa.update(Registration).values(payment_check_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert enrolled.get('/me').json['next_action'] == 'pay'
    assert jobs.poll_payments()['paid'] == 1
    me = enrolled.get('/me').json
    assert (me['registration']['status'], me['next_action']) == ('paid', 'done')


def test_a_revoked_token_is_refused_at_once(enrolled):
    assert enrolled.get('/me').status_code == 200
    db.session.get(Student, enrolled.student_id).token_version += 1
    db.session.commit()
    refused = enrolled.get('/me')
    assert refused.status_code == 401 and refused.json['code'] == 'invalid_token'
    forged = enrolled.client.get('/api/v1/me', headers={'Authorization': f'Bearer {enrolled.token[:-3]}abc'})
    assert forged.status_code == 401


def test_an_answer_built_from_a_read_that_raced_a_commit_is_not_served(enrolled, create_reviewer, client):
    """The reader reads the generations, then the database; a commit lands between its read and its store."""
    registration_id = _submitted(enrolled)
    _admin(client, create_reviewer)
    stale = enrolled.get('/me').data
    redis_client = client.application.extensions['redis']
    answer_key = cached_view.keys('test', enrolled.student_id)[2]
    redis_client.delete(answer_key)

    shown = decision_fields(client, registration_id)

    def build_then_lose_the_race():
        client.post(f'/admin/registrations/{registration_id}/decision', data={'decision': 'approve', **shown})
        return 1, stale  # what the reader read before the approval committed

    with client.application.test_request_context():
        assert cached_view.answer(enrolled.student_id, 1, build_then_lose_the_race) == stale
    assert redis_client.get(answer_key).endswith(stale)  # stored, with the old tags
    assert enrolled.get('/me').json['next_action'] == 'pay'


def test_an_answer_stored_by_other_code_is_never_served(enrolled):
    """After a deploy: answers the code before it stored (under its own key, or this key's older form) carry the
    current generations but say what that code said; GET /me builds its own."""
    first = enrolled.get('/me').data
    redis_client = enrolled.client.application.extensions['redis']
    stored = redis_client.get(cached_view.keys('test', enrolled.student_id)[2])
    tag_and_version = stored[: -len(first)]
    old = tag_and_version + json.dumps({'next_action': 'register', 'student': None}).encode()
    redis_client.delete(cached_view.keys('test', enrolled.student_id)[2])
    redis_client.set(cached_view.keys('test', enrolled.student_id, version='0ldc0de')[2], old)
    redis_client.set(f'test:me:{enrolled.student_id}', old)

    again = enrolled.get('/me')
    assert again.status_code == 200 and again.data == first
    assert again.json['student']['zone_code'] == '341800'


def test_the_code_version_changes_with_any_byte_of_the_source(tmp_path):
    (tmp_path / 'pkg').mkdir()
    (tmp_path / 'pkg' / 'view.py').write_text("LABEL = '待审核'\n")
    before = cached_view.source_digest(tmp_path / 'pkg')
    assert cached_view.source_digest(tmp_path / 'pkg') == before
    (tmp_path / 'pkg' / 'view.py').write_text("LABEL = '审核中'\n")
    reworded = cached_view.source_digest(tmp_path / 'pkg')
    (tmp_path / 'pkg' / 'view.py').rename(tmp_path / 'pkg' / 'other.py')
    assert len({before, reworded, cached_view.source_digest(tmp_path / 'pkg')}) == 3
    assert cached_view.code_version() == cached_view.source_digest(
        Path(cached_view.__file__).parents[2], Path(schemas.__file__).parent
    )


def test_with_redis_down_the_answer_comes_from_the_database(app, test_environ, enrolled):
    from miniapp_backend import create_app

    expected = json.loads(enrolled.get('/me').data)
    down = create_app({'TESTING': True}, environ={**test_environ, 'REDIS_URL': 'redis://127.0.0.1:9/0'})
    with down.app_context():
        response = down.test_client().get('/api/v1/me', headers={'Authorization': f'Bearer {enrolled.token}'})
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 200 and response.json == expected


def test_a_change_committed_while_redis_is_down_is_not_served_stale_once_it_is_back(app, test_environ, enrolled):
    """The approval commits while Redis refuses its bump: the answer stored before (wait_review) would be served
    until it expires. The bump is recorded in the database instead, and the scheduler's job moves it on once
    Redis is back: the next GET /me says pay."""
    from miniapp_backend import create_app
    from miniapp_backend.enrolment.actors import Actor
    from miniapp_backend.enrolment.registration.states import Action, transition
    from miniapp_backend.models import OwedBump

    registration_id = _submitted(enrolled)
    down = create_app({'TESTING': True}, environ={**test_environ, 'REDIS_URL': 'redis://127.0.0.1:9/0'})
    with down.app_context():
        transition(db.session.get(Registration, registration_id), Action.APPROVE, Actor.reviewer(1, 'centre_reviewer'))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert db.session.scalars(sa.select(OwedBump.student_id)).all() == [enrolled.student_id]
    assert enrolled.get('/me').json['next_action'] == 'wait_review'  # what the stale answer says until settled
    assert jobs.settle_owed_bumps() == 1
    assert enrolled.get('/me').json['next_action'] == 'pay'
    assert db.session.scalars(sa.select(OwedBump)).all() == []
    assert jobs.settle_owed_bumps() == 0


def test_owed_bumps_stay_while_redis_is_still_down(app, test_environ, enrolled):
    import redis as redis_lib

    from miniapp_backend import create_app
    from miniapp_backend.models import OwedBump, Zone

    down = create_app({'TESTING': True}, environ={**test_environ, 'REDIS_URL': 'redis://127.0.0.1:9/0'})
    with down.app_context():
        db.session.scalars(sa.select(Zone)).first().service_phone = '0563-1234567'  # every zone's answer changes
        db.session.commit()
        with pytest.raises(redis_lib.RedisError):
            jobs.settle_owed_bumps()
        db.session.remove()
        db.engine.dispose()
    assert db.session.scalars(sa.select(OwedBump.student_id)).all() == [None]
    assert enrolled.get('/me').json['zone']['service_phone'] != '0563-1234567'
    assert jobs.settle_owed_bumps() == 1
    assert enrolled.get('/me').json['zone']['service_phone'] == '0563-1234567'


def test_a_returning_students_login_leaves_the_stored_answer_in_use(client, enrolled):
    """A login of a student who has one writes only what GET /me never shows (session_key, unionid,
    last_login_at): the answer stored before it stays current and is served as it was, without a rebuild."""
    gen_key, _, answer_key = cached_view._keys(enrolled.student_id)
    shown = enrolled.get('/me')
    stored, generation = get_redis().get(answer_key), get_redis().get(gen_key)
    assert stored.endswith(shown.data)
    openid = db.session.get(Student, enrolled.student_id).openid
    db.session.remove()
    code = f'code-~{openid.removeprefix("openid-")}~again'  # another wx.login code of the same WeChat user
    login = client.post('/api/v1/auth/login', json={'code': code})
    assert login.json['student'] == shown.json['student']
    assert get_redis().get(gen_key) == generation and get_redis().get(answer_key) == stored
    with Statements() as statements:
        again = client.get('/api/v1/me', headers={'Authorization': f'Bearer {login.json["token"]}'})
    assert again.data == shown.data and statements.sql == []


def test_a_first_login_marks_the_new_students_answer_stale(client, fake_wechat):
    """The upsert that creates a student is written without the ORM, so no flush sees it: it records the new
    student itself. An answer kept in Redis under their id (from a database since restored, whose ids are given
    again) is then never served to them."""
    first = client.post('/api/v1/auth/login', json={'code': 'code-~ann~1'}).json['student']['id']
    student_id = first + 1  # the id the next new student gets
    gen_key, zones_key, answer_key = cached_view._keys(student_id)
    get_redis().set(answer_key, b'0:0:1:{"student": {"id": %d, "phone": "139****0000"}}' % student_id)
    assert cached_view.current(get_redis().mget(gen_key, zones_key, answer_key))[2] is not None
    new = client.post('/api/v1/auth/login', json={'code': 'code-~bea~1'}).json
    assert new['student']['id'] == student_id
    assert get_redis().get(gen_key) == b'1'
    me = client.get('/api/v1/me', headers={'Authorization': f'Bearer {new["token"]}'})
    assert me.status_code == 200 and me.json['student'] == {'id': student_id, 'phone': None, 'zone_code': None}
