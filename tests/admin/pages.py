"""Driving the admin page as a browser would: the CSRF token a page carries, logging in, posting the forms it renders."""

from __future__ import annotations

import re

from tests.hostile.values import Form, FormParser


def csrf_token(client, path: str = '/admin/login') -> str:
    """The CSRF token of the form on `path`."""
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def login(client, username: str, password: str = 'review-pass-1'):
    return client.post(
        '/admin/login', data={'username': username, 'password': password, 'csrf_token': csrf_token(client)}
    )


def page_form(client, path: str, action: str | None = None) -> Form:
    """The POST form on `path` whose action is `action` (the page itself when None), as the page renders it."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    parser = FormParser(path.split('?')[0])
    parser.feed(page.text)
    target = action or path.split('?')[0]
    forms = [form for form in parser.forms if form.method == 'post' and form.action.split('?')[0] == target]
    assert forms, f'no form posting to {target} on {path}: {parser.forms}'
    return forms[0]


def submit(client, form: Form, button: tuple[str, str] | None = None, **values: str):
    """Post `form` as a browser would: its own fields (CSRF token included), some filled in by `values`. A name the
    form does not have, or a button it does not show, is a mistake of the test."""
    unknown = set(values) - form.names
    assert not unknown, f'{form} has no field {sorted(unknown)}'
    data = {**form.fields, **values}
    if button is not None:
        assert button in form.buttons, f'{form} has no button {button}: {form.buttons}'
        data[button[0]] = button[1]
    return client.post(form.action, data=data)


def error_under(page: str, name: str) -> str | None:
    """The error the page shows right after the field `name` (its label closes, then the message), if any."""
    found = re.search(rf'name="{name}".*?</label>\s*(?:<span class="flash error">([^<]*)</span>)?', page, flags=re.S)
    assert found, f'no field {name} on the page'
    return found.group(1)


def notices(page: str) -> list[str]:
    """The error notices flashed at the top of a page."""
    return re.findall(r'<div class="flash error">([^<]*)</div>', page)


def decision_fields(client, registration_id: int) -> dict[str, str]:
    """The record page's decision form as rendered: its CSRF token and the stamp of the record it shows."""
    path = f'/admin/registrations/{registration_id}'
    fields = page_form(client, path, f'{path}/decision').fields
    return {'csrf_token': fields['csrf_token'], 'seen': fields['seen']}


def listed_stamps(client, path: str = '/admin/') -> list[str]:
    """The stamps ('id:stamp') a list page sends with a batch, one for every row it shows."""
    return re.findall(r'name="seen" value="(\d+:\d*)"', client.get(path).text)


def filter_form(client, path: str) -> Form:
    """The filter (GET) form on `path`, as the page renders it: its fields with the values it shows."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    parser = FormParser(path.split('?')[0])
    parser.feed(page.text)
    forms = [form for form in parser.forms if form.method == 'get']
    assert forms, f'no filter form on {path}'
    return forms[0]


def search(client, path: str, **values: str):
    """Send the filter form of `path` as a browser would: its fields as shown, some set by `values`."""
    form = filter_form(client, path)
    unknown = set(values) - form.names
    assert not unknown, f'{form} has no field {sorted(unknown)}'
    return client.get(form.action, query_string={**form.fields, **values})


def list_head(page: str) -> str:
    """The line above a list (how many rows match, which filters are on) as text."""
    found = re.search(r'<p class="list-head" id="list-head">(.*?)</p>', page, flags=re.S)
    assert found, 'no count line above the list'
    return re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', '', found.group(1))).strip()


def clear_link(page: str) -> str | None:
    """Where the line's 清除筛选 leads, if it offers it."""
    found = re.search(r'<a href="([^"]+)">清除筛选</a>', page)
    return found.group(1) if found else None
