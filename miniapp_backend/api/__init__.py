"""The mini-program API (/api/v1), flask-smorest with marshmallow schemas; OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from miniapp_backend.enrolment.errors import EnrolmentError
from schemas.common import ErrorSchema

#: Chinese messages for HTTP errors raised outside our own rules (routing, size limits, parsing).
HTTP_MESSAGES = {
    400: ('bad_request', '请求格式不正确'),
    401: ('unauthorized', '请先登录'),
    403: ('forbidden', '无权访问'),
    404: ('not_found', '记录不存在'),
    405: ('method_not_allowed', '不支持该请求方法'),
    413: ('too_large', '上传内容过大'),
    415: ('unsupported_media_type', '请求内容类型不正确'),
    422: ('validation_error', '填写内容有误，请检查标注的字段'),
    429: ('rate_limited', '操作太频繁，请稍后再试'),
    500: ('server_error', '服务暂时出现问题，请稍后再试'),
    503: ('unavailable', '服务暂时不可用，请稍后再试'),
}


class StudentApi(Api):
    """Every error, ours or the framework's, answers {code, message, errors, details} (DESIGN §4)."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith('/api/'):
            return _page_error(error)
        # Werkzeug's own descriptions are English: a student reads ours, or the generic one for a server's error.
        fallback = '服务暂时出现问题，请稍后再试' if error.code >= 500 else error.description or '请求失败'
        code, message = HTTP_MESSAGES.get(error.code, ('error', fallback))
        errors = {}
        data = getattr(error, 'data', None) or {}
        for location, messages in (data.get('messages') or {}).items():
            errors.update(_flatten(messages) if isinstance(messages, dict) else {location: [str(m) for m in messages]})
        if error.code == 413 and request.mimetype == 'multipart/form-data':
            errors = {'file': [message]}  # every upload of the API sends its file as the part named file
        return error_response(error.code, code, message, errors)


def _page_error(error: HTTPException):
    """Errors outside the API (the admin page) are pages, in Chinese."""
    from flask import render_template

    message = error.description if error.code == 400 else HTTP_MESSAGES.get(error.code, ('', error.description))[1]
    return render_template('admin/error.html', status=error.code, message=message), error.code


def error_response(status: int, code: str, message: str, errors: dict | None = None, details: dict | None = None):
    body = {'code': code, 'message': message, 'errors': errors or {}}
    if details:
        body['details'] = details
    return jsonify(body), status


def _flatten(messages: dict, prefix: str = '') -> dict[str, list[str]]:
    flat = {}
    for field, value in messages.items():
        name = f'{prefix}{field}'
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f'{name}.'))
        else:
            flat[name] = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    return flat


def init_app(app: Flask) -> Api:
    """One Api per app (tests build several apps), holding every /api/v1 blueprint."""
    from miniapp_backend.api import account, certificates, identity, registrations, stored_me, suspensions, zones

    api = StudentApi(
        app, spec_kwargs={'components': {'securitySchemes': {'bearer': {'type': 'http', 'scheme': 'bearer'}}}}
    )
    for module in (account, zones, suspensions, registrations, certificates, identity):
        api.register_blueprint(module.blp, url_prefix='/api/v1')
    app.register_error_handler(EnrolmentError, _enrolment_error)
    app.extensions['smorest_api'] = api
    stored_me.init_app(app)
    return api


def _enrolment_error(error: EnrolmentError):
    from miniapp_backend.extensions import db

    db.session.rollback()
    if not request.path.startswith('/api/'):
        # A rule's refusal that reaches the admin page unhandled is still a refusal, never a 500.
        from flask import render_template

        return render_template('admin/error.html', status=error.status, message=error.message), error.status
    return error_response(error.status, error.code, error.message, error.errors, error.details)
