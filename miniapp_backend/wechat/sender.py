"""Subscription messages over urllib3: the drain's hot path, on the process's keep-alive pool (`client.endpoint`).

A `requests` post cost about four times the client CPU of the same post through urllib3 (merging settings,
hooks, cookies and headers the call never uses), and the access token was read from Redis twice per message.
A sender reads the token once and keeps it for every message it sends; WeChat refusing it (40001/42001/40014)
makes it take the one another process stored since, or fetch a new one, and retry that call once.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from urllib3.exceptions import ConnectTimeoutError, HTTPError

from miniapp_backend.wechat.client import NO_RETRIES, TOKEN_ERRORS, AppWeChatClient, endpoint
from miniapp_backend.wechat.errors import DeliveryUnknown, TokenRejected, WeChatUnavailable, error_for

_JSON = {'Content-Type': 'application/json; charset=utf-8'}


class MessageSender:
    """Sends subscription messages for one client, holding its access token between messages."""

    def __init__(self, client: AppWeChatClient, state: str):
        self._client = client
        self._state = state
        # Routed once (client.endpoint): the host's own pool, or a plain-HTTP proxy given the whole URL.
        self._open, self._target, self._timeout = endpoint(
            client.base.rstrip('/') + '/cgi-bin/message/subscribe/send', client.timeout or 5.0
        )
        self._token: str | None = None

    def send(self, openid: str, template_id: str, data: dict[str, str], page: str | None, before_send=None) -> None:
        """Post one message; raises the sorted WeChat errors (errors.py).

        The token is in hand before `before_send()` runs, so a token failure is known to have sent nothing.
        """
        if self._token is None:
            self._token = self._client.access_token
        body = {
            'touser': openid,
            'template_id': template_id,
            'lang': 'zh_CN',
            'miniprogram_state': self._state,
            'data': {key: {'value': value} for key, value in data.items()},
        }
        if page:
            body['page'] = page
        payload = json.dumps(body, ensure_ascii=False, separators=(',', ':')).encode()
        if before_send is not None:
            before_send()
        for attempt in (1, 2):
            result = self._post(payload)
            errcode = result.get('errcode')
            if not errcode:
                return
            if int(errcode) in TOKEN_ERRORS and attempt == 1:
                # WeChat answered: nothing was sent. A new token may still fail to come (WeChatUnavailable).
                self._token = self._client.renewed_token(self._token)
                continue
            if int(errcode) in TOKEN_ERRORS:
                raise TokenRejected(int(errcode), result.get('errmsg'))
            raise error_for(int(errcode), result.get('errmsg'))

    def _post(self, payload: bytes) -> dict:
        try:
            response = self._open(
                'POST',
                f'{self._target}?access_token={quote(self._token, safe="")}',
                body=payload,
                headers=_JSON,
                timeout=self._timeout,
                retries=NO_RETRIES,
                redirect=False,
                assert_same_host=False,
            )
        except ConnectTimeoutError as exc:  # refused or never made (NewConnectionError is one): nothing left
            raise WeChatUnavailable(None, type(exc).__name__) from None
        except HTTPError as exc:  # a read timeout or a reset once the request may have left
            raise DeliveryUnknown(None, type(exc).__name__) from None
        if response.status >= 400:  # the request arrived; its effect is unknown
            raise DeliveryUnknown(None, f'HTTP {response.status} from WeChat')
        try:
            result = json.loads(response.data)
        except ValueError:
            result = None
        errcode = result.get('errcode') if isinstance(result, dict) else None
        if not isinstance(result, dict) or not (errcode is None or type(errcode) is int):
            # Arrived, answered something else (an errcode of "0", 3.5 or NaN included): it may have been sent.
            raise DeliveryUnknown(None, 'unexpected answer')
        return result
