"""A wechatpy client whose access token lives in Redis, shared by every process, fetched by one at a time.

wechatpy 1.8.18 retries 40001/42001 by recursing without limit and fetches tokens with no timeout from a
hard-coded host; this client uses the stable-token endpoint, a timeout, and at most one refresh per call.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import certifi
import redis
import requests
import urllib3
from urllib3.exceptions import NewConnectionError
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from miniapp_backend.wechat.errors import DeliveryUnknown, TokenRejected, WeChatUnavailable, error_for

TOKEN_ERRORS = {40001, 42001, 40014}


class AppWeChatClient(WeChatClient):
    def __init__(
        self,
        appid: str,
        secret: str,
        redis_client: redis.Redis,
        *,
        base: str,
        timeout: float = 5.0,
        prefix: str = 'miniapp',
    ):
        self.base = base.rstrip('/')
        self._redis = redis_client
        self._lock_key = f'{prefix}:wechat:{appid}:token-lock'
        super().__init__(
            appid,
            secret,
            session=RedisStorage(redis_client, prefix=f'{prefix}:wechat'),
            timeout=timeout,
            auto_retry=False,
        )
        self._http = http_session(self.base)
        self.API_BASE_URL = self.base + '/cgi-bin/'
        self.wxa.API_BASE_URL = self.base + '/'

    @property
    def access_token(self) -> str:
        """The shared token; only one process fetches when it is missing (the others wait for it).

        Without Redis the stable token is fetched directly: WeChat returns the same token while it is valid, so
        this never invalidates the token other processes hold.
        """
        try:
            token = self.session.get(self.access_token_key)
            return token or self._fetch_once()
        except redis.RedisError:
            if not getattr(self, '_local_token', None):
                self._local_token = self._fetch_stable()['access_token']
            return self._local_token

    def _fetch_once(self) -> str:
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + (self.timeout or 5) + 2
        while time.monotonic() < deadline:
            if self._redis.set(self._lock_key, owner, nx=True, px=int(((self.timeout or 5) + 2) * 1000)):
                try:
                    token = self.session.get(self.access_token_key)
                    return token or self.fetch_access_token()['access_token']
                finally:
                    if self._redis.get(self._lock_key) == owner.encode():
                        self._redis.delete(self._lock_key)
            time.sleep(0.05)
            token = self.session.get(self.access_token_key)
            if token:
                return token
        raise WeChatUnavailable(None, 'timed out waiting for another process to fetch the access token')

    def fetch_access_token(self) -> dict:
        """getStableAccessToken: the same token while valid, so processes never invalidate each other's."""
        result = self._fetch_stable()
        # Expire early so no process uses a token in its last minute.
        self.session.set(self.access_token_key, result['access_token'], max(int(result['expires_in']) - 60, 1))
        return result

    def _fetch_stable(self) -> dict:
        body = {'grant_type': 'client_credential', 'appid': self.appid, 'secret': self.secret}
        result = http_json('POST', f'{self.base}/cgi-bin/stable_token', self.timeout, json=body)
        if result.get('errcode'):
            raise error_for(result['errcode'], result.get('errmsg'))
        return result

    def renewed_token(self, rejected: str) -> str:
        """A token to use instead of `rejected`: the one another process stored since, else a new one."""
        try:
            stored = self.session.get(self.access_token_key)
        except redis.RedisError:
            stored = None
        if stored and stored != rejected:
            return stored
        self.forget_token()
        return self.access_token

    def forget_token(self) -> None:
        self._local_token = None
        with contextlib.suppress(redis.RedisError):
            self.session.delete(self.access_token_key)

    def call(self, method: str, path: str, **kwargs) -> dict:
        """One API call; a rejected token is refreshed and the call retried once, never more."""
        for attempt in (1, 2):
            try:
                return self._request(method=method, url_or_endpoint=path, **kwargs)
            except WeChatClientException as exc:
                if exc.errcode in TOKEN_ERRORS and attempt == 1:
                    self.forget_token()
                    continue
                if exc.errcode in TOKEN_ERRORS:
                    raise TokenRejected(exc.errcode, exc.errmsg) from None
                if exc.errcode is None:  # an HTTP error status: the request arrived, its effect is unknown
                    raise DeliveryUnknown(None, 'HTTP error from WeChat') from None
                raise error_for(exc.errcode, exc.errmsg) from None
            except requests.RequestException as exc:
                if never_sent(exc):
                    raise WeChatUnavailable(None, type(exc).__name__) from None
                raise DeliveryUnknown(None, type(exc).__name__) from None
            except (ValueError, TypeError, KeyError) as exc:
                raise WeChatUnavailable(None, f'unexpected answer: {type(exc).__name__}') from None
        raise AssertionError('unreachable')


def never_sent(exc: requests.RequestException) -> bool:
    """True only when no byte of the request can have reached WeChat: the connection itself failed."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], 'reason', None) if exc.args else None
        return isinstance(reason, NewConnectionError)
    return False


_sessions = threading.local()


def http_session(url: str) -> requests.Session:
    """This thread's HTTP session to the host of `url`: its keep-alive connections are reused from call to call.

    A session per call paid a TCP handshake each time and read the proxy variables and ~/.netrc again. The
    environment is read once here instead: proxies for this host (honouring no_proxy) and the CA bundle. Sessions
    are per thread (gunicorn's threads, the drain's senders) and per process (rq forks its work horses).
    """
    parts = urlsplit(url)
    key = (os.getpid(), parts.scheme, parts.netloc)
    cache = getattr(_sessions, 'by_host', None)
    if cache is None:
        cache = _sessions.by_host = {}
    session = cache.get(key)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        session.proxies = requests.utils.get_environ_proxies(url)
        session.verify = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE') or True
        cache[key] = session
    return session


_pools: dict[tuple, urllib3.PoolManager] = {}
_pools_lock = threading.Lock()
#: Keep-alive connections per host and process: one for each web thread (gthread 8) or drain sender.
POOL_SIZE = 16


def http_pool(url: str) -> urllib3.PoolManager:
    """This process's keep-alive connections to the host of `url`, shared by its threads (urllib3's pools are
    thread-safe). The environment is read once: the proxy for this host (honouring no_proxy), the CA bundle."""
    parts = urlsplit(url)
    key = (os.getpid(), parts.scheme, parts.netloc)
    pool = _pools.get(key)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(key)
            if pool is None:
                proxy = None if proxy_bypass(parts.hostname or '') else getproxies().get(parts.scheme)
                options = {
                    'maxsize': POOL_SIZE,
                    'ca_certs': os.environ.get('REQUESTS_CA_BUNDLE')
                    or os.environ.get('CURL_CA_BUNDLE')
                    or certifi.where(),
                }
                pool = _pools[key] = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
    return pool


def http_json(method: str, url: str, timeout: float, *, params: dict | None = None, json: dict | None = None) -> dict:
    """A plain JSON call with every transport failure, error status or unreadable answer turned into
    WeChatUnavailable. urllib3 directly, not requests: a login's call to jscode2session cost about 2,000 Python calls
    through a requests session and a few hundred this way."""
    try:
        response = http_pool(url).request(
            method, url, fields=params, json=json, timeout=urllib3.Timeout(connect=timeout, read=timeout), retries=False
        )
    except urllib3.exceptions.HTTPError as exc:
        raise WeChatUnavailable(None, type(exc).__name__) from None
    return _answer(response)


#: What `retries=False, redirect=False` become inside urllib3 on every call, made once.
NO_RETRIES = urllib3.Retry(False, redirect=False)


class Endpoint(NamedTuple):
    """A WeChat URL called again and again, routed once: through the pool manager every call encoded its query,
    parsed the URL, looked its host's pool up again and built a Timeout and a Retry (a fifth of a login's call)."""

    open: Callable[..., urllib3.BaseHTTPResponse]
    target: str
    timeout: urllib3.Timeout


def endpoint(url: str, timeout: float) -> Endpoint:
    """`url` (with the start of its query, if any) on this process's keep-alive pool for its host."""
    manager = http_pool(url)
    wait = urllib3.Timeout(connect=timeout, read=timeout)
    if isinstance(manager, urllib3.ProxyManager) and not url.startswith('https:'):
        # A plain-HTTP proxy takes the whole URL and the manager's proxy headers.
        return Endpoint(manager.urlopen, url, wait)
    return Endpoint(manager.connection_from_url(url).urlopen, urllib3.util.parse_url(url).request_uri, wait)


def get_json(endpoint: Endpoint, rest: str) -> dict:
    """GET the endpoint's target followed by `rest` (the encoded end of its query); failures as `http_json`'s."""
    try:
        response = endpoint.open('GET', endpoint.target + rest, timeout=endpoint.timeout, retries=NO_RETRIES)
    except urllib3.exceptions.HTTPError as exc:
        raise WeChatUnavailable(None, type(exc).__name__) from None
    return _answer(response)


def _answer(response: urllib3.BaseHTTPResponse) -> dict:
    if response.status >= 400:
        raise WeChatUnavailable(None, f'HTTP {response.status}')
    try:
        return response.json()
    except (urllib3.exceptions.HTTPError, ValueError) as exc:
        raise WeChatUnavailable(None, type(exc).__name__) from None
