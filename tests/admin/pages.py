"""Driving the admin page as a browser would: the CSRF token a page carries, and logging in."""

from __future__ import annotations

import re


def csrf_token(client, path: str = '/admin/login') -> str:
    """The CSRF token of the form on `path`."""
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def login(client, username: str, password: str = 'review-pass-1'):
    return client.post(
        '/admin/login', data={'username': username, 'password': password, 'csrf_token': csrf_token(client)}
    )
