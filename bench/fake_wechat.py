"""The fake WeChat server as a WSGI app for gunicorn (threads share its state: issued tokens, used codes), so
the bench measures our calls to it rather than a single-threaded development server."""

from __future__ import annotations

import os

from tests.fakes.wechat import FakeWeChat

FakeWeChat.secret = os.environ.get('WECHAT_SECRET') or 'wx-dev-secret'
app = FakeWeChat().app
