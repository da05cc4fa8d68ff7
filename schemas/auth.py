from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import Text
from miniapp_backend.security.masking import mask_phone


class LoginSchema(Schema):
    code = Text(required=True, validate=validate.Length(1, 128))


class PhoneCodeSchema(Schema):
    code = Text(required=True, validate=validate.Length(1, 128))


class StudentSchema(Schema):
    """Dumps a Student: the phone masked, the zone by its code."""

    id = fields.Integer()
    phone = fields.Function(lambda student: mask_phone(student.phone), metadata={'type': 'string', 'nullable': True})
    zone_code = fields.Function(
        lambda student: student.zone.code if student.zone else None, metadata={'type': 'string', 'nullable': True}
    )


class SignedInStudentSchema(StudentSchema):
    """Dumps what sign_in returns (a row, not a loaded Student): the zone's code came with it."""

    zone_code = fields.String(allow_none=True)


class LoginResultSchema(Schema):
    token = Text()
    expires_in = fields.Integer()
    student = fields.Nested(SignedInStudentSchema)
