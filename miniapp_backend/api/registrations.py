"""Registrations: create, read, edit, photo, commitment letter, submit, withdraw, renewal."""

from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint
from sqlalchemy.orm import joinedload, selectinload, undefer

from miniapp_backend.api.auth import claims_required, current_claims, current_student, owned, student_required
from miniapp_backend.api.docs import BEARER, doc, errors
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.registration import filing, id_photo, letters, renewal
from miniapp_backend.models import Registration
from schemas.registrations import (
    LetterSchema,
    RegistrationInputSchema,
    RegistrationPatchSchema,
    RegistrationSchema,
    RenewalSchema,
    SealSchema,
    UploadSchema,
    registration_json,
)

blp = Blueprint('registrations', __name__, description='参保登记')
ITEM = '/registrations/<int:registration_id>'
#: What RegistrationSchema reads, loaded with the registration (the history in a second statement).
SHOWN = (
    joinedload(Registration.school),
    undefer(Registration.photo_uploaded),
    undefer(Registration.letter_signed),
    selectinload(Registration.history),
)


def _registration(registration_id: int, for_update: bool = False) -> Registration:
    return owned(Registration, registration_id, SHOWN, for_update=for_update)


def _upload(files) -> bytes:
    data = files['file'].read()
    if not data:
        raise EnrolmentError('validation_error', '上传的文件为空', status=422, errors={'file': ['上传的文件为空']})
    return data


@blp.post('/registrations')
@blp.arguments(RegistrationInputSchema())
@blp.response(201, RegistrationSchema)
@doc(security=BEARER)
@errors(blp, 401, 409, 422, 429)
@claims_required
def create(body):
    """Create a draft registration (window, ID and duplicate checks)."""
    return jsonify(registration_json(filing.create(current_claims(), body))), 201


@blp.get(ITEM)
@blp.response(200, RegistrationSchema)
@doc(security=BEARER)
@errors(blp, 401, 404)
@student_required
def read(registration_id):
    """The registration with its history; personal fields masked."""
    return _registration(registration_id)


@blp.patch(ITEM)
@blp.arguments(RegistrationPatchSchema())
@blp.response(200, RegistrationSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409, 422, 429)
@student_required
def edit(body, registration_id):
    """Edit while draft or returned."""
    return filing.update(_registration(registration_id, for_update=True), body)


@blp.post(f'{ITEM}/id-photo')
@blp.arguments(UploadSchema(), location='files')
@blp.response(200, RegistrationSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409, 413, 422)
@student_required
def upload_photo(files, registration_id):
    """The ID-card photo: JPEG or PNG up to 5 MB, re-encoded without metadata."""
    registration = owned(Registration, registration_id, for_update=True)
    id_photo.save_photo(registration, _upload(files))
    return registration


@blp.get(f'{ITEM}/commitment-letter')
@blp.response(200, LetterSchema)
@doc(security=BEARER)
@errors(blp, 401, 404)
@student_required
def read_letter(registration_id):
    """The commitment letter rendered with this student's data."""
    registration = owned(Registration, registration_id)
    if registration.letter is not None:
        return {'text': registration.letter.text, 'signed': True}
    return {'text': letters.render(registration), 'signed': False}


@blp.post(f'{ITEM}/commitment-letter')
@blp.arguments(UploadSchema(), location='files')
@blp.response(200, SealSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409, 413, 422)
@student_required
def sign_letter(files, registration_id):
    """Upload the drawn signature (PNG); the letter and signature are sealed together."""
    letter = letters.sign(owned(Registration, registration_id, for_update=True), _upload(files))
    return {'sha256': letter.sha256, 'sealed_at': letter.sealed_at}


@blp.post(f'{ITEM}/submit')
@blp.response(200, RegistrationSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409, 422, 429)
@claims_required
def submit(registration_id):
    """Submit for review (completeness, letter, duplicates)."""
    return jsonify(registration_json(filing.submit(registration_id, current_claims())))


@blp.post(f'{ITEM}/withdraw')
@blp.response(200, RegistrationSchema)
@doc(security=BEARER)
@errors(blp, 401, 404, 409)
@student_required
def withdraw(registration_id):
    """Withdraw a draft, submitted or returned registration."""
    return filing.withdraw(_registration(registration_id), current_student())


@blp.post('/renewals')
@blp.arguments(RenewalSchema())
@blp.response(201, RegistrationSchema)
@doc(security=BEARER)
@errors(blp, 401, 409, 422, 429)
@student_required
def renew(body):
    """Renewal for this year: approved without review when paid up last year in this zone."""
    registration = renewal.renew(
        current_student(), body['zone_code'], id_type=body.get('id_type'), id_number=body.get('id_number')
    )
    return registration
