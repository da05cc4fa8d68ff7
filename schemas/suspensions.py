from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import PERSON_NAME, PERSON_NAME_MESSAGE, Day, Flag, Text
from miniapp_backend.security.idnumbers import ID_TYPES


class SuspensionRequestSchema(Schema):
    origin_zone_code = Text(required=True, validate=validate.Regexp(r'^[0-9]{6}\Z', error='原参保地区划应为6位数字'))
    reason = Text(required=True, validate=validate.Length(2, 100))
    suspend_from = Day(required=True)
    consent = Flag(required=True)
    id_type = Text(validate=validate.OneOf(ID_TYPES), load_default='resident_id')
    id_number = Text(validate=validate.Length(1, 32))
    name = Text(validate=[validate.Length(1, 30), validate.Regexp(PERSON_NAME, error=PERSON_NAME_MESSAGE)])


class SuspensionSchema(Schema):
    id = fields.Integer()
    status = Text()
    message = Text(allow_none=True)
    #: The student's own record: the name as typed, so a refused request can be asked again without retyping it.
    name = Text()
    origin_zone_code = Text()
    suspend_from = Day()
    created_at = fields.DateTime()
