"""Suspending the home-town enrolment (暂停参保)."""

from __future__ import annotations

from flask_smorest import Blueprint

from miniapp_backend.api.auth import current_student, owned, student_required
from miniapp_backend.api.docs import BEARER, doc, errors
from miniapp_backend.enrolment.suspension.request import request_suspension
from miniapp_backend.models import Suspension
from schemas.suspensions import SuspensionRequestSchema, SuspensionSchema

blp = Blueprint('suspensions', __name__, description='暂停原参保地参保')


@blp.post('/suspensions')
@blp.arguments(SuspensionRequestSchema())
@blp.response(201, SuspensionSchema)
@doc(security=BEARER)
@errors(blp, 401, 409, 422)
@student_required
def create(body):
    """Ask the home town to suspend its enrolment; confirmed by a worker in 10–30 minutes."""
    return request_suspension(current_student(), body)


@blp.get('/suspensions/<int:suspension_id>')
@blp.response(200, SuspensionSchema)
@doc(security=BEARER)
@errors(blp, 401, 404)
@student_required
def read(suspension_id):
    """Its status: submitted, confirmed or refused, with a message."""
    return owned(Suspension, suspension_id)
