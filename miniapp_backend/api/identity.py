"""Proving who you are before acting on a person's records: WeChat face verification or the centre's review."""

from __future__ import annotations

from flask_smorest import Blueprint

from miniapp_backend.api.auth import current_student, student_required
from miniapp_backend.api.docs import BEARER, doc, errors
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.students import identity
from miniapp_backend.models.enums import ProofStatus
from schemas.identity import FaceResultInputSchema, FaceSessionSchema, LatestRequestSchema, PersonSchema, ProofSchema
from schemas.registrations import UploadSchema

blp = Blueprint('identity', __name__, description='本人身份核验')

_MESSAGES = {
    ProofStatus.PASSED: '身份核验通过',
    ProofStatus.FAILED: '身份核验未通过，请重试或上传证件照由医保中心审核',
    ProofStatus.PENDING: '已提交，等待医保中心审核',
}


def _result(proof) -> dict:
    return {
        'id': proof.id,
        'method': proof.method.value,
        'status': proof.status.value,
        'message': _MESSAGES[proof.status],
        'created_at': proof.created_at,
        'reason': proof.review_reason,
    }


@blp.post('/identity/face')
@blp.arguments(PersonSchema)
@blp.response(201, FaceSessionSchema)
@doc(security=BEARER)
@errors(blp, 401, 409, 422, 503)
@student_required
def start_face(body):
    """Start face verification: pass the returned verify_id to wx.requestFacialVerify({verifyId})."""
    proof = identity.start_face(current_student(), body)
    return {'verify_id': proof.verify_id, 'expires_in': identity.FACE_SESSION_SECONDS}


@blp.post('/identity/face/result')
@blp.arguments(FaceResultInputSchema)
@blp.response(200, ProofSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409, 503)
@student_required
def face_result(body):
    """After wx.requestFacialVerify succeeds: the backend asks WeChat for the real result (passed or failed)."""
    return _result(identity.finish_face(current_student(), body['verify_id']))


@blp.post('/identity/requests')
@blp.arguments(PersonSchema, location='form')
@blp.arguments(UploadSchema, location='files')
@blp.response(201, ProofSchema)
@doc(security=BEARER)
@errors(blp, 401, 409, 413, 422)
@student_required
def request_review(body, files):
    """No face verification: the ID-card photo, name and ID number, for the centre to compare."""
    data = files['file'].read()
    if not data:
        raise EnrolmentError('validation_error', '上传的文件为空', status=422, errors={'file': ['上传的文件为空']})
    return _result(identity.request_review(current_student(), body, data))


@blp.get('/identity/requests/latest')
@blp.response(200, LatestRequestSchema)
@doc(security=BEARER)
@errors(blp, 401)
@student_required
def latest_request():
    """The student's newest ID-photo request and how the centre decided it (none: null)."""
    proof = identity.latest_request(current_student())
    return {'request': _result(proof) if proof else None}
