"""A fake WeChat server API: tokens, jscode2session, phone numbers and subscription messages."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sys
from urllib.parse import parse_qs

from flask import jsonify, request

from tests.fakes.base import FakeServer, serve_main

_LIMITS = {
    'thing': 20,
    'character_string': 32,
    'number': 32,
    'letter': 32,
    'symbol': 5,
    'phone_number': 17,
    'car_number': 8,
    'name': 10,
}


class FakeWeChat(FakeServer):
    name = 'fake-wechat'
    secret = 'wx-test-secret'
    #: Standalone (make run) accepts any login code, as DevTools sends real ones; tests accept only 'code-…'.
    any_code = False

    def reset(self) -> None:
        super().reset()
        with self._lock:
            self._tokens: set[str] = set()
            self._stable: str | None = None
            self._serial = 0
            self._used_codes: set[str] = set()
            self.messages: list[dict] = []
            #: Face verification sessions by verify_id, and out_seq_no values already used (unique per appid).
            self.face_sessions: dict[str, dict] = {}
            self._out_seq_nos: set[str] = set()
            #: The verify_ret the next queryverifyinfo answers (10000 = passed), set by tests; a session the fake
            #: `wx.requestFacialVerify` captured answers what that capture recorded.
            self.verify_rets: list[int] = []

    def __init__(self):
        super().__init__()
        self.reset()
        self.app.wsgi_app = self._lean_login(self.app.wsgi_app)

    def _code_to_session(self, args: dict) -> dict:
        """jscode2session as WeChat answers it: the app's credentials, a code WeChat issued, each code once."""
        code = args.get('js_code', '')
        if args.get('secret') != self.secret:
            return {'errcode': 40125, 'errmsg': 'invalid appsecret'}
        if not args.get('appid'):
            return {'errcode': 40013, 'errmsg': 'invalid appid'}
        if not (self.any_code or code.startswith('code-')):
            return {'errcode': 40029, 'errmsg': 'invalid code'}
        with self._lock:
            if code in self._used_codes:
                return {'errcode': 40163, 'errmsg': 'code been used'}
            self._used_codes.add(code)
        session_key = base64.b64encode(hashlib.md5(code.encode()).digest()).decode()
        # 'code-~alice~3': one of several codes of the same user (openid-alice), as wx.login gives each time.
        user = code.split('~')[1] if code.count('~') >= 2 else code[5:]
        return {'openid': f'openid-{user}', 'session_key': session_key}

    def _lean_login(self, flask_app):
        """jscode2session answered without Flask when no fault is scripted for it: the bench's logins measure our
        side, and a Flask request here cost more than the app's hello endpoint. Recorded, checked and answered as
        the Flask route does (the route still answers when a test scripts a fault)."""

        def app(environ, start_response):
            if environ.get('PATH_INFO') != '/sns/jscode2session' or environ.get('REQUEST_METHOD') != 'GET':
                return flask_app(environ, start_response)
            query = {key: values[0] for key, values in parse_qs(environ.get('QUERY_STRING', '')).items()}
            with self._lock:
                scripted = bool(self._scripts.get('/sns/jscode2session'))
                if not scripted:
                    self.requests.append(
                        {
                            'method': 'GET',
                            'path': '/sns/jscode2session',
                            'query': query,
                            'json': None,
                            'headers': {
                                key[5:].replace('_', '-').title(): value
                                for key, value in environ.items()
                                if key.startswith('HTTP_')
                            },
                        }
                    )
            if scripted:  # the Flask route answers it (its before-request hook takes the lock: not held here)
                return flask_app(environ, start_response)
            body = json.dumps(self._code_to_session(query)).encode()
            start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
            return [body]

        return app

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._stable = None

    def _issue(self) -> str:
        self._serial += 1
        token = f'tok-{self._serial}'
        self._tokens.add(token)
        return token

    def routes(self) -> None:
        app = self.app

        @app.get('/cgi-bin/token')
        def token():
            if request.args.get('secret') != self.secret:
                return jsonify(errcode=40001, errmsg='invalid credential')
            with self._lock:
                return jsonify(access_token=self._issue(), expires_in=7200)

        @app.post('/cgi-bin/stable_token')
        def stable_token():
            body = request.get_json(silent=True, force=True) or {}
            if body.get('secret') != self.secret:
                return jsonify(errcode=40125, errmsg='invalid appsecret')
            with self._lock:
                if body.get('force_refresh') or self._stable not in self._tokens:
                    self._stable = self._issue()
                return jsonify(access_token=self._stable, expires_in=7200)

        @app.get('/sns/jscode2session')
        def jscode2session():
            return jsonify(self._code_to_session(request.args.to_dict()))

        @app.post('/wxa/business/getuserphonenumber')
        def phone():
            if not self._token_ok():
                return jsonify(errcode=40001, errmsg='invalid credential, access_token is invalid or not latest')
            code = (request.get_json(silent=True, force=True) or {}).get('code', '')
            if not re.fullmatch(r'phone-\d{11}', code):
                return jsonify(errcode=40029, errmsg='invalid code')
            number = code[6:]
            return jsonify(
                errcode=0,
                errmsg='ok',
                phone_info={'phoneNumber': number, 'purePhoneNumber': number, 'countryCode': '86'},
            )

        @app.post('/cgi-bin/message/subscribe/send')
        def send():
            body = request.get_json(silent=True, force=True) or {}
            answer = self.subscribe_send(request.args.get('access_token', ''), body)
            if not answer['errcode']:
                print(json.dumps({'subscribe_message': body}, ensure_ascii=False), flush=True)
            return jsonify(answer)

        @app.post('/cityservice/face/identify/getverifyid')
        def get_verify_id():
            if not self._token_ok():
                return jsonify(errcode=40001, errmsg='invalid credential, access_token is invalid or not latest')
            body = request.get_json(silent=True, force=True) or {}
            cert = body.get('cert_info') or {}
            seq = str(body.get('out_seq_no', ''))
            if (
                not re.fullmatch(r'[0-9A-Za-z_-]{5,32}', seq)
                or not body.get('openid')
                or cert.get('cert_type') != 'IDENTITY_CARD'
                or not cert.get('cert_name')
                or not cert.get('cert_no')
            ):
                return jsonify(errcode=40097, errmsg='invalid args')
            with self._lock:
                if seq in self._out_seq_nos:
                    return jsonify(errcode=40097, errmsg='out_seq_no repeated')
                self._out_seq_nos.add(seq)
                self._serial += 1
                verify_id = f'verify-{self._serial}'
                self.face_sessions[verify_id] = {
                    'out_seq_no': seq,
                    'openid': body['openid'],
                    'cert_info': cert,
                    'cert_hash': face_cert_hash(cert),
                }
            return jsonify(errcode=0, errmsg='ok', verify_id=verify_id, expires_in=3600)

        @app.post('/cityservice/face/identify/queryverifyinfo')
        def query_verify_info():
            if not self._token_ok():
                return jsonify(errcode=40001, errmsg='invalid credential, access_token is invalid or not latest')
            body = request.get_json(silent=True, force=True) or {}
            with self._lock:
                session = self.face_sessions.get(str(body.get('verify_id', '')))
                # WeChat answers an error code, not a verify_ret, when the session's data do not match.
                if session is None or any(
                    body.get(key) != session[key] for key in ('out_seq_no', 'openid', 'cert_hash')
                ):
                    return jsonify(errcode=40097, errmsg='invalid args: verify_id, out_seq_no, openid or cert_hash')
                if 'verify_ret' in session:
                    verify_ret = session['verify_ret']
                else:
                    verify_ret = self.verify_rets.pop(0) if self.verify_rets else 10000
            return jsonify(errcode=0, errmsg='ok', verify_ret=verify_ret)

        @app.post('/_face/<verify_id>')
        def capture(verify_id):
            """What WeChat's client does in wx.requestFacialVerify: the user of `openid` (the one the session was
            made for, or the capture fails) finishes, cancels or fails the capture; queryverifyinfo then tells.
            A session is captured once."""
            body = request.get_json(silent=True, force=True) or {}
            with self._lock:
                session = self.face_sessions.get(verify_id)
                if session is None or session['openid'] != body.get('openid') or 'verify_ret' in session:
                    return jsonify(errcode=84001, errmsg='invalid verify_id'), 400
                session['verify_ret'] = int(body.get('verify_ret', 10000))
            return jsonify(errcode=0, errmsg='ok')

        @app.get('/_messages')
        def messages():
            return jsonify(messages=self.messages)

    def subscribe_send(self, token: str, body) -> dict:
        """message/subscribe/send's rules: a valid access token (42001 for one of ours that expired, else 40001),
        touser, template_id and data values within their limits (47003); a message accepted is recorded."""
        with self._lock:
            valid = token in self._tokens
        if not valid:
            return {
                'errcode': 42001 if token.startswith('tok-') else 40001,
                'errmsg': 'access_token expired or invalid',
            }
        problem = _check_message(body) if isinstance(body, dict) else 'the body is not a JSON object'
        if problem:
            return {'errcode': 47003, 'errmsg': f'argument invalid! {problem}'}
        with self._lock:
            self.messages.append(body)
            return {'errcode': 0, 'errmsg': 'ok', 'msgid': len(self.messages)}

    def _token_ok(self) -> bool:
        with self._lock:
            return request.args.get('access_token') in self._tokens


def face_cert_hash(cert: dict) -> str:
    """Lowercase hex SHA-256 of cert_type=<b64>&cert_name=<b64>&cert_no=<b64> (UTF-8, standard base64)."""
    parts = [
        f'{key}={base64.b64encode(str(cert.get(key, "")).encode()).decode()}'
        for key in ('cert_type', 'cert_name', 'cert_no')
    ]
    return hashlib.sha256('&'.join(parts).encode()).hexdigest()


def _check_message(body: dict) -> str | None:
    if not body.get('touser') or not body.get('template_id') or not isinstance(body.get('data'), dict):
        return 'touser, template_id and data are required'
    for key, item in body['data'].items():
        value = item.get('value') if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            return f'data.{key}.value is empty'
        kind = key.rstrip('0123456789')
        if kind == 'phrase' and not re.fullmatch(r'[\u4e00-\u9fff]{1,5}', value):
            return f'data.{key}.value invalid'
        if kind in _LIMITS and len(value) > _LIMITS[kind]:
            return f'data.{key}.value exceeds limit'
    return None


if __name__ == '__main__':
    # Standalone (make run, make bench): the credentials the app reads from the same environment.
    FakeWeChat.secret = os.environ.get('WECHAT_SECRET') or 'wx-dev-secret'
    FakeWeChat.any_code = True  # WeChat DevTools' wx.login codes are real ones
    sys.exit(serve_main(FakeWeChat))
