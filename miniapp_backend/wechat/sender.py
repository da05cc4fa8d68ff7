"""Subscription messages over urllib3: the drain's hot path, one keep-alive connection per sending thread.

A `requests` post cost about four times the client CPU of the same post through urllib3 (merging settings,
hooks, cookies and headers the call never uses), and the access token was read from Redis twice per message.
A sender reads the token once and keeps it for every message it sends; WeChat refusing it (40001/42001/40014)
makes it take the one another process stored since, or fetch a new one, and retry that call once.
"""

from __future__ import annotations

import json
import os
import threading
from urllib.parse import quote, urlsplit

import certifi
import urllib3
from requests.utils import get_environ_proxies
from urllib3.exceptions import ConnectTimeoutError, HTTPError

from miniapp_backend.wechat.client import TOKEN_ERRORS, AppWeChatClient
from miniapp_backend.wechat.errors import DeliveryUnknown, TokenRejected, WeChatUnavailable, error_for

_JSON = {'Content-Type': 'application/json; charset=utf-8'}


class MessageSender:
    """Sends subscription messages for one client, holding its access token between messages."""

    def __init__(self, client: AppWeChatClient, state: str):
        self._client = client
        self._state = state
        self._pool, self._path = _pool(client.base, client.timeout or 5.0)
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
            response = self._pool.urlopen(
                'POST',
                f'{self._path}?access_token={quote(self._token, safe="")}',
                body=payload,
                headers=_JSON,
                retries=False,
                redirect=False,
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
        if not isinstance(result, dict):  # arrived, answered something else: it may have been sent
            raise DeliveryUnknown(None, 'unexpected answer')
        return result


_pools = threading.local()


def _pool(base: str, timeout: float) -> tuple[urllib3.HTTPConnectionPool, str]:
    """This thread's connection pool to WeChat's host (one keep-alive connection), and the path prefix of `base`.

    Proxies and the CA bundle come from the environment as `requests` would take them, read once."""
    parts = urlsplit(base)
    key = (os.getpid(), base, timeout)
    cache = getattr(_pools, 'by_key', None)
    if cache is None:
        cache = _pools.by_key = {}
    if key not in cache:
        options = {
            'num_pools': 1,
            'maxsize': 1,
            'timeout': urllib3.Timeout(connect=timeout, read=timeout),
            'ca_certs': os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or certifi.where(),
        }
        proxy = get_environ_proxies(base).get(parts.scheme)
        manager = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        path = parts.path.rstrip('/') + '/cgi-bin/message/subscribe/send'
        if proxy and parts.scheme == 'http':  # a plain-HTTP proxy takes the whole URL
            path = f'{parts.scheme}://{parts.netloc}{path}'
        cache[key] = (manager.connection_from_url(base), path)
    return cache[key]
