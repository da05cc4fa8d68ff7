from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import Text


class LoginSchema(Schema):
    code = Text(required=True, validate=validate.Length(1, 128))


class PhoneCodeSchema(Schema):
    code = Text(required=True, validate=validate.Length(1, 128))


class StudentSchema(Schema):
    id = fields.Integer()
    phone = Text(allow_none=True)
    zone_code = Text(allow_none=True)


class LoginResultSchema(Schema):
    token = Text()
    expires_in = fields.Integer()
    student = fields.Nested(StudentSchema)
