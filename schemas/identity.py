from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import PERSON_NAME, PERSON_NAME_MESSAGE, Text
from miniapp_backend.security.idnumbers import ID_TYPES


class PersonSchema(Schema):
    """Who the student says they are: checked against WeChat's face verification or by the centre."""

    id_type = Text(validate=validate.OneOf(ID_TYPES), load_default='resident_id')
    id_number = Text(required=True, validate=validate.Length(1, 32))
    name = Text(
        required=True, validate=[validate.Length(1, 30), validate.Regexp(PERSON_NAME, error=PERSON_NAME_MESSAGE)]
    )


class FaceSessionSchema(Schema):
    verify_id = Text()
    expires_in = fields.Integer()


class FaceResultInputSchema(Schema):
    verify_id = Text(required=True, validate=validate.Length(1, 256))


class ProofSchema(Schema):
    """A proof's outcome: never the person's data."""

    id = fields.Integer()
    method = Text()
    status = Text()
    message = Text()
    created_at = fields.DateTime()
    reason = Text(allow_none=True)


class LatestRequestSchema(Schema):
    """The student's newest request to the centre, or none."""

    request = fields.Nested(ProofSchema, allow_none=True)


class ReviewRequestSchema(Schema):
    id_type = Text(validate=validate.OneOf(ID_TYPES), load_default='resident_id')
    id_number = Text(required=True, validate=validate.Length(1, 32))
    name = Text(
        required=True, validate=[validate.Length(1, 30), validate.Regexp(PERSON_NAME, error=PERSON_NAME_MESSAGE)]
    )
