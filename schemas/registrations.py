"""Registration requests and responses (DESIGN §4 field list); personal fields are masked on the way out."""
from marshmallow import Schema, fields, validate

from miniapp_backend.models.enums import Identity, MaritalStatus, SpecialIdentity
from miniapp_backend.security.idnumbers import ID_TYPES

ETHNICITIES = [f'{n:02d}' for n in range(1, 57)] + ['97', '98']


class BankSchema(Schema):
    bank_name = fields.String(required=True, validate=validate.Length(2, 64))
    account_name = fields.String(required=True, validate=validate.Length(1, 30))
    account_no = fields.String(required=True, validate=validate.Regexp(r'^\d{12,30}$', error='银行账号应为12至30位数字'))


class RegistrationInputSchema(Schema):
    zone_code = fields.String(required=True, validate=validate.Regexp(r'^\d{6}$', error='专区代码应为6位数字'))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    name = fields.String(required=True, validate=validate.Length(1, 30))
    id_type = fields.String(required=True, validate=validate.OneOf(ID_TYPES))
    id_number = fields.String(required=True, validate=validate.Length(1, 32))
    ethnicity = fields.String(validate=validate.OneOf(ETHNICITIES, error='民族代码不正确'))
    marital_status = fields.String(validate=validate.OneOf([m.value for m in MaritalStatus]))
    phone = fields.String(validate=validate.Regexp(r'^1\d{10}$', error='请输入11位手机号码'))
    residence_address = fields.String(validate=validate.Length(2, 200))
    hukou_address = fields.String(validate=validate.Length(2, 200))
    hukou_region_code = fields.String(validate=validate.Regexp(r'^\d{6}$', error='户籍地区划应为6位数字'))
    school_code = fields.String(validate=validate.Length(1, 32))
    student_no = fields.String(validate=validate.Length(1, 32))
    college = fields.String(validate=validate.Length(0, 128))
    class_name = fields.String(validate=validate.Length(0, 128))
    identity = fields.String(validate=validate.OneOf([i.value for i in Identity]), load_default='college_student')
    special_identity = fields.String(allow_none=True, validate=validate.OneOf([s.value for s in SpecialIdentity]))
    bank = fields.Nested(BankSchema, allow_none=True)


class RegistrationPatchSchema(RegistrationInputSchema):
    """Every field optional: PATCH sends only what changed."""

    identity = fields.String(validate=validate.OneOf([i.value for i in Identity]))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('partial', True)
        super().__init__(*args, **kwargs)


class HistorySchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    at = fields.DateTime()
    reason = fields.String(allow_none=True)


class RegistrationSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    status_label = fields.String()
    stage = fields.String(allow_none=True)
    review_reason = fields.String(allow_none=True)
    renewal = fields.Boolean()
    zone_code = fields.String()
    year = fields.Integer()
    name = fields.String()
    id_type = fields.String()
    id_number = fields.String()
    birth_date = fields.Date(allow_none=True)
    sex = fields.String(allow_none=True)
    ethnicity = fields.String(allow_none=True)
    marital_status = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    residence_address = fields.String(allow_none=True)
    hukou_address = fields.String(allow_none=True)
    hukou_region_code = fields.String(allow_none=True)
    school_code = fields.String(allow_none=True)
    student_no = fields.String(allow_none=True)
    college = fields.String(allow_none=True)
    class_name = fields.String(allow_none=True)
    identity = fields.String()
    special_identity = fields.String(allow_none=True)
    bank = fields.Dict(allow_none=True)
    amount_due_fen = fields.Integer(allow_none=True)
    letter_required = fields.Boolean()
    letter_signed = fields.Boolean()
    photo_uploaded = fields.Boolean()
    history = fields.List(fields.Nested(HistorySchema))


class RenewalSchema(Schema):
    zone_code = fields.String(required=True, validate=validate.Regexp(r'^\d{6}$', error='专区代码应为6位数字'))
    id_type = fields.String(validate=validate.OneOf(ID_TYPES))
    id_number = fields.String(validate=validate.Length(1, 32))


class UploadSchema(Schema):
    file = fields.Raw(metadata={'type': 'string', 'format': 'binary'}, required=True)


class LetterSchema(Schema):
    text = fields.String()
    signed = fields.Boolean()


class SealSchema(Schema):
    sha256 = fields.String()
    sealed_at = fields.DateTime()
