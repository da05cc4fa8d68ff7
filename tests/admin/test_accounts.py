"""审核账号: a zone administrator creates, scopes, disables and resets reviewers; all of it audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Reviewer
from tests.admin.pages import csrf_token, error_under, login, notices, page_form, submit


def _create(client, **fields):
    return client.post('/admin/accounts', data={'csrf_token': csrf_token(client, '/admin/accounts'), **fields})


def _issued(page: str) -> str:
    return re.search(r'<code id="issued-password">([^<]+)</code>', page).group(1)


def _logout(client):
    client.post('/admin/logout', data={'csrf_token': csrf_token(client, '/admin/')})


def test_create_a_scoped_counsellor_who_must_change_the_password(client, create_reviewer, zone):
    create_reviewer('wang', role='zone_admin')
    login(client, 'wang')
    refused = _create(client, username='li', role='counsellor', school_id=str(zone.schools[0].id))
    assert '该角色须填写学院' in refused.text and '该角色须填写班级' in refused.text
    assert db.session.scalar(sa.select(Reviewer.id).where(Reviewer.username == 'li')) is None
    # A class the school does not have gave an account that saw nothing: named, and nothing created.
    school = str(zone.schools[0].id)
    unknown = _create(client, username='li', role='counsellor', school_id=school, college='计算机与信息学院')
    assert '该角色须填写班级' in unknown.text
    for college, class_name, message in (
        ('不存在的学院', '计算机22-1班', '没有这个学院'),
        ('计算机与信息学院', '不存在的班', '计算机与信息学院没有这个班级'),
    ):
        page = _create(
            client, username='li', role='counsellor', school_id=school, college=college, class_name=class_name
        ).text
        assert message in page and 'list="known-classes"' in page
    assert db.session.scalar(sa.select(Reviewer.id).where(Reviewer.username == 'li')) is None
    page = _create(
        client,
        username='li',
        display_name='李老师',
        role='counsellor',
        school_id=str(zone.schools[0].id),
        college='计算机与信息学院',
        class_name='计算机22-1班',
    ).text
    password = _issued(page)
    assert '辅导员' in page and '从未登录' in page
    reviewer = db.session.scalars(sa.select(Reviewer).where(Reviewer.username == 'li')).one()
    assert (reviewer.class_name, reviewer.must_change_password) == ('计算机22-1班', True)
    assert password not in reviewer.password_hash
    _logout(client)
    assert login(client, 'li', password).headers['Location'].endswith('/admin/password')
    assert client.get('/admin/').headers['Location'].endswith('/admin/password')
    token = csrf_token(client, '/admin/password')
    assert (
        '两次输入的密码不一致'
        in client.post(
            '/admin/password',
            data={'current': password, 'password': 'new-pass-123', 'repeat': 'other', 'csrf_token': token},
        ).text
    )
    client.post(
        '/admin/password',
        data={'current': password, 'password': 'new-pass-123', 'repeat': 'new-pass-123', 'csrf_token': token},
    )
    assert client.get('/admin/').status_code == 200
    db.session.expire_all()
    assert reviewer.last_login_at is not None and reviewer.must_change_password is False
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert 'reviewer_created' in actions and 'password_changed' in actions


def test_disable_and_reset_end_sessions(app, client, create_reviewer, zone):
    create_reviewer('wang', role='zone_admin')
    target = create_reviewer('liu', role='centre_reviewer')
    other = app.test_client()
    login(other, 'liu')
    assert other.get('/admin/').status_code == 200
    login(client, 'wang')
    client.post(
        f'/admin/accounts/{target.id}/active', data={'active': '0', 'csrf_token': csrf_token(client, '/admin/accounts')}
    )
    assert other.get('/admin/').status_code == 302
    assert login(other, 'liu').status_code == 401
    client.post(
        f'/admin/accounts/{target.id}/active', data={'active': '1', 'csrf_token': csrf_token(client, '/admin/accounts')}
    )
    page = submit(client, page_form(client, '/admin/accounts', f'/admin/accounts/{target.id}/reset')).text
    assert login(other, 'liu').status_code == 401
    assert login(other, 'liu', _issued(page)).headers['Location'].endswith('/admin/password')
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like('reviewer_%'))).all()
    assert sorted(actions) == ['reviewer_disabled', 'reviewer_enabled', 'reviewer_password_reset']


def test_only_zone_admins_manage_accounts_and_only_in_their_zone(client, create_reviewer, create_zone, zone):
    create_zone('370200', '青岛市')
    elsewhere = create_reviewer('qd', role='centre_reviewer', zone_code='370200')
    create_reviewer('liu', role='centre_reviewer')
    create_reviewer('wang', role='zone_admin')
    login(client, 'liu')
    assert client.get('/admin/accounts').status_code == 403
    _logout(client)
    login(client, 'wang')
    listed = client.get('/admin/accounts').text  # by row: a random CSRF token may contain any two letters
    assert 'data-username="liu"' in listed and 'data-username="qd"' not in listed
    response = client.post(
        f'/admin/accounts/{elsewhere.id}/reset',
        data={'csrf_token': csrf_token(client, '/admin/accounts'), 'seen': str(elsewhere.session_version)},
    )
    assert response.status_code == 404


def test_a_school_that_is_not_an_id_is_refused_by_name(admin, zone):
    """A tampered select: the school field says so, and no account is made."""
    for value in ('²', '9' * 30, '-1'):
        page = admin.post(
            '/admin/accounts',
            data={
                'csrf_token': csrf_token(admin, '/admin/accounts'),
                'username': 'zz',
                'role': 'school_admin',
                'school_id': value,
            },
        )
        assert page.status_code == 422 and '请选择本专区的学校' in page.text
    assert db.session.scalar(sa.select(Reviewer.id).where(Reviewer.username == 'zz')) is None


def test_a_reset_from_a_list_shown_before_another_change_is_refused(client, create_reviewer, zone):
    """The list was open while the account changed (reset by another admin, disabled, enabled): the reset is refused
    with a notice naming the account, and the password the other admin handed out still works."""
    create_reviewer('wang', role='zone_admin')
    target = create_reviewer('liu', role='centre_reviewer')
    login(client, 'wang')
    stale = page_form(client, '/admin/accounts', f'/admin/accounts/{target.id}/reset')
    issued = _issued(submit(client, page_form(client, '/admin/accounts', f'/admin/accounts/{target.id}/reset')).text)
    refused = client.post(stale.action, data=stale.fields, follow_redirects=True)
    assert notices(refused.text) == ['账号 liu 刚刚已被重置密码或停用、启用，请查看后再操作']
    other = client.application.test_client()
    assert login(other, 'liu', issued).headers['Location'].endswith('/admin/password')
    for seen in ('', 'x', '-1'):
        tampered = client.post(stale.action, data={**stale.fields, 'seen': seen}, follow_redirects=True)
        assert notices(tampered.text) == ['请刷新页面后重试']
    resets = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == 'reviewer_password_reset'))
    assert resets.all() == ['reviewer_password_reset']


def test_changing_ones_own_password_asks_for_the_current_one_and_ends_other_sessions(app, create_reviewer, zone):
    """A session left open elsewhere (or taken) can neither keep the account by changing its password nor stay
    signed in once its owner changed it."""
    create_reviewer('zhou', role='centre_reviewer')
    here, elsewhere = app.test_client(), app.test_client()
    login(here, 'zhou'), login(elsewhere, 'zhou')
    form = page_form(here, '/admin/password')
    wrong = submit(here, form, current='not-it-123', password='zhou-new-2026', repeat='zhou-new-2026')
    assert wrong.status_code == 422 and error_under(wrong.text, 'current') == '当前密码不正确'
    assert login(app.test_client(), 'zhou').status_code == 302  # the old password still works
    changed = submit(here, form, current='review-pass-1', password='zhou-new-2026', repeat='zhou-new-2026')
    assert changed.status_code == 302
    assert here.get('/admin/').status_code == 200  # this browser stays signed in
    assert elsewhere.get('/admin/').headers['Location'].startswith('/admin/login')
    assert login(app.test_client(), 'zhou', 'zhou-new-2026').status_code == 302


def test_guessing_the_current_password_ends_the_session(app, client, create_reviewer, zone):
    create_reviewer('zhou', role='centre_reviewer')
    login(client, 'zhou')
    form = page_form(client, '/admin/password')
    kept = client.get_cookie('session').value  # a copy of the session cookie, as a taken session would keep
    for attempt in range(5):
        answer = submit(client, form, current=f'guess-{attempt}-xx', password='zhou-new-2026', repeat='zhou-new-2026')
    assert answer.headers['Location'].endswith('/admin/login')
    assert client.get('/admin/').headers['Location'].startswith('/admin/login')
    # The kept copy is refused too (sessions are signed cookies: the account's session version moved on), so the
    # right password cannot be tried through it either.
    client.set_cookie('session', kept)
    assert client.get('/admin/').headers['Location'].startswith('/admin/login')
    replayed = submit(client, form, current='review-pass-1', password='zhou-new-2026', repeat='zhou-new-2026')
    assert replayed.headers['Location'].startswith('/admin/login')
    assert login(app.test_client(), 'zhou').status_code == 302  # the password did not change


def test_two_changes_of_one_password_at_once_leave_one_new_password(app, create_reviewer, zone):
    """Under the account's row lock the second change checks its current password against the first's new one."""
    create_reviewer('zhou', role='centre_reviewer')
    first, second = app.test_client(), app.test_client()
    login(first, 'zhou'), login(second, 'zhou')
    forms = page_form(first, '/admin/password'), page_form(second, '/admin/password')
    assert (
        submit(first, forms[0], current='review-pass-1', password='first-new-26', repeat='first-new-26').status_code
        == 302
    )
    late = submit(second, forms[1], current='review-pass-1', password='second-new-26', repeat='second-new-26')
    assert late.status_code in (302, 422)
    assert second.get('/admin/').headers['Location'].startswith('/admin/login')  # ended by the first change
    assert login(app.test_client(), 'zhou', 'first-new-26').status_code == 302
