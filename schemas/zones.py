from marshmallow import Schema, fields, validate


class ZoneSchema(Schema):
    code = fields.String()
    name = fields.String()
    year = fields.Integer()
    premium_fen = fields.Integer()
    window_opens_at = fields.DateTime()
    window_closes_at = fields.DateTime()
    payment_channels = fields.Function(lambda zone: ['tax'] + (['family'] if zone.family_channel else []),
                                       metadata={'type': 'array', 'items': {'type': 'string'}})
    agency_name = fields.String()
    service_phone = fields.String(allow_none=True)


class ZoneListSchema(Schema):
    zones = fields.List(fields.Nested(ZoneSchema))


class SchoolSchema(Schema):
    code = fields.String()
    name = fields.String()


class SchoolListSchema(Schema):
    schools = fields.List(fields.Nested(SchoolSchema))


class ZoneChoiceSchema(Schema):
    zone_code = fields.String(required=True, validate=validate.Regexp(r'^\d{6}$', error='专区代码应为6位数字'))
