"""The record page through its forms: one audit line per visit, 下一条 through the queue the reviewer came from."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Registration
from tests.admin.pages import decision_fields, listed_stamps, login, page_form, submit

OTHER_COLLEGE = '外国语学院'


def _openings(registration_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.registration_id == registration_id, AuditEvent.action == 'open_record'
        )
    )


def _decide(client, path: str, decision: str, reason: str = ''):
    """Press a decision button on the record page at `path` (its query string kept, as the browser does)."""
    record = path.split('?')[0]
    form = page_form(client, path, f'{record}/decision')
    return submit(client, form, ('decision', decision), reason=reason)


def _next_link(page: str) -> str | None:
    found = re.search(r'id="next-record" href="([^"]+)"', page)
    return found.group(1).replace('&amp;', '&') if found else None


def _record_links(queue_page: str) -> list[str]:
    return [link.replace('&amp;', '&') for link in re.findall(r'href="(/admin/registrations/\d+[^"]*)"', queue_page)]


@pytest.fixture
def centre(client, create_reviewer, zone):
    create_reviewer('centre')
    login(client, 'centre')
    return client


def test_a_decision_and_the_page_it_returns_to_are_one_visit_in_the_audit_log(
    centre, zone, create_student, create_registration
):
    registration = create_registration(create_student(), zone, status='submitted')
    path = f'/admin/registrations/{registration.id}'
    answer = _decide(centre, path, 'approve')
    assert answer.status_code == 302
    back = centre.get(answer.headers['Location'])
    assert '已通过，待学生缴费' in back.text
    assert _openings(registration.id) == 1
    # Cash on the approved record, from the page it returned to: still the same visit.
    cash = page_form(centre, path, f'{path}/cash')
    assert _openings(registration.id) == 2  # page_form loaded the page afresh: a real view
    paid = submit(centre, cash, voucher_no='CASH-0001')
    assert '现金缴费已登记，参保成功' in centre.get(paid.headers['Location']).text
    assert _openings(registration.id) == 2
    # Opened again (from the queue, a reload): a new look, a new line.
    centre.get(path)
    centre.get(path)
    assert _openings(registration.id) == 4


def test_a_refused_form_never_passes_for_the_visit_that_the_last_action_began(
    centre, zone, create_student, create_registration
):
    """Approved in a batch from the queue (the record never opened), then a cash form refused for its amount: what
    the refused post leads to is a look at the record's personal data like any other, and is audited."""
    registration = create_registration(create_student(), zone, status='submitted')
    path = f'/admin/registrations/{registration.id}'
    batch = page_form(centre, '/admin/', '/admin/batch')
    seen = listed_stamps(centre)
    approved = centre.post(
        '/admin/batch',
        data={
            'csrf_token': batch.fields['csrf_token'],
            'ids': str(registration.id),
            'decision': 'approve',
            'seen': seen,
        },
    )
    assert approved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == 'approved' and _openings(registration.id) == 0
    refused = centre.post(f'{path}/cash', data={'csrf_token': batch.fields['csrf_token'], 'amount': 'nope'})
    page = centre.get(refused.headers['Location'])
    assert page.status_code == 200 and registration.id_number in page.text  # shown in full
    assert _openings(registration.id) == 1


def test_a_refused_decision_returns_to_a_record_someone_else_changed_and_that_look_is_audited(
    client, create_reviewer, zone, create_student, create_registration
):
    registration = create_registration(create_student(), zone, status='submitted')
    path = f'/admin/registrations/{registration.id}'
    create_reviewer('centre')
    create_reviewer('other')
    login(client, 'centre')
    stale = decision_fields(client, registration.id)  # the page as centre saw it (one line)
    other = client.application.test_client()
    login(other, 'other')
    other.post(
        f'{path}/decision',
        data={'decision': 'return', 'reason': '照片不清晰', **decision_fields(other, registration.id)},
    )
    refused = client.post(f'{path}/decision', data={'decision': 'approve', 'reason': '', **stale})
    assert '在您打开页面后已被修改或处理' in client.get(refused.headers['Location']).text
    # centre's first look, other's look, and centre's look at what other left: three lines.
    assert _openings(registration.id) == 3


def test_next_follows_the_filtered_queue_and_ends_with_queue_done(centre, zone, create_student, create_registration):
    oldest, other_college, middle, newest = (
        create_registration(create_student(), zone, status='submitted', college=college)
        for college in ('计算机与信息学院', OTHER_COLLEGE, '计算机与信息学院', '计算机与信息学院')
    )
    queue = centre.get('/admin/?college=计算机与信息学院').text
    links = _record_links(queue)
    assert [int(re.match(r'/admin/registrations/(\d+)', link).group(1)) for link in links] == [
        newest.id,
        middle.id,
        oldest.id,
    ]
    first = links[0]
    assert 'college=' in first  # the record carries the queue's filter
    answer = _decide(centre, first, 'approve')
    assert 'college=' in answer.headers['Location']
    page = centre.get(answer.headers['Location']).text
    # Decided: the next record of the same filtered queue is offered, not the other college's (older) one.
    landed = centre.get(_next_link(page))
    assert landed.status_code == 302 and f'/admin/registrations/{middle.id}?' in landed.headers['Location']
    page = centre.get(landed.headers['Location']).text
    answer = _decide(centre, landed.headers['Location'], 'return', '照片不清晰')
    page = centre.get(answer.headers['Location']).text
    following = centre.get(_next_link(page)).headers['Location']
    assert f'/admin/registrations/{oldest.id}?' in following
    answer = _decide(centre, following, 'approve')
    page = centre.get(answer.headers['Location']).text
    assert _next_link(page) is None and '队列已处理完' in page
    done = centre.get(f'/admin/registrations/{oldest.id}/next?college=计算机与信息学院')
    assert done.status_code == 200 and '队列已处理完' in done.text
    assert 'href="/admin/?college=' in done.text  # back to the queue as it was filtered
    db.session.expire_all()
    assert other_college.status == 'submitted'


def test_next_is_chosen_when_asked_so_a_record_another_reviewer_decided_is_skipped(
    client, create_reviewer, zone, create_student, create_registration
):
    first, second, third = (create_registration(create_student(), zone, status='submitted') for _ in range(3))
    create_reviewer('centre')
    create_reviewer('other')
    login(client, 'centre')
    page = client.get(f'/admin/registrations/{third.id}').text
    link = _next_link(page)  # drawn while `second` still waited
    other = client.application.test_client()
    login(other, 'other')
    _decide(other, f'/admin/registrations/{second.id}', 'approve')
    landed = client.get(link)
    assert landed.headers['Location'].endswith(f'/admin/registrations/{first.id}')
    # At the queue's end the newest record still waiting comes next (one skipped, or newly submitted).
    again = client.get(f'/admin/registrations/{first.id}/next')
    assert again.headers['Location'].endswith(f'/admin/registrations/{third.id}')


def test_next_stays_in_the_reviewers_stage_and_scope(
    client, create_reviewer, create_zone, create_student, create_registration
):
    qingdao = create_zone('370200', '青岛市', review_stages=['counsellor', 'college', 'school'])
    create_reviewer(
        'counsellor',
        role='counsellor',
        zone_code='370200',
        school_code='S370200',
        college='计算机与信息学院',
        class_name='计算机22-1班',
    )
    mine = create_registration(create_student(), qingdao, status='submitted')
    create_registration(create_student(), qingdao, status='submitted', class_name='别的班')
    create_registration(create_student(), qingdao, status='under_review', stage='college')
    newest = create_registration(create_student(), qingdao, status='submitted')
    login(client, 'counsellor')
    assert (
        client.get(f'/admin/registrations/{newest.id}/next')
        .headers['Location']
        .endswith(f'/admin/registrations/{mine.id}')
    )


@pytest.mark.parametrize(
    'query',
    [
        '?school=' + 'x' * 300,
        '?college=%01%7f',
        '?q=%ED%A0%80',
        '?q=' + 'a' * 65,
        '?school=../../&college=<script>',
        '?q=1&q=2&school[]=1',
    ],
)
def test_a_forged_queue_filter_never_breaks_the_record_or_its_next_link(
    centre, zone, create_student, create_registration, query
):
    older = create_registration(create_student(), zone, status='submitted')
    registration = create_registration(create_student(), zone, status='submitted')
    page = centre.get(f'/admin/registrations/{registration.id}{query}')
    assert page.status_code == 200 and registration.id_number in page.text
    following = centre.get(f'/admin/registrations/{registration.id}/next{query}')
    assert following.status_code in (200, 302)
    if following.status_code == 302:
        assert f'/admin/registrations/{older.id}' in following.headers['Location']


def test_next_for_a_record_that_does_not_exist_or_is_out_of_scope(
    centre, zone, create_zone, create_student, create_registration
):
    waiting = create_registration(create_student(), zone, status='submitted')
    elsewhere = create_registration(create_student(), create_zone('370200', '青岛市'), status='submitted')
    # Outside my scope, or not there at all: not found, like the record itself (DESIGN §5.2).
    for missing in (elsewhere.id, 999_999, 2**31, 10**30, 0):
        assert centre.get(f'/admin/registrations/{missing}').status_code == 404
        assert centre.get(f'/admin/registrations/{missing}/next').status_code == 404
    assert centre.get(f'/admin/registrations/{waiting.id}/next').status_code == 200  # nothing else waits
    # NUL anywhere in a query is the input gate's 400 (DESIGN §8), on these pages too.
    assert centre.get(f'/admin/registrations/{waiting.id}/next?q=%00').status_code == 400
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).status == 'submitted'


def test_a_reason_typed_before_pressing_approve_decides_nothing(centre, zone, create_student, create_registration):
    """通过 with a reason in the box is a 退回 or 不予通过 meant (an approval tells the student and cannot be undone)."""
    registration = create_registration(create_student(), zone, status='submitted')
    path = f'/admin/registrations/{registration.id}'
    refused = _decide(centre, path, 'approve', reason='照片模糊')
    assert '您填写了原因却点了通过，未作处理' in centre.get(refused.headers['Location']).text
    batch = page_form(centre, '/admin/', '/admin/batch')
    answer = centre.post(
        '/admin/batch',
        data={
            'csrf_token': batch.fields['csrf_token'],
            'ids': str(registration.id),
            'decision': 'approve',
            'reason': '这是退回原因但点了通过',
            'seen': listed_stamps(centre),
        },
    )
    assert '您填写了原因却点了通过，未作处理' in centre.get(answer.headers['Location']).text
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == 'submitted'
    assert _decide(centre, path, 'approve').status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == 'approved'


def test_a_role_the_zones_flow_leaves_out_is_told_its_queue_stays_empty(
    client, create_reviewer, zone, create_student, create_registration
):
    """The zone reviews at the centre only: a school admin's 待我审核 says why it is empty, not just 没有记录."""
    create_registration(create_student(), zone, status='submitted', stage='centre')
    create_reviewer('school', role='school_admin', school_code=zone.schools[0].code)
    login(client, 'school')
    told = re.search(r'id="no-review-stage">([^<]+)<', client.get('/admin/').text)
    assert told and '本专区的审核流程为医保中心审核，不含您的审核环节' in told.group(1)
    assert 'no-review-stage' not in client.get('/admin/?all=1').text
    create_reviewer('centre')
    login(client, 'centre')
    assert 'no-review-stage' not in client.get('/admin/').text


def test_a_returned_records_heading_does_not_name_a_stage_it_waits_at(
    centre, zone, create_student, create_registration
):
    returned = create_registration(create_student(), zone, status='returned', stage='centre')
    waiting = create_registration(create_student(), zone, status='submitted', stage='centre')
    heading = re.compile(r'<h2>(.*?)</h2>', re.S)
    assert heading.search(centre.get(f'/admin/registrations/{returned.id}').text).group(1).endswith('已退回</span>')
    assert '已提交</span>（医保中心审核）' in heading.search(
        centre.get(f'/admin/registrations/{waiting.id}').text
    ).group(1)
