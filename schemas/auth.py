from marshmallow import Schema, fields, validate


class LoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 128))


class PhoneCodeSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 128))


class StudentSchema(Schema):
    id = fields.Integer()
    phone = fields.String(allow_none=True)
    zone_code = fields.String(allow_none=True)


class LoginResultSchema(Schema):
    token = fields.String()
    expires_in = fields.Integer()
    student = fields.Nested(StudentSchema)
