from marshmallow import Schema, fields, validate

from schemas.auth import StudentSchema
from schemas.registrations import RegistrationSummarySchema
from schemas.suspensions import SuspensionSchema
from schemas.zones import ZoneSchema


class SubscriptionSchema(Schema):
    accepted = fields.List(fields.String(validate=validate.Length(1, 128)), required=True,
                           validate=validate.Length(max=20))


class QuotaSchema(Schema):
    quotas = fields.Dict(keys=fields.String(), values=fields.Integer())


class ConfigSchema(Schema):
    templates = fields.Dict(keys=fields.String(), values=fields.String())
    service_phone = fields.String()
    notices = fields.List(fields.String())


class MessageSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class MessageListSchema(Schema):
    messages = fields.List(fields.Nested(MessageSchema))


class MeSchema(Schema):
    """Dumps a student_view.StudentView: what the student's home page shows."""

    student = fields.Nested(StudentSchema)
    zone = fields.Nested(ZoneSchema, allow_none=True)
    registration = fields.Nested(RegistrationSummarySchema, allow_none=True)
    suspension = fields.Nested(SuspensionSchema, allow_none=True)
    next_action = fields.String()
