from marshmallow import Schema, fields, validate

from miniapp_backend.security.idnumbers import ID_TYPES


class SuspensionRequestSchema(Schema):
    origin_zone_code = fields.String(required=True, validate=validate.Regexp(r'^\d{6}$', error='原参保地区划应为6位数字'))
    reason = fields.String(required=True, validate=validate.Length(2, 100))
    suspend_from = fields.Date(required=True)
    consent = fields.Boolean(required=True)
    id_type = fields.String(validate=validate.OneOf(ID_TYPES), load_default='resident_id')
    id_number = fields.String(validate=validate.Length(1, 32))
    name = fields.String(validate=validate.Length(1, 30))


class SuspensionSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    message = fields.String(allow_none=True)
    origin_zone_code = fields.String()
    suspend_from = fields.Date()
    created_at = fields.DateTime()
