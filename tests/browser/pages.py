"""Driving the admin page in the browser: signing in through the login form."""

from __future__ import annotations


def sign_in(page, username: str, password: str = 'review-pass-1') -> None:
    page.goto('/admin/login')
    page.fill('input[name=username]', username)
    page.fill('input[name=password]', password)
    page.click('button:has-text("登录")')
    page.wait_for_url('**/admin/')
