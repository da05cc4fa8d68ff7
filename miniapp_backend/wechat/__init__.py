"""WeChat server API: login, phone numbers and subscription messages (DESIGN §7.2)."""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import current_app

from miniapp_backend.wechat.client import AppWeChatClient, Endpoint, endpoint, get_json
from miniapp_backend.wechat.errors import (
    BadMessage,
    DeliveryUnknown,
    InvalidCode,
    NoQuota,
    RateLimited,
    TokenRejected,
    WeChatError,
    WeChatUnavailable,
    error_for,
)
from miniapp_backend.wechat.sender import MessageSender

__all__ = [
    'AppWeChatClient',
    'BadMessage',
    'DeliveryUnknown',
    'InvalidCode',
    'MessageSender',
    'NoQuota',
    'RateLimited',
    'TokenRejected',
    'WeChatError',
    'WeChatUnavailable',
    'WxSession',
    'code_to_session',
    'get_client',
    'get_phone_number',
    'message_sender',
    'send_subscribe_message',
]


@dataclass(frozen=True)
class WxSession:
    openid: str
    session_key: str
    unionid: str | None


_clients = threading.local()


def get_client() -> AppWeChatClient:
    """This thread's client for the app's settings, built once: building one sets up every wechatpy API object
    (a walk over the class) and an HTTP session, which per message was most of a delivery's own CPU time."""
    config = current_app.config
    redis_client = current_app.extensions['redis']
    key = (
        os.getpid(),
        config['WECHAT_APPID'],
        config['WECHAT_SECRET'],
        config['WECHAT_API_BASE'],
        config['WECHAT_TIMEOUT'],
        config['REDIS_KEY_PREFIX'],
        id(redis_client),
    )
    cache = getattr(_clients, 'by_key', None)
    if cache is None:
        cache = _clients.by_key = {}
    client = cache.get(key)
    if client is None or client._redis is not redis_client:
        client = cache[key] = AppWeChatClient(
            config['WECHAT_APPID'],
            config['WECHAT_SECRET'],
            redis_client,
            base=config['WECHAT_API_BASE'],
            timeout=config['WECHAT_TIMEOUT'],
            prefix=config['REDIS_KEY_PREFIX'],
        )
    return client


def code_to_session(code: str) -> WxSession:
    """jscode2session needs no access token (wechatpy's helper would fetch one it does not need)."""
    config = current_app.config
    call = _jscode2session(
        os.getpid(),
        config['WECHAT_API_BASE'],
        config['WECHAT_APPID'],
        config['WECHAT_SECRET'],
        config['WECHAT_TIMEOUT'],
    )
    result = get_json(call, quote(code, safe=''))
    if result.get('errcode'):
        raise error_for(result['errcode'], result.get('errmsg'))
    return WxSession(result['openid'], result['session_key'], result.get('unionid'))


@functools.lru_cache(maxsize=8)  # per process (its pools) and settings; the code, last in the query, is all that varies
def _jscode2session(pid: int, base: str, appid: str, secret: str, timeout: float) -> Endpoint:
    query = urlencode({'appid': appid, 'secret': secret, 'grant_type': 'authorization_code'})
    return endpoint(f'{base.rstrip("/")}/sns/jscode2session?{query}&js_code=', timeout)


def get_phone_number(code: str) -> str:
    """The code-based phone API: the code goes in the JSON body."""
    client = get_client()
    result = client.call('post', 'wxa/business/getuserphonenumber', data={'code': code}, api_base_url=client.base + '/')
    return result['phone_info']['purePhoneNumber']


def message_sender() -> MessageSender:
    """A sender of subscription messages for this thread's client: it reads the access token once, for all the
    messages it sends (a drain makes one per sender and batch; rq forks per job, so nothing outlives the job)."""
    return MessageSender(get_client(), current_app.config['WECHAT_MINIPROGRAM_STATE'])


def send_subscribe_message(
    openid: str, template_id: str, data: dict[str, str], page: str | None, before_send=None
) -> None:
    """Post message/subscribe/send ourselves: wechatpy's helper cannot set miniprogram_state or lang.

    `data` is sent as given: the outbox fitted it to WeChat's value rules when it wrote the row.

    `before_send()` runs once the access token is in hand, just before the request leaves: after it, a failure
    may mean the message arrived.
    """
    message_sender().send(openid, template_id, data, page, before_send=before_send)
