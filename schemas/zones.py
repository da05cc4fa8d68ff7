from marshmallow import Schema, fields, validate

from miniapp_backend.enrolment import labels
from miniapp_backend.inputs import Text


class ZoneSchema(Schema):
    code = Text()
    name = Text()
    year = fields.Integer()
    premium_fen = fields.Integer()
    window_opens_at = fields.DateTime()
    window_closes_at = fields.DateTime()
    payment_channels = fields.Function(
        lambda zone: ['tax'] + (['family'] if zone.family_channel else []),
        metadata={'type': 'array', 'items': {'type': 'string'}},
    )
    agency_name = Text()
    tax_authority_name = Text()
    service_phone = Text(allow_none=True)
    #: The zone has WeChat face verification (the identity proof step offers it first).
    face_verification = fields.Boolean()
    #: A registration here is submitted only with the ID-card photo (登记材料).
    id_photo_required = fields.Boolean()
    #: The review stages in order; none when the zone does not review (a submission is approved and paid at once).
    review_stages = fields.List(Text())
    #: Every review stage by the name the zone gives it (seed 001: the student sees which review it waits for).
    stage_names = fields.Function(
        lambda zone: labels.stage_names(zone), metadata={'type': 'object', 'additionalProperties': {'type': 'string'}}
    )


class ZoneListSchema(Schema):
    zones = fields.List(fields.Nested(ZoneSchema))


class SchoolSchema(Schema):
    code = Text()
    name = Text()


class SchoolListSchema(Schema):
    schools = fields.List(fields.Nested(SchoolSchema))


class ZoneChoiceSchema(Schema):
    zone_code = Text(required=True, validate=validate.Regexp(r'^[0-9]{6}\Z', error='专区代码应为6位数字'))
