"""OpenAPI helpers: document the error answers each operation can give."""

from __future__ import annotations

from schemas.common import ErrorSchema

DESCRIPTIONS = {
    400: '请求格式不正确',
    401: '未登录或登录失效',
    403: '需先核验本人身份',
    404: '记录不存在',
    409: '当前状态不允许',
    410: '链接已过期',
    413: '上传内容过大',
    422: '字段校验失败',
    429: '操作太频繁',
    503: '微信服务暂不可用',
}


def errors(blp, *codes: int):
    """Decorator documenting error statuses with the shared error body."""

    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, schema=ErrorSchema, description=DESCRIPTIONS[code])(view)
        return view

    return decorate


BEARER = [{'bearer': []}]
