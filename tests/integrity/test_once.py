"""Every state change happens once: concurrent decisions, batch actions, cash payments and submissions over real
HTTP against the threaded server and PostgreSQL."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Notification, Payment, Registration
from tests.factories import registration_fields
from tests.integrity.conftest import AdminBrowser, Student, at_once


def _transitions(registration_id: int, from_status: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.registration_id == registration_id,
            AuditEvent.action == 'transition',
            AuditEvent.from_status == from_status,
        )
    ).all()


def _notifications(registration_id: int) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(Notification.registration_id == registration_id)).all()


def _reviewers(live_url, create_reviewer, count: int) -> list[AdminBrowser]:
    browsers = []
    for n in range(count):
        create_reviewer(f'centre{n}')
        browser = AdminBrowser(live_url, f'centre{n}')
        assert browser.response.status_code == 302
        browsers.append(browser)
    return browsers


def test_eight_concurrent_cash_payments_record_one(live_url, zone, student, create_registration, create_reviewer):
    registration = create_registration(student, zone, status='approved', amount_due_fen=40000)
    _reviewers(live_url, create_reviewer, 3)
    page = f'/admin/registrations/{registration.id}'
    # Three reviewers each open the record (one form token each) and press the button three times. A browser per
    # press, sharing its reviewer's form: presses of one browser at once race for its session cookie, and the
    # flashed message of one can be lost to another's answer.
    forms = []
    for n in range(3):
        first = AdminBrowser(live_url, f'centre{n}')
        token = first.form_token(page)
        for browser in (first, AdminBrowser(live_url, f'centre{n}'), AdminBrowser(live_url, f'centre{n}')):
            forms.append((browser, browser.csrf(page), token))
    calls = [
        lambda b=b, c=c, t=t: b.post(f'{page}/cash', {'amount': '400.00', 'csrf_token': c, 'idempotency_key': t})
        for b, c, t in forms
    ]
    responses = at_once(calls)
    assert all(r.status_code == 200 for r in responses)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert len(_transitions(registration.id, 'approved')) == 1
    assert db.session.get(Registration, registration.id).status == 'paid'
    assert [n.kind for n in _notifications(registration.id)] == ['paid']
    texts = ' '.join(r.text for r in responses)
    assert '现金缴费已登记，参保成功' in texts and ('重复提交' in texts or '重复缴费' in texts)


def test_concurrent_cash_payments_with_different_receipts_record_one(
    live_url, zone, student, create_registration, create_reviewer
):
    registration = create_registration(student, zone, status='approved', amount_due_fen=40000)
    page = f'/admin/registrations/{registration.id}'
    browsers = _reviewers(live_url, create_reviewer, 8)
    forms = [(b, b.csrf(page), b.form_token(page)) for b in browsers]
    responses = at_once(
        [
            lambda n=n, b=b, c=c, t=t: b.post(
                f'{page}/cash', {'amount': '400', 'voucher_no': f'R{n}', 'csrf_token': c, 'idempotency_key': t}
            )
            for n, (b, c, t) in enumerate(forms)
        ]
    )
    assert all(r.status_code == 200 for r in responses)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert len(_transitions(registration.id, 'approved')) == 1
    assert sum('重复缴费：该登记已缴费（电子税票号码R' in r.text for r in responses) == 7


def test_concurrent_approve_and_reject_decide_once(
    live_url, zone, create_student, create_registration, create_reviewer
):
    # One browser per request: each one's flashed message comes back on its own redirect.
    browsers = _reviewers(live_url, create_reviewer, 10)
    for _ in range(5):
        registration = create_registration(create_student(), zone, status='submitted')
        page = f'/admin/registrations/{registration.id}'
        shown = [b.shown(page) for b in browsers]
        calls = []
        for n in range(10):
            browser = browsers[n]
            data = (
                {'decision': 'approve', **shown[n]}
                if n % 2 == 0
                else {'decision': 'reject', 'reason': '材料不全', **shown[n]}
            )
            calls.append(lambda b=browser, d=data, p=page: b.post(f'{p}/decision', d))
        responses = at_once(calls)
        assert all(r.status_code == 200 for r in responses)
        decided = _transitions(registration.id, 'submitted')
        assert len(decided) == 1
        assert len(_notifications(registration.id)) == 1
        assert db.session.get(Registration, registration.id).status == decided[0].to_status
        refusals = sum('该登记在您打开页面后已被修改或处理' in r.text for r in responses)
        assert refusals == 9


def test_overlapping_batch_approvals_decide_each_row_once(
    live_url, zone, create_student, create_registration, create_reviewer
):
    rows = [create_registration(create_student(), zone, status='submitted') for _ in range(6)]
    browsers = _reviewers(live_url, create_reviewer, 3)
    ids = [str(r.id) for r in rows]
    # Each browser's token is read now, before the requests race.
    forms = [
        {'decision': 'approve', 'ids': order, **b.shown('/admin/')}
        for b, order in zip(browsers, (ids, ids[::-1], ids), strict=True)
    ]
    calls = [lambda b=b, form=form: b.post('/admin/batch', form) for b, form in zip(browsers, forms, strict=True)]
    responses = at_once(calls)
    assert all(r.status_code == 200 for r in responses)
    for row in rows:
        assert len(_transitions(row.id, 'submitted')) == 1
        assert [n.kind for n in _notifications(row.id)] == ['approved']
    assert sum('成功6条' in r.text for r in responses) == 1


@pytest.fixture
def qingdao(create_zone):
    return create_zone('370200', '青岛市', review_stages=['counsellor', 'college', 'school'])


def test_two_zone_admins_pressing_approve_at_once_in_a_three_stage_zone_decide_one_stage(
    live_url, qingdao, create_student, create_registration, create_reviewer
):
    """A zone admin may decide at any stage: eight approvals of one record shown at the counsellor stage, from two
    admins at once, moved it through every stage to approved. Now the page's stamp decides: one stage moves."""
    create_reviewer('admin-a', role='zone_admin', zone_code='370200')
    create_reviewer('admin-b', role='zone_admin', zone_code='370200')
    # One browser per press (four each): each one's flashed message comes back on its own redirect.
    browsers = [AdminBrowser(live_url, 'admin-a' if n % 2 == 0 else 'admin-b') for n in range(8)]
    registration = create_registration(create_student(), qingdao, status='submitted', stage='counsellor')
    page = f'/admin/registrations/{registration.id}'
    shown = [b.shown(page) for b in browsers]
    calls = [
        lambda b=b, d=d: b.post(f'{page}/decision', {'decision': 'approve', **d})
        for b, d in zip(browsers, shown, strict=True)
    ]
    responses = at_once(calls)
    assert all(r.status_code == 200 for r in responses)
    db.session.expire_all()
    row = db.session.get(Registration, registration.id)
    assert (row.status, row.stage) == ('under_review', 'college')
    assert len(_transitions(registration.id, 'submitted')) == 1
    assert sum('该登记在您打开页面后已被修改或处理，当前为「审核中，学院审核环节」' in r.text for r in responses) == 7
    # The same form posted again later (a reload that resends it) is refused too.
    again = browsers[0].post(f'{page}/decision', {'decision': 'approve', **shown[0]})
    assert '该登记在您打开页面后已被修改或处理' in again.text
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).stage == 'college'


def test_two_overlapping_batches_in_a_three_stage_zone_move_each_row_one_stage(
    live_url, qingdao, create_student, create_registration, create_reviewer
):
    create_reviewer('admin-a', role='zone_admin', zone_code='370200')
    create_reviewer('admin-b', role='zone_admin', zone_code='370200')
    browsers = [AdminBrowser(live_url, 'admin-a'), AdminBrowser(live_url, 'admin-b')]
    rows = [create_registration(create_student(), qingdao, status='submitted', stage='counsellor') for _ in range(4)]
    ids = [str(r.id) for r in rows]
    forms = [{'decision': 'approve', 'ids': ids, **b.shown('/admin/')} for b in browsers]
    responses = at_once([lambda b=b, f=f: b.post('/admin/batch', f) for b, f in zip(browsers, forms, strict=True)])
    assert all(r.status_code == 200 for r in responses)
    db.session.expire_all()
    assert {(r.status, r.stage) for r in db.session.scalars(sa.select(Registration))} == {('under_review', 'college')}
    assert sum('成功4条' in r.text for r in responses) == 1


def test_four_proven_people_taking_over_one_stranger_filed_record_at_once_leave_it_with_one(
    live_url, zone, fake_wechat
):
    """Each claimant proved by face (the fake WeChat passes anyone); the record moves once, under its row lock."""
    from miniapp_backend.models import Zone

    db.session.execute(sa.update(Zone).values(face_verification=True))
    db.session.commit()
    fields = registration_fields()
    stranger = Student(live_url, 'code-claim-stranger')
    stranger.put('/me/zone', {'zone_code': '341800'})
    filed = stranger.post('/registrations', fields)
    assert filed.status_code == 201, filed.text
    assert stranger.post(f'/registrations/{filed.json()["id"]}/submit').status_code == 200
    claimants = [Student(live_url, f'code-claim-{n}') for n in range(4)]
    for claimant in claimants:
        assert claimant.put('/me/zone', {'zone_code': '341800'}).status_code == 200
        person = {'id_type': 'resident_id', 'id_number': fields['id_number'], 'name': fields['name']}
        started = claimant.post('/identity/face', person)
        assert started.status_code == 201, started.text
        passed = claimant.post('/identity/face/result', {'verify_id': started.json()['verify_id']})
        assert passed.json()['status'] == 'passed', passed.text
    responses = at_once([lambda c=c: c.post('/registrations', fields) for c in claimants])
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409], [r.text for r in responses]
    winner = claimants[[r.status_code for r in responses].index(201)]
    db.session.expire_all()
    assert db.session.get(Registration, filed.json()['id']).student_id == winner.id
    claims = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'claim')).all()
    assert len(claims) == 1


def test_two_browsers_changing_one_password_at_once_leave_one_password_and_one_session(live_url, zone, create_reviewer):
    create_reviewer('zhou', role='centre_reviewer')
    browsers = [AdminBrowser(live_url, 'zhou') for _ in range(2)]
    tokens = [b.csrf('/admin/password') for b in browsers]
    new = ['first-new-2026', 'second-new-2026']
    responses = at_once(
        [
            lambda b=b, t=t, p=p: b.post(
                '/admin/password',
                {'current': 'review-pass-1', 'password': p, 'repeat': p, 'csrf_token': t},
                allow_redirects=False,
            )
            for b, t, p in zip(browsers, tokens, new, strict=True)
        ]
    )
    changed = [r.status_code == 302 and r.headers['Location'].endswith('/admin/') for r in responses]
    assert changed.count(True) == 1, [(r.status_code, r.headers.get('Location')) for r in responses]
    winner = changed.index(True)
    signed_in = [b.get('/admin/', allow_redirects=False).status_code == 200 for b in browsers]
    assert signed_in == [n == winner for n in range(2)]
    assert AdminBrowser(live_url, 'zhou', new[winner]).response.status_code == 302
    assert AdminBrowser(live_url, 'zhou', new[1 - winner]).response.status_code == 401


def test_twenty_students_submitting_one_id_number_leave_one_active(live_url, zone, fake_wechat):
    fields = registration_fields()
    students = [Student(live_url, f'code-same-id-{n}') for n in range(20)]
    drafts = []
    for student in students:
        response = student.post('/registrations', fields)
        assert response.status_code == 201, response.text
        drafts.append(response.json()['id'])
    responses = at_once(
        [lambda s=s, d=d: s.post(f'/registrations/{d}/submit') for s, d in zip(students, drafts, strict=True)]
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 19
    assert all(r.json()['code'] == 'already_enrolled' for r in responses if r.status_code == 409)
    db.session.expire_all()
    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.status.in_(('submitted', 'under_review', 'approved', 'paid', 'returned')))
    )
    assert active == 1
    # The losers wrote nothing: one submission's audit row and one 受理 message in all.
    submitted = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.to_status == 'submitted')).all()
    assert len(submitted) == 1
    assert [(n.kind, n.registration_id) for n in db.session.scalars(sa.select(Notification))] == [
        ('submitted', submitted[0].registration_id)
    ]


def _wait_for_a_lock_wait() -> None:
    """Until some statement of this database waits on a row lock (a request blocked behind an open transaction)."""
    for _ in range(300):
        with db.engine.connect() as conn:
            if conn.scalar(sa.text('SELECT count(*) FROM pg_locks WHERE NOT granted')):
                return
        time.sleep(0.02)
    raise AssertionError('no request waited on the row')


def test_an_edit_arriving_while_a_submission_commits_is_judged_on_the_submitted_record(live_url, zone, fake_wechat):
    """A submission's write takes no lock before its conditional UPDATE; an edit of the same draft that arrives while
    it is in flight waits for it and then reads the submitted record, so it is refused instead of changing a
    registration the submission's checks have already passed (its phone, its name: a signed letter voided after
    the fact)."""
    student = Student(live_url, 'code-editing-while-submitting')
    draft = student.post('/registrations', registration_fields())
    assert draft.status_code == 201, draft.text
    registration_id = draft.json()['id']
    with db.engine.connect() as submission, ThreadPoolExecutor(1) as pool:  # its UPDATE done, its commit not yet
        submission.execute(
            sa.text("UPDATE registrations SET status = 'submitted', updated_at = now() WHERE id = :id"),
            {'id': registration_id},
        )
        edit = pool.submit(
            requests.patch,
            f'{live_url}/api/v1/registrations/{registration_id}',
            json={'phone': '13900002222'},
            headers={'Authorization': f'Bearer {student.token}'},
            timeout=60,
        )
        _wait_for_a_lock_wait()
        submission.commit()
        response = edit.result(timeout=60)
    assert response.status_code == 409, response.text
    assert response.json()['code'] == 'invalid_state'
    db.session.expire_all()
    registration = db.session.get(Registration, registration_id)
    assert (registration.status, registration.phone) == ('submitted', registration_fields()['phone'])


def test_twenty_students_renewing_one_person_leave_one_active(live_url, zone, fake_wechat):
    """Each of them passed WeChat face verification for that person (the worst case): still one renewal."""
    from datetime import date

    from miniapp_backend.models import InsuredPerson, Zone
    from miniapp_backend.security.blind_index import blind_index
    from tests.factories import make_id_number

    number = make_id_number()
    db.session.add(
        InsuredPerson(
            id_index=blind_index(number),
            id_number=number,
            name='王宣',
            zone=zone,
            since=date(2024, 1, 1),
            paid_through_year=zone.year - 1,
        )
    )
    db.session.execute(sa.update(Zone).values(face_verification=True))
    db.session.commit()
    students = [Student(live_url, f'code-renew-{n}') for n in range(20)]
    for student in students:
        assert student.put('/me/zone', {'zone_code': '341800'}).status_code == 200
        started = student.post('/identity/face', {'id_number': number, 'name': '王宣'})
        assert started.status_code == 201, started.text
        result = student.post('/identity/face/result', {'verify_id': started.json()['verify_id']})
        assert result.json()['status'] == 'passed'
    responses = at_once(
        [lambda s=s: s.post('/renewals', {'zone_code': '341800', 'id_number': number}) for s in students]
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 19
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_concurrent_identity_decisions_decide_once(live_url, zone, create_student, create_reviewer):
    from miniapp_backend.enrolment.students.identity import name_index
    from miniapp_backend.models import IdentityProof
    from miniapp_backend.models.enums import ProofMethod, ProofStatus
    from miniapp_backend.security.blind_index import blind_index
    from tests.factories import make_id_number

    number = make_id_number()
    proof = IdentityProof(
        student=create_student(),
        zone_id=zone.id,
        method=ProofMethod.CENTRE,
        id_index=blind_index(number),
        name_index=name_index('李云'),
        id_number=number,
        name='李云',
    )
    db.session.add(proof)
    db.session.commit()
    proof_id = proof.id
    browsers = _reviewers(live_url, create_reviewer, 6)
    tokens = [b.csrf('/admin/identity') for b in browsers]
    calls = [
        lambda b=b, t=t, n=n: b.post(
            f'/admin/identity/{proof_id}/decision',
            {'decision': 'pass' if n % 2 == 0 else 'fail', 'reason': '照片与证件一致', 'csrf_token': t},
        )
        for n, (b, t) in enumerate(zip(browsers, tokens, strict=True))
    ]
    responses = at_once(calls)
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    assert sum('该核验申请已处理' in r.text for r in responses) == 5
    db.session.expire_all()
    decisions = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.in_(['identity_review_passed', 'identity_review_failed']))
    ).all()
    assert len(decisions) == 1
    decided = db.session.get(IdentityProof, proof_id)
    assert decided.status is not ProofStatus.PENDING
    assert decisions[0].action == f'identity_review_{decided.status.value}'


def test_a_student_pressing_save_eight_times_at_once_keeps_one_draft(live_url, zone, fake_wechat):
    student = Student(live_url, 'code-double-tap')
    fields = registration_fields()
    responses = at_once([lambda: student.post('/registrations', fields) for _ in range(8)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 7, [r.text for r in responses]
    [created] = [r.json()['id'] for r in responses if r.status_code == 201]
    assert all(
        r.json()['code'] == 'draft_exists' and r.json()['details'] == {'registration_id': created}
        for r in responses
        if r.status_code == 409
    )
    db.session.expire_all()
    drafts = db.session.scalars(sa.select(Registration.id).where(Registration.status == 'draft')).all()
    assert drafts == [created]


def test_a_suspension_asked_eight_times_at_once_asks_the_home_town_once(live_url, zone, fake_wechat, prove):
    from miniapp_backend.models import Student as StudentRow, Suspension
    from tests.factories import make_id_number

    student = Student(live_url, 'code-suspend-twice')
    assert student.put('/me/zone', {'zone_code': '341800'}).status_code == 200
    id_number = make_id_number()
    prove(db.session.get(StudentRow, student.id), id_number, '张晓雨')
    form = {
        'origin_zone_code': '530000',
        'reason': '在学籍地参加城乡居民医保',
        'suspend_from': '2026-12-01',
        'consent': True,
        'id_number': id_number,
        'name': '张晓雨',
    }
    responses = at_once([lambda: student.post('/suspensions', form) for _ in range(8)])
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7, [r.text for r in responses]
    [asked] = [r.json()['id'] for r in responses if r.status_code == 201]
    refused = [r.json() for r in responses if r.status_code == 409]
    assert {(body['code'], body['details']['suspension_id']) for body in refused} == {('suspension_pending', asked)}
    db.session.expire_all()
    assert db.session.scalars(sa.select(Suspension.id)).all() == [asked]
    # Once the home town has answered, the person may ask it again.
    db.session.execute(sa.update(Suspension).values(status='refused'))
    db.session.commit()
    assert student.post('/suspensions', form).status_code == 201


def test_an_id_photo_sent_eight_times_at_once_waits_once_in_the_centres_queue(live_url, zone, fake_wechat):
    import io

    from PIL import Image

    from miniapp_backend.models import IdentityProof
    from tests.factories import make_id_number

    student = Student(live_url, 'code-photo-twice')
    assert student.put('/me/zone', {'zone_code': '341800'}).status_code == 200
    photo = io.BytesIO()
    Image.new('RGB', (640, 400), (200, 210, 220)).save(photo, 'JPEG')
    person = {'id_type': 'resident_id', 'id_number': make_id_number(), 'name': '张晓雨'}

    def send():
        return requests.post(
            f'{live_url}/api/v1/identity/requests',
            data=person,
            files={'file': ('id.jpg', photo.getvalue())},
            headers={'Authorization': f'Bearer {student.token}'},
            timeout=60,
        )

    responses = at_once([send for _ in range(8)])
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7, [r.text for r in responses]
    assert {r.json()['code'] for r in responses if r.status_code == 409} == {'review_pending'}
    db.session.expire_all()
    waiting = db.session.scalars(sa.select(IdentityProof.id).where(IdentityProof.status == 'pending')).all()
    assert waiting == [r.json()['id'] for r in responses if r.status_code == 201]
    asked = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'identity_review_requested')).all()
    assert [event.detail['proof_id'] for event in asked] == waiting
    # Once the centre has decided (here: not the person), a new photo may be sent.
    db.session.execute(sa.update(IdentityProof).values(status='failed'))
    db.session.commit()
    assert send().status_code == 201


def test_two_administrators_adding_one_username_at_once_add_one_account(live_url, create_reviewer, zone):
    admins = []
    for name in ('admin-a', 'admin-b', 'admin-c', 'admin-d'):
        create_reviewer(name, role='zone_admin')
        admins.append(AdminBrowser(live_url, name))
    tokens = [admin.csrf('/admin/accounts') for admin in admins]
    form = {'username': 'zhao', 'display_name': '赵老师', 'role': 'centre_reviewer', 'school_id': ''}
    responses = at_once(
        [
            lambda a=a, t=t: a.post('/admin/accounts', {**form, 'csrf_token': t})
            for a, t in zip(admins, tokens, strict=True)
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 422, 422, 422], [r.status_code for r in responses]
    assert sum('该用户名已被使用' in r.text for r in responses) == 3
    db.session.expire_all()
    added = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == 'reviewer_created')).all()
    assert added == ['reviewer_created']


def test_two_administrators_resetting_one_password_at_once_hand_out_one_password(live_url, create_reviewer, zone):
    import re

    from tests.hostile.values import FormParser

    admins = []
    for name in ('admin-a', 'admin-b', 'admin-c', 'admin-d'):
        create_reviewer(name, role='zone_admin')
        admins.append(AdminBrowser(live_url, name))
    target = create_reviewer('liu', role='centre_reviewer')
    action = f'/admin/accounts/{target.id}/reset'
    forms = []
    for admin in admins:  # each opens the list and reads the reset form as rendered
        parser = FormParser('/admin/accounts')
        parser.feed(admin.get('/admin/accounts').text)
        forms.append(next(form.fields for form in parser.forms if form.action == action))
    responses = at_once([lambda a=a, f=f: a.post(action, f) for a, f in zip(admins, forms, strict=True)])
    assert [r.status_code for r in responses] == [200] * 4
    issued = [m.group(1) for r in responses if (m := re.search(r'<code id="issued-password">([^<]+)</code>', r.text))]
    assert len(issued) == 1, [r.text[-400:] for r in responses]
    assert sum('账号 liu 刚刚已被重置密码' in r.text for r in responses) == 3
    assert AdminBrowser(live_url, 'liu', issued[0]).response.headers['Location'].endswith('/admin/password')


def test_two_zone_admins_disabling_each_other_at_once_leave_one_in_use(live_url, create_reviewer, zone):
    from miniapp_backend.models import Reviewer

    first, second = create_reviewer('admin-a', role='zone_admin'), create_reviewer('admin-b', role='zone_admin')
    browsers = [AdminBrowser(live_url, 'admin-a'), AdminBrowser(live_url, 'admin-b')]
    tokens = [b.csrf('/admin/accounts') for b in browsers]
    targets = [second.id, first.id]  # each disables the other
    responses = at_once(
        [
            lambda b=b, t=t, r=r: b.post(f'/admin/accounts/{r}/active', {'active': '0', 'csrf_token': t})
            for b, t, r in zip(browsers, tokens, targets, strict=True)
        ]
    )
    assert all(r.status_code in (200, 302, 303) for r in responses), [r.status_code for r in responses]
    db.session.expire_all()
    active = db.session.scalars(sa.select(Reviewer.username).where(Reviewer.active)).all()
    assert len(active) == 1, active
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == 'reviewer_disabled')).all() == [
        'reviewer_disabled'
    ]


def test_subscriptions_granted_at_once_are_each_counted(live_url, create_zone, fake_wechat):
    from miniapp_backend.models import SubscriptionQuota

    create_zone(message_templates={'approved': {'template_id': 'tpl-approved'}, 'paid': {'template_id': 'tpl-paid'}})
    student = Student(live_url, 'code-granting')
    assert student.put('/me/zone', {'zone_code': '341800'}).status_code == 200
    responses = at_once(
        [lambda: student.post('/subscriptions', {'accepted': ['tpl-approved', 'tpl-paid']}) for _ in range(8)]
    )
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert sorted(r.json()['quotas']['tpl-approved'] for r in responses) == list(range(1, 9))
    db.session.expire_all()
    quotas = db.session.execute(sa.select(SubscriptionQuota.template_id, SubscriptionQuota.remaining)).all()
    assert sorted(quotas) == [('tpl-approved', 8), ('tpl-paid', 8)]


def test_a_withdrawal_arriving_while_a_reviewer_approves_is_judged_on_the_approved_record(live_url, zone, fake_wechat):
    """The reviewer's decision holds the row (states.lock) from its read to its commit; the student's withdrawal
    that arrives meanwhile waits, then reads the approved record and is refused: it must not write 'withdrawn' over
    an approval whose message is already queued."""
    student = Student(live_url, 'code-withdrawing-while-approved')
    draft = student.post('/registrations', registration_fields())
    assert draft.status_code == 201, draft.text
    registration_id = draft.json()['id']
    assert student.post(f'/registrations/{registration_id}/submit').status_code == 200
    with db.engine.connect() as decision, ThreadPoolExecutor(1) as pool:  # its lock and UPDATE done, its commit not yet
        decision.execute(sa.text('SELECT id FROM registrations WHERE id = :id FOR UPDATE'), {'id': registration_id})
        decision.execute(
            sa.text("UPDATE registrations SET status = 'approved', updated_at = now() WHERE id = :id"),
            {'id': registration_id},
        )
        withdrawal = pool.submit(student.post, f'/registrations/{registration_id}/withdraw')
        _wait_for_a_lock_wait()
        decision.commit()
        response = withdrawal.result(timeout=60)
    assert response.status_code == 409, response.text
    assert response.json()['code'] == 'invalid_state'
    db.session.expire_all()
    assert db.session.get(Registration, registration_id).status == 'approved'
    assert [event.to_status for event in _transitions(registration_id, 'submitted')] == []


def test_concurrent_suspension_decisions_decide_once(live_url, zone, create_student, create_reviewer):
    from datetime import date

    from miniapp_backend.enrolment.suspension.request import record
    from miniapp_backend.models import Suspension
    from miniapp_backend.models.base import utcnow
    from tests.factories import make_id_number

    browsers = _reviewers(live_url, create_reviewer, 8)
    suspension = record(
        '530000',
        make_id_number(),
        '甲',
        '参加职工医保',
        date(2026, 12, 31),
        utcnow(),
        student=create_student(zone=zone),
    )
    db.session.commit()
    tokens = [b.csrf('/admin/suspensions') for b in browsers]
    forms = [
        {'decision': 'confirm', 'reason': '', 'csrf_token': t}
        if n % 2 == 0
        else {'decision': 'refuse', 'reason': '原参保地未收到本人申请', 'csrf_token': t}
        for n, t in enumerate(tokens)
    ]
    path = f'/admin/suspensions/{suspension.id}/decision'
    responses = at_once([lambda b=b, f=f: b.post(path, f) for b, f in zip(browsers, forms, strict=True)])
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    assert sum('该停保申请已处理' in r.text for r in responses) == 7
    db.session.expire_all()
    decisions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.in_(('suspension_confirmed', 'suspension_refused')))
    ).all()
    assert len(decisions) == 1
    messages = db.session.scalars(sa.select(Notification).where(Notification.suspension_id == suspension.id)).all()
    assert len(messages) == 1
    assert db.session.get(Suspension, suspension.id).status.value == decisions[0].removeprefix('suspension_')
