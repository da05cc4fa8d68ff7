"""WeChat server API: login, phone numbers and subscription messages (DESIGN §7.2)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from flask import current_app

from miniapp_backend.wechat.client import AppWeChatClient, http_json
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

__all__ = [
    'AppWeChatClient',
    'BadMessage',
    'DeliveryUnknown',
    'InvalidCode',
    'NoQuota',
    'RateLimited',
    'TokenRejected',
    'WeChatError',
    'WeChatUnavailable',
    'WxSession',
    'code_to_session',
    'get_client',
    'get_phone_number',
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
    params = {
        'appid': config['WECHAT_APPID'],
        'secret': config['WECHAT_SECRET'],
        'js_code': code,
        'grant_type': 'authorization_code',
    }
    result = http_json(
        'GET', config['WECHAT_API_BASE'].rstrip('/') + '/sns/jscode2session', config['WECHAT_TIMEOUT'], params=params
    )
    if result.get('errcode'):
        raise error_for(result['errcode'], result.get('errmsg'))
    return WxSession(result['openid'], result['session_key'], result.get('unionid'))


def get_phone_number(code: str) -> str:
    """The code-based phone API: the code goes in the JSON body."""
    client = get_client()
    result = client.call('post', 'wxa/business/getuserphonenumber', data={'code': code}, api_base_url=client.base + '/')
    return result['phone_info']['purePhoneNumber']


def send_subscribe_message(
    openid: str, template_id: str, data: dict[str, str], page: str | None, state: str | None = None, before_send=None
) -> None:
    """Post message/subscribe/send ourselves: wechatpy's helper cannot set miniprogram_state or lang.

    `data` is sent as given: the outbox fitted it to WeChat's value rules when it wrote the row.

    `before_send()` runs once the access token is in hand, just before the request leaves: after it, a failure
    may mean the message arrived.
    """
    body = {
        'touser': openid,
        'template_id': template_id,
        'lang': 'zh_CN',
        'miniprogram_state': state or current_app.config['WECHAT_MINIPROGRAM_STATE'],
        'data': {key: {'value': value} for key, value in data.items()},
    }
    if page:
        body['page'] = page
    client = get_client()
    client.access_token  # noqa: B018  (fetched now, so a token failure is known to have sent nothing)
    if before_send is not None:
        before_send()
    client.call('post', 'message/subscribe/send', data=body)
