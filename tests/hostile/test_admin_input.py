"""Every form of the admin page (found by crawling it as a zone admin), posted with CSRF and hostile values."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from miniapp_backend.extensions import db
from tests.hostile.conftest import send
from tests.hostile.values import BAD_DATES, BAD_NUMBERS, FormParser, row_counts

SKIP_ACTIONS = ('/admin/logout',)


def _text_values(base: str):
    return st.one_of(
        st.builds(lambda a, b: a + '\x00' + b, st.text(max_size=4), st.text(max_size=4)),
        st.builds(lambda a: a + '\ud800', st.text(max_size=4)),
        st.sampled_from(
            [
                base + '\n',
                base + '\r\n',
                base + '\x0b',
                base + '\x00',
                base + ' ' * 300,
                'x' * 70_000,
                '',
                '\ud83d',
                base + '\udc00',
            ]
        ),
        st.sampled_from(BAD_NUMBERS + BAD_DATES + [str(2**31), str(2**63), '9' * 30, '-5', '0', '²', '１']),
        st.sampled_from(['{"approved": {"template_id": "\\u0000"}}', '[' * 5000, '{"a": 1e999}', 'NaN']),
    )


def _encode(fields: list[tuple[str, str]]) -> bytes:
    """A browser's urlencoded body; lone surrogates go out as the (invalid) UTF-8 bytes a script can send."""
    return '&'.join(f'{quote(k)}={quote(v.encode("utf-8", "surrogatepass"))}' for k, v in fields).encode()


@pytest.fixture
def crawled(app, client, create_reviewer, create_zone, student, create_registration):
    from tests.admin.test_admin import login

    zone = create_zone()
    create_reviewer('admin', role='zone_admin')
    for status in ('submitted', 'approved', 'paid'):
        create_registration(student, zone, status=status, amount_due_fen=40000)
    assert login(client, 'admin').status_code == 302
    seen, queue, forms = set(), ['/admin/'], {}
    while queue:
        path = queue.pop()
        if path in seen or 'format=xlsx' in path or path.endswith(('.xlsx', '.png', '.jpg', '.pdf')) or len(seen) > 60:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or 'html' not in response.content_type:
            continue
        parser = FormParser(path.split('?')[0])
        parser.feed(response.text)
        queue.extend(sorted(parser.links - seen))
        for form in parser.forms:
            if form.action not in SKIP_ACTIONS:
                forms[(form.method, form.action, tuple(sorted(form.fields)))] = form
    posts = [form for form in forms.values() if form.method == 'post']
    gets = [form for form in forms.values() if form.method == 'get']
    assert len(posts) >= 5 and len(gets) >= 2, forms
    return client, posts, gets


def _csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get('/admin/').text).group(1)


def test_every_admin_post_form_refuses_hostile_values(crawled, outcome):
    client, posts, _ = crawled
    token = _csrf(client)
    cases = [(form, name) for form in posts for name in form.fields if name != 'csrf_token']
    assert len(cases) >= 10

    @given(case=st.sampled_from(cases), data=st.data())
    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case, data):
        form, name = case
        fields = [(k, v) for k, v in form.fields.items() if k not in (name, 'csrf_token')]
        fields += [('csrf_token', token), (name, data.draw(_text_values(form.fields[name])))]
        if form.buttons:
            fields.append(data.draw(st.sampled_from(form.buttons)))
        if form.enctype == 'multipart/form-data':
            payload = {k: v.encode('utf-8', 'surrogatepass').decode('utf-8', 'replace') for k, v in fields}
            payload['file'] = (io.BytesIO(b'PK\x03\x04 not really'), 'x.xlsx')
            send(
                client,
                db,
                outcome,
                name,
                'post',
                form.action,
                row_counts,
                data=payload,
                content_type='multipart/form-data',
            )
        else:
            send(
                client,
                db,
                outcome,
                name,
                'post',
                form.action,
                row_counts,
                data=_encode(fields),
                content_type='application/x-www-form-urlencoded',
            )

    run()
    outcome.check()


def test_every_admin_filter_and_page_number_refuses_hostile_values(crawled, outcome):
    client, _, gets = crawled
    values = ['%00', '%ED%A0%80', str(2**31), str(2**63), '9' * 40, '-1', '0', '%C2%B2', '%EF%BC%91', 'x' * 5000]
    for form in gets:
        for name in list(form.fields) + ['page', 'format']:  # (`format=xlsx` is each list's export)
            for value in values:
                query = '&'.join(f'{k}={v}' for k, v in form.fields.items() if k != name) + f'&{name}={value}'
                send(client, db, outcome, name, 'get', f'{form.action}?{query}', row_counts)
    for path in ('/admin/registrations/{}', '/admin/imports/{}', '/admin/registrations/{}/photo'):
        for value in (2**31, 2**63, 10**30):
            send(client, db, outcome, 'id', 'get', path.format(value), row_counts)
    outcome.check()
