"""The admin page through the Flask test client: login, CSRF, scope, decisions, batch, cash payment."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Notification, Payment, Registration, Reviewer
from tests.admin.pages import csrf_token, decision_fields, listed_stamps, login, notices, page_form, submit
from tests.hostile.values import FormParser


@pytest.fixture
def qingdao(create_zone):
    return create_zone('370200', '青岛市', review_stages=['counsellor', 'college', 'school'])


def test_login_wrong_password_and_lockout(client, create_reviewer, zone):
    create_reviewer('centre')
    assert login(client, 'centre', 'wrong').status_code == 401
    for _ in range(4):
        login(client, 'centre', 'wrong')
    response = login(client, 'centre')
    assert response.status_code == 401 and '登录失败次数过多' in response.text
    assert login(client, 'nobody').status_code == 401


def test_login_needs_csrf_and_logout_ends_the_session(client, create_reviewer, zone):
    create_reviewer('centre')
    refused = client.post('/admin/login', data={'username': 'centre', 'password': 'review-pass-1'})
    assert refused.status_code == 400 and 'CSRF' in refused.text
    assert login(client, 'centre').status_code == 302
    assert client.get('/admin/').status_code == 200
    cookie = client.get_cookie('session').value
    client.post('/admin/logout', data={'csrf_token': csrf_token(client, '/admin/')})
    client.set_cookie('session', cookie)
    assert client.get('/admin/').status_code == 302  # the old cookie is dead too


def test_session_cookie_flags(client, create_reviewer, zone):
    create_reviewer('centre')
    header = login(client, 'centre').headers['Set-Cookie']
    assert 'HttpOnly' in header and 'SameSite=Lax' in header


def test_decisions_go_through_the_state_machine(client, create_reviewer, zone, student, create_registration):
    create_reviewer('centre')
    registration = create_registration(student, zone, status='submitted')
    login(client, 'centre')
    page = client.get(f'/admin/registrations/{registration.id}')
    assert page.status_code == 200 and registration.id_number in page.text
    for label in ('通过', '退回', '不予通过'):
        assert f'>{label}</button>' in page.text
    shown = decision_fields(client, registration.id)
    refused = client.post(
        f'/admin/registrations/{registration.id}/decision',
        data={'decision': 'return', 'reason': '', **shown},
        follow_redirects=True,
    )
    assert '请填写原因' in refused.text
    client.post(
        f'/admin/registrations/{registration.id}/decision',
        data={'decision': 'return', 'reason': '照片不清晰', **shown},
    )
    db.session.expire_all()
    assert (registration.status, registration.review_reason) == ('returned', '照片不清晰')
    assert db.session.scalars(sa.select(Notification.kind)).all() == ['returned']
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert 'open_record' in actions and 'transition' in actions


def test_scope_by_url_is_not_found(client, create_reviewer, qingdao, create_student, create_registration):
    create_reviewer(
        'counsellor',
        role='counsellor',
        zone_code='370200',
        school_code='S370200',
        college='计算机与信息学院',
        class_name='计算机22-1班',
    )
    mine = create_registration(create_student(), qingdao, status='submitted')
    other = create_registration(create_student(), qingdao, status='submitted', class_name='别的班')
    login(client, 'counsellor')
    assert client.get(f'/admin/registrations/{other.id}').status_code == 404
    assert client.get(f'/admin/registrations/{mine.id}').status_code == 200
    queue = client.get('/admin/').text
    assert f'/admin/registrations/{mine.id}"' in queue and f'/admin/registrations/{other.id}"' not in queue
    token = csrf_token(client, '/admin/')
    # The other class's row, not on the list, is sent with a stamp of its own: scope still refuses it.
    seen = [*listed_stamps(client), f'{other.id}:0']
    client.post(
        '/admin/batch',
        data={'decision': 'approve', 'ids': [str(mine.id), str(other.id)], 'seen': seen, 'csrf_token': token},
    )
    db.session.expire_all()
    assert (mine.status, mine.stage, other.status) == ('under_review', 'college', 'submitted')


def test_batch_approve_reports_each_row(client, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    ready = [create_registration(create_student(), zone, status='submitted') for _ in range(3)]
    draft = create_registration(create_student(), zone, status='draft')
    login(client, 'centre')
    response = client.post(
        '/admin/batch',
        data={
            'decision': 'approve',
            'csrf_token': csrf_token(client, '/admin/'),
            'ids': [str(r.id) for r in ready + [draft]],
            'seen': listed_stamps(client, '/admin/?all=1'),
        },
        follow_redirects=True,
    )
    assert '批量通过：成功3条，失败1条' in response.text
    assert f'{draft.name}（登记{draft.id}）：' in response.text  # the failed row by the name the list shows
    db.session.expire_all()
    assert [r.status for r in ready] == ['approved'] * 3 and draft.status == 'draft'


def test_a_batch_of_nothing_says_so_and_returns_to_the_list_as_it_was_filtered(
    client, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('centre')
    create_registration(create_student(), zone, status='submitted')
    login(client, 'centre')
    listed = '/admin/?status=submitted&q=%E5%BC%A0'
    fields = {name: value for name, value in page_form(client, listed, '/admin/batch').fields.items() if name != 'ids'}
    response = client.post('/admin/batch', data={**fields, 'decision': 'approve'})
    assert response.headers['Location'] == listed
    assert notices(client.get(listed).text) == ['请先勾选要处理的登记']
    elsewhere = client.post('/admin/batch', data={**fields, 'decision': 'approve', 'next': '//evil.example/'})
    assert elsewhere.headers['Location'] == '/admin/'


def test_search_by_id_number_uses_the_blind_index(client, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    wanted = create_registration(create_student(), zone, status='submitted')
    create_registration(create_student(), zone, status='submitted')
    login(client, 'centre')
    text = client.get('/admin/', query_string={'q': wanted.id_number.lower()}).text
    # The record's link carries the search, so that 下一条 follows the same list.
    assert text.count('/admin/registrations/') == 1 and f'/admin/registrations/{wanted.id}?q=' in text


def test_cash_payment_walks_approved_to_paid(client, create_reviewer, zone, student, create_registration):
    create_reviewer('centre')
    registration = create_registration(student, zone, status='submitted')
    login(client, 'centre')
    token = csrf_token(client, '/admin/')
    client.post(
        f'/admin/registrations/{registration.id}/decision',
        data={'decision': 'approve', **decision_fields(client, registration.id)},
    )
    wrong = client.post(
        f'/admin/registrations/{registration.id}/cash',
        data={'amount': '380', 'voucher_no': 'C1', 'csrf_token': token},
        follow_redirects=True,
    )
    assert '缴费金额不符：应缴400.00元，填写的是380.00元，未登记' in wrong.text
    assert 'name="amount" value="380"' in wrong.text and 'name="voucher_no" value="C1"' in wrong.text  # as typed
    db.session.expire_all()  # a typo at the desk leaves no flag and no audit line of a payment found wrong
    assert db.session.get(Registration, registration.id).flag is None
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'payment_mismatch')).all()
    bad = client.post(
        f'/admin/registrations/{registration.id}/cash',
        data={'amount': 'abc', 'csrf_token': token},
        follow_redirects=True,
    )
    assert '请输入正确的缴费金额' in bad.text
    client.post(
        f'/admin/registrations/{registration.id}/cash',
        data={'amount': '400.00', 'voucher_no': 'C2', 'csrf_token': token},
    )
    db.session.expire_all()
    assert registration.status == 'paid'
    payment = db.session.scalars(sa.select(Payment)).one()
    assert (payment.amount_fen, payment.channel, payment.recorded_by_id) == (
        40000,
        'cash',
        db.session.scalars(sa.select(Reviewer.id)).one(),
    )


def test_unknown_decision_and_pages_need_login(client, create_reviewer, zone, student, create_registration):
    registration = create_registration(student, zone, status='submitted')
    assert client.get('/admin/').status_code == 302
    assert client.get(f'/admin/registrations/{registration.id}').status_code == 302
    create_reviewer('centre')
    login(client, 'centre')
    response = client.post(
        f'/admin/registrations/{registration.id}/decision',
        data={'decision': 'delete', **decision_fields(client, registration.id)},
    )
    assert response.status_code == 400
    assert db.session.get(Registration, registration.id).status == 'submitted'


def test_queue_filters_by_school_and_college(client, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    kept = create_registration(create_student(), zone, status='submitted')
    other = create_registration(create_student(), zone, status='submitted', college='经济与管理学院')
    login(client, 'centre')
    text = client.get('/admin/', query_string={'school': '10359X', 'college': '计算机与信息学院'}).text
    # Each record's link carries the filter (下一条 follows the same list).
    assert f'/admin/registrations/{kept.id}?' in text and f'/admin/registrations/{other.id}?' not in text
    assert '没有记录' in client.get('/admin/', query_string={'school': 'OTHER'}).text


def test_an_idle_session_expires(client, create_reviewer, zone):
    create_reviewer('centre')
    login(client, 'centre')
    assert client.get('/admin/').status_code == 200
    with client.session_transaction() as session:
        session['seen'] -= 31 * 60
    response = client.get('/admin/')
    assert response.status_code == 302 and '/admin/login' in response.headers['Location']


def test_login_attempts_are_limited_per_address(client, create_reviewer, zone):
    limit = int(client.application.config['ADMIN_LOGIN_RATE'].split()[0])
    codes = [login(client, f'user{n}', 'wrong').status_code for n in range(limit + 1)]
    assert codes[:limit] == [401] * limit and codes[-1] == 429


def _revoke_form(client, registration_id: int):
    return _record_form(client, registration_id, 'revoke')


def _record_form(client, registration_id: int, decision: str):
    """The record page's form with the button of this decision, as rendered (None when the page offers none)."""
    path = f'/admin/registrations/{registration_id}'
    parser = FormParser(path)
    parser.feed(client.get(path).text)
    return next((f for f in parser.forms if ('decision', decision) in f.buttons), None)


def test_a_school_admin_revokes_a_record_imported_by_mistake(client, create_reviewer, zone, create_registration):
    """Seed 004's 撤销: staff take back a record before its approval, with a reason; the person may register again."""
    create_reviewer('school', role='school_admin', school_code='10359X')
    imported = create_registration(None, zone, status='submitted', stage='centre')
    login(client, 'school')
    form = _revoke_form(client, imported.id)
    assert form is not None
    refused = submit(client, form, ('decision', 'revoke'), reason='')
    assert '请填写原因' in client.get(refused.headers['Location']).text
    db.session.expire_all()
    assert db.session.get(Registration, imported.id).status == 'submitted'
    done = submit(client, form, ('decision', 'revoke'), reason='导入错了人')
    assert '已撤销' in client.get(done.headers['Location']).text
    db.session.expire_all()
    assert db.session.get(Registration, imported.id).status == 'revoked'
    history = client.get(f'/admin/registrations/{imported.id}').text
    assert '撤销了登记' in history and '原因：导入错了人' in history
    assert '<dt>撤销原因</dt><dd>导入错了人</dd>' in history
    assert _revoke_form(client, imported.id) is None  # nothing left to revoke


def test_a_counsellor_is_not_offered_revoking(client, create_reviewer, qingdao, create_student, create_registration):
    create_reviewer(
        'counsellor',
        role='counsellor',
        zone_code='370200',
        school_code='S370200',
        college='计算机与信息学院',
        class_name='计算机22-1班',
    )
    registration = create_registration(create_student(), qingdao, status='submitted', stage='counsellor')
    login(client, 'counsellor')
    assert _revoke_form(client, registration.id) is None
    # Seed 001: the counsellor approves or returns; 不予通过 is for the reviews above.
    assert _record_form(client, registration.id, 'reject') is None
    assert _record_form(client, registration.id, 'return') is not None
    for decision in ('revoke', 'reject'):
        forged = client.post(
            f'/admin/registrations/{registration.id}/decision',
            data={'decision': decision, 'reason': '越权', **decision_fields(client, registration.id)},
        )
        assert forged.status_code == 302
        db.session.expire_all()
        assert db.session.get(Registration, registration.id).status == 'submitted'


def test_an_approval_that_moves_the_record_on_says_where_and_the_last_says_payment_follows(
    client, create_reviewer, qingdao, create_student, create_registration
):
    create_reviewer('admin', role='zone_admin', zone_code='370200')
    registration = create_registration(create_student(), qingdao, status='submitted', stage='counsellor')
    login(client, 'admin')
    said = []
    for _ in range(3):
        form = _record_form(client, registration.id, 'approve')
        done = submit(client, form, ('decision', 'approve'))
        said.append(re.findall(r'<div class="flash ok">([^<]*)</div>', client.get(done.headers['Location']).text))
    assert said == [['本环节已通过，转学院审核'], ['本环节已通过，转学校审核'], ['已通过，待学生缴费']]


def test_an_error_page_is_headed_in_words_not_its_status_code(client, create_reviewer, zone):
    create_reviewer('centre')
    login(client, 'centre')
    missing = client.get('/admin/registrations/999999')
    assert missing.status_code == 404 and '<h2>页面或记录不存在</h2>' in missing.text and '<h2>404' not in missing.text
