"""The fake WeChat server as a WSGI app for gunicorn (threads share its state: issued tokens, used codes), so
the bench measures our calls to it rather than a single-threaded development server.

message/subscribe/send, which the drain bench posts thousands of times, is answered straight from WSGI by the
same rules as the tests' fake (`FakeWeChat.subscribe_send`: token, touser, template data limits, errcodes),
without a Flask request or the request log the tests read; it was about half of the fake's CPU per message.
Every other path goes through the fake's Flask app.

`BENCH_WECHAT_SEND_MS` makes each send take that long before it is answered, as WeChat's own do over the
internet (the drain's senders exist to overlap that wait); unset, the fake answers at once.
"""

from __future__ import annotations

import json
import os
import time
from urllib.parse import parse_qs

from tests.fakes.wechat import FakeWeChat

fake = FakeWeChat()
fake.secret = os.environ.get('WECHAT_SECRET') or 'wx-dev-secret'
SEND = '/cgi-bin/message/subscribe/send'
SEND_SECONDS = float(os.environ.get('BENCH_WECHAT_SEND_MS') or 0) / 1000


def app(environ, start_response):
    if environ.get('PATH_INFO') != SEND or environ.get('REQUEST_METHOD') != 'POST':
        return fake.app(environ, start_response)
    token = parse_qs(environ.get('QUERY_STRING', '')).get('access_token', [''])[0]
    try:
        body = json.loads(environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0)))
    except ValueError:
        body = None
    answer = json.dumps(fake.subscribe_send(token, body)).encode()
    if SEND_SECONDS:
        time.sleep(SEND_SECONDS)
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(answer)))])
    return [answer]
