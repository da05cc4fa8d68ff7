"""Registration requests and responses (DESIGN §4 field list); personal fields are masked on the way out."""
from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import Day, Text
from miniapp_backend.models.enums import Identity, MaritalStatus, SpecialIdentity
from miniapp_backend.security.idnumbers import ID_TYPES

ETHNICITIES = [f'{n:02d}' for n in range(1, 57)] + ['97', '98']


class BankSchema(Schema):
    bank_name = Text(required=True, validate=validate.Length(2, 64))
    account_name = Text(required=True, validate=validate.Length(1, 30))
    account_no = Text(required=True, validate=validate.Regexp(r'^[0-9]{12,30}\Z', error='银行账号应为12至30位数字'))


class RegistrationInputSchema(Schema):
    zone_code = Text(required=True, validate=validate.Regexp(r'^[0-9]{6}\Z', error='专区代码应为6位数字'))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    name = Text(required=True, validate=validate.Length(1, 30))
    id_type = Text(required=True, validate=validate.OneOf(ID_TYPES))
    id_number = Text(required=True, validate=validate.Length(1, 32))
    ethnicity = Text(validate=validate.OneOf(ETHNICITIES, error='民族代码不正确'))
    marital_status = Text(validate=validate.OneOf([m.value for m in MaritalStatus]))
    phone = Text(validate=validate.Regexp(r'^1[0-9]{10}\Z', error='请输入11位手机号码'))
    residence_address = Text(validate=validate.Length(2, 200))
    hukou_address = Text(validate=validate.Length(2, 200))
    hukou_region_code = Text(validate=validate.Regexp(r'^[0-9]{6}\Z', error='户籍地区划应为6位数字'))
    school_code = Text(validate=validate.Length(1, 32))
    student_no = Text(validate=validate.Length(1, 32))
    college = Text(validate=validate.Length(0, 128))
    class_name = Text(validate=validate.Length(0, 128))
    identity = Text(validate=validate.OneOf([i.value for i in Identity]), load_default='college_student')
    special_identity = Text(allow_none=True, validate=validate.OneOf([s.value for s in SpecialIdentity]))
    bank = fields.Nested(BankSchema, allow_none=True)


class RegistrationPatchSchema(RegistrationInputSchema):
    """Every field optional: PATCH sends only what changed."""

    identity = Text(validate=validate.OneOf([i.value for i in Identity]))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('partial', True)
        super().__init__(*args, **kwargs)


class HistorySchema(Schema):
    from_status = Text(allow_none=True)
    to_status = Text(allow_none=True)
    at = fields.DateTime()
    reason = Text(allow_none=True)


class RegistrationSchema(Schema):
    id = fields.Integer()
    status = Text()
    status_label = Text()
    stage = Text(allow_none=True)
    review_reason = Text(allow_none=True)
    renewal = fields.Boolean()
    zone_code = Text()
    year = fields.Integer()
    name = Text()
    id_type = Text()
    id_number = Text()
    birth_date = Day(allow_none=True)
    sex = Text(allow_none=True)
    ethnicity = Text(allow_none=True)
    marital_status = Text(allow_none=True)
    phone = Text(allow_none=True)
    residence_address = Text(allow_none=True)
    hukou_address = Text(allow_none=True)
    hukou_region_code = Text(allow_none=True)
    school_code = Text(allow_none=True)
    student_no = Text(allow_none=True)
    college = Text(allow_none=True)
    class_name = Text(allow_none=True)
    identity = Text()
    special_identity = Text(allow_none=True)
    bank = fields.Dict(allow_none=True)
    amount_due_fen = fields.Integer(allow_none=True)
    letter_required = fields.Boolean()
    letter_signed = fields.Boolean()
    photo_uploaded = fields.Boolean()
    history = fields.List(fields.Nested(HistorySchema))


class RenewalSchema(Schema):
    zone_code = Text(required=True, validate=validate.Regexp(r'^[0-9]{6}\Z', error='专区代码应为6位数字'))
    id_type = Text(validate=validate.OneOf(ID_TYPES))
    id_number = Text(validate=validate.Length(1, 32))


class UploadSchema(Schema):
    file = fields.Raw(metadata={'type': 'string', 'format': 'binary'}, required=True)


class LetterSchema(Schema):
    text = Text()
    signed = fields.Boolean()


class SealSchema(Schema):
    sha256 = Text()
    sealed_at = fields.DateTime()
