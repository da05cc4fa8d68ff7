"""Admin lists page newest first by keyset; every row is reached exactly once, filters are kept across pages."""

from __future__ import annotations

import re

from miniapp_backend.enrolment.reports import paging
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration


def _login(client, create_reviewer, role='zone_admin'):
    create_reviewer('pager', role=role)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get('/admin/login').text).group(1)
    client.post('/admin/login', data={'username': 'pager', 'password': 'review-pass-1', 'csrf_token': token})


def _flat(pages):
    return [row for page in pages for row in page]


def _walk(client, path):
    """Follow 下一页 links from `path`; the record ids of each page, in order."""
    pages = []
    while path:
        text = client.get(path).text
        # A record's link ends at its id, or carries the queue's filter after it.
        pages.append([int(i) for i in re.findall(r'/admin/registrations/(\d+)["?]', text)])
        link = re.search(r'<a href="(\?[^"]+)">下一页</a>', text)
        path = (
            '/admin/' + path.split('/admin/')[1].split('?')[0] + link.group(1).replace('&amp;', '&') if link else None
        )
    return pages


def test_queue_and_all_list_page_newest_first_without_gaps(
    client, create_reviewer, zone, create_student, create_registration, monkeypatch
):
    monkeypatch.setattr(paging, 'PAGE_SIZE', 3)
    monkeypatch.setattr(paging.newest_first, '__defaults__', (3,))
    _login(client, create_reviewer)
    submitted = [create_registration(create_student(), zone, status='submitted') for _ in range(7)]
    drafts = [create_registration(create_student(), zone, status='draft') for _ in range(2)]
    queue = _walk(client, '/admin/?q=')
    assert [len(page) for page in queue] == [3, 3, 1]
    assert '待我审核（7）' in client.get('/admin/').text and '全部登记（9）' in client.get('/admin/?all=1').text
    assert _flat(queue) == sorted((r.id for r in submitted), reverse=True)
    everything = _walk(client, '/admin/?all=1&status=')
    assert _flat(everything) == sorted((r.id for r in submitted + drafts), reverse=True)
    only_drafts = _walk(client, '/admin/?all=1&status=draft')
    assert _flat(only_drafts) == sorted((r.id for r in drafts), reverse=True)


def test_a_cursor_that_does_not_parse_opens_the_first_page(client, create_reviewer, zone, student, create_registration):
    _login(client, create_reviewer)
    registration = create_registration(student, zone, status='submitted')
    for after in ('nonsense', '1~2~3', '99999999999', '2026-99-01T00:00:00~1'):
        response = client.get('/admin/', query_string={'after': after})
        assert response.status_code == 200 and f'/admin/registrations/{registration.id}"' in response.text


def test_search_routes_each_shape_of_term(client, create_reviewer, zone, create_student, create_registration):
    _login(client, create_reviewer)
    wanted = create_registration(create_student(), zone, status='submitted', name='欧阳娜娜', student_no='2022217555')
    other = create_registration(create_student(), zone, status='submitted', name='张晓雨', student_no='2022217666')
    for term in ('阳娜', '欧阳娜娜', '2022217555', wanted.id_number, wanted.id_number.lower()):
        ids = _flat(_walk(client, f'/admin/?q={term}'))
        assert ids == [wanted.id], term
    assert _flat(_walk(client, '/admin/?q=%25')) == []  # LIKE wildcards are searched as text
    db.session.expire_all()
    assert db.session.get(Registration, other.id).status == 'submitted'
