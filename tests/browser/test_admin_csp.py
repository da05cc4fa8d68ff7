"""The admin page under its Content-Security-Policy in Chromium: its stylesheet applies, no inline style is allowed,
and no page breaks a rule of the policy."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_every_admin_page_works_under_the_csp(page, create_reviewer, zone, student, create_registration):
    create_reviewer('admin', role='zone_admin')
    record = create_registration(student, zone, status='submitted')
    violations: list[str] = []
    page.on(
        'console',
        lambda message: violations.append(message.text) if 'Content Security Policy' in message.text else None,
    )
    page.on('pageerror', lambda error: violations.append(str(error)))
    page.goto('/admin/login')
    page.fill('input[name=username]', 'admin')
    page.fill('input[name=password]', 'review-pass-1')
    page.click('button:has-text("登录")')
    page.wait_for_url('**/admin/')
    links = {
        href
        for href in page.eval_on_selector_all('a[href^="/admin"]', 'els => els.map(e => e.getAttribute("href"))')
        if not re.search(r'xlsx|logout', href)
    }
    visited = 0
    for path in sorted(links | {f'/admin/registrations/{record.id}'}):
        response = page.goto(path)
        assert response.status < 500, path
        assert "frame-ancestors 'none'" in response.headers['content-security-policy']
        visited += 1
    assert visited >= 4
    # the stylesheet loaded ('self') and carries what the pages once set in style attributes
    assert page.evaluate('document.styleSheets.length') >= 1
    page.goto(f'/admin/registrations/{record.id}')
    assert page.evaluate("getComputedStyle(document.querySelector('header form')).display") == 'inline'
    assert violations == []
    # and an inline style is refused: the policy allows none
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p id=probe style=\"color: rgb(1, 2, 3)\">x</p>')")
    assert page.evaluate("getComputedStyle(document.getElementById('probe')).color") != 'rgb(1, 2, 3)'
    assert any('style' in violation for violation in violations)


def test_the_login_card_keeps_its_width_from_the_stylesheet(page):
    missing: list[str] = []
    page.on('response', lambda answer: missing.append(answer.url) if answer.status >= 400 else None)
    response = page.goto('/admin/login')
    icon = page.get_attribute('link[rel=icon]', 'href')
    assert page.request.get(icon).status == 200
    assert missing == []
    assert "style-src 'self';" in response.headers['content-security-policy']
    assert 'unsafe-inline' not in response.headers['content-security-policy']
    assert page.evaluate("getComputedStyle(document.querySelector('.card')).maxWidth") == '360px'
    assert page.evaluate("getComputedStyle(document.querySelector('.card')).marginTop") != '0px'
