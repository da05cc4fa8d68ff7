"""WeChat failures, sorted by what the caller should do about them."""

from __future__ import annotations


class WeChatError(Exception):
    def __init__(self, errcode: int | None, errmsg: str | None = None):
        super().__init__(f'WeChat error {errcode}: {errmsg}')
        self.errcode = errcode
        self.errmsg = errmsg or ''


class InvalidCode(WeChatError):
    """A login or phone code that is wrong, used or blocked (40029, 40163, 40226)."""


class RateLimited(WeChatError):
    """Too many calls (45009, 45011): back off."""


class NoQuota(WeChatError):
    """The student has no subscription left for this template (43101)."""


class TokenRejected(WeChatError):
    """The access token was still refused after one refresh."""


class BadMessage(WeChatError):
    """The message or its template is wrong (47003, 40037, 41030, 40003): retrying will not help."""


class WeChatUnavailable(WeChatError):
    """WeChat could not be reached or said it is busy (-1): the request certainly did nothing, so it may be retried."""


class DeliveryUnknown(WeChatUnavailable):
    """The request left but no answer came (read timeout, reset, 5xx): it may have taken effect. Never resend."""


_BY_CODE = {
    40029: InvalidCode,
    40163: InvalidCode,
    40226: InvalidCode,
    45009: RateLimited,
    45011: RateLimited,
    43101: NoQuota,
    47003: BadMessage,
    40037: BadMessage,
    41030: BadMessage,
    40003: BadMessage,
    -1: WeChatUnavailable,
    40001: TokenRejected,
    42001: TokenRejected,
    40014: TokenRejected,
}


def error_for(errcode: int, errmsg: str | None) -> WeChatError:
    return _BY_CODE.get(errcode, WeChatError)(errcode, errmsg)
