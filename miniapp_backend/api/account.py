"""Login, the student's profile and next step, zone choice, phone, messages, subscriptions and config."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from miniapp_backend import wechat
from miniapp_backend.api import stored_me
from miniapp_backend.api.auth import (
    bearer_claims,
    current_student,
    student_required,
)
from miniapp_backend.api.docs import BEARER, doc, errors
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.messages import subscriptions
from miniapp_backend.enrolment.students import cached_view, sign_in, tokens, view as student_view
from miniapp_backend.enrolment.zones.availability import find_zone
from miniapp_backend.extensions import db
from miniapp_backend.models import Notification
from miniapp_backend.unit_of_work import unit_of_work
from schemas.auth import LoginResultSchema, LoginSchema, PhoneCodeSchema, StudentSchema
from schemas.messages import (
    ConfigSchema,
    MeSchema,
    MessageListSchema,
    QuotaSchema,
    SubscriptionSchema,
)
from schemas.zones import ZoneChoiceSchema

blp = Blueprint('account', __name__, description='登录与个人信息')


@blp.post('/auth/login')
@blp.arguments(LoginSchema())
@blp.response(200, LoginResultSchema)
@errors(blp, 400, 401, 422, 429, 503)
@unit_of_work
def login(body):
    """Exchange a wx.login code for our own bearer token (limited per client address, per code, per openid)."""
    student, token = sign_in.log_in(body['code'], get_remote_address())
    return {'token': token, 'expires_in': current_app.config['API_TOKEN_TTL'], 'student': student}


@blp.get('/me')
@blp.response(200, MeSchema)
@doc(security=BEARER)
@errors(blp, 401)
@unit_of_work
def me():
    """Profile, zone, current registration and suspension, and the one next step."""
    # A current stored answer never gets here: api/stored_me.py sends it before Flask. This view answers the rest.
    student_id, version = bearer_claims()

    def build() -> tuple[int, bytes]:
        student = tokens.student_with_version(student_id, version)
        body = current_app.json.dumps(MeSchema().dump(student_view.view(student))).encode()
        return student.token_version, body

    try:
        body = cached_view.answer(student_id, version, build, request.environ.get(stored_me.REDIS_ERROR))
    except cached_view.Revoked:
        raise tokens.revoked() from None
    return Response(body, mimetype='application/json')


@blp.put('/me/zone')
@blp.arguments(ZoneChoiceSchema())
@blp.response(200, StudentSchema)
@doc(security=BEARER)
@errors(blp, 401, 409, 422)
@student_required
def choose_zone(body):
    """Select the regional zone (地方专区)."""
    student = current_student()
    student_view.choose_zone(student, find_zone(body['zone_code']))
    return student


@blp.post('/me/phone')
@blp.arguments(PhoneCodeSchema())
@blp.response(200, StudentSchema)
@doc(security=BEARER)
@errors(blp, 401, 422, 503)
@student_required
def bind_phone(body):
    """Bind the phone number from a getPhoneNumber button code."""
    try:
        phone = wechat.get_phone_number(body['code'])
    except wechat.InvalidCode:
        raise EnrolmentError(
            'invalid_code', '手机号授权已失效，请重新授权', status=422, errors={'code': ['手机号授权已失效']}
        ) from None
    except wechat.WeChatError:
        raise EnrolmentError('wechat_unavailable', '微信服务暂时不可用，请稍后再试', status=503) from None
    current_student().phone = phone
    return current_student()


@blp.get('/me/messages')
@blp.response(200, MessageListSchema)
@doc(security=BEARER)
@errors(blp, 401)
@student_required
def messages():
    """The student's message list (every outbox row, sent or waiting)."""
    rows = db.session.scalars(
        sa.select(Notification)
        .where(Notification.student_id == current_student().id)
        .order_by(Notification.id.desc())
        .limit(100)
    )
    return {
        'messages': [
            {
                'id': n.id,
                'kind': n.kind.value,
                'title': n.title,
                'body': n.body,
                'status': n.status.value,
                'created_at': n.created_at,
                'page': n.page,
            }
            for n in rows
        ]
    }


@blp.post('/subscriptions')
@blp.arguments(SubscriptionSchema())
@blp.response(200, QuotaSchema)
@doc(security=BEARER)
@errors(blp, 401, 422)
@student_required
def subscribe(body):
    """Record templates the student accepted in wx.requestSubscribeMessage (one message each)."""
    return {'quotas': subscriptions.record_accepted(current_student(), body['accepted'])}


@blp.get('/config')
@blp.response(200, ConfigSchema)
@doc(security=BEARER)
@errors(blp, 401)
@student_required
def config():
    """Template ids to request, service phone and notices of the student's zone."""
    student = current_student()
    templates = subscriptions.zone_templates(student)
    if 'suspension_confirmed' in templates:
        templates['suspension'] = templates['suspension_confirmed']
    zone = student.zone
    return {
        'templates': templates,
        'service_phone': (zone.service_phone if zone else None) or current_app.config['SERVICE_PHONE'],
        'notices': list(zone.notices or []) if zone else [],
    }
