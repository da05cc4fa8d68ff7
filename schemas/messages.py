from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import Text
from schemas.auth import StudentSchema
from schemas.registrations import RegistrationSummarySchema
from schemas.suspensions import SuspensionSchema
from schemas.zones import ZoneSchema


class SubscriptionSchema(Schema):
    accepted = fields.List(Text(validate=validate.Length(1, 128)), required=True, validate=validate.Length(max=20))


class QuotaSchema(Schema):
    quotas = fields.Dict(keys=Text(), values=fields.Integer())


class ConfigSchema(Schema):
    templates = fields.Dict(keys=Text(), values=Text())
    service_phone = Text()
    notices = fields.List(Text())


class MessageSchema(Schema):
    id = fields.Integer()
    kind = Text()
    title = Text()
    body = Text()
    status = Text()
    created_at = fields.DateTime()
    page = Text(allow_none=True)


class MessageListSchema(Schema):
    messages = fields.List(fields.Nested(MessageSchema))


class MeSchema(Schema):
    """Dumps a student_view.StudentView: what the student's home page shows."""

    student = fields.Nested(StudentSchema)
    zone = fields.Nested(ZoneSchema, allow_none=True)
    registration = fields.Nested(RegistrationSummarySchema, allow_none=True)
    suspension = fields.Nested(SuspensionSchema, allow_none=True)
    next_action = Text()
