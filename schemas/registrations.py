"""Registration requests and responses (DESIGN §4 field list); personal fields are masked on the way out."""

from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import PERSON_NAME, PERSON_NAME_MESSAGE, Day, LeanLoad, Text
from miniapp_backend.models.enums import (
    Identity,
    MaritalStatus,
    RegistrationStatus,
    SpecialIdentity,
)
from miniapp_backend.security.idnumbers import ID_TYPES
from miniapp_backend.security.masking import (
    mask_address,
    mask_bank_account,
    mask_id_number,
    mask_name,
    mask_phone,
)

ETHNICITIES = [f'{n:02d}' for n in range(1, 57)] + ['97', '98']


#: Responses show these masked (安徽省淮南市****): a value still holding the mask is one typed onto, not data; its
#: look-alikes (∗ ﹡ ✱ ⁎ ٭ ⋆ …) would pass for a mask on a reviewer's screen.
UNMASKED = validate.Regexp(r'^[^*＊∗﹡✱⁎٭⋆✲✳✴✵✶✷✸✹✺❉❊❋※]*\Z', error='请填写完整内容，不能保留带 * 号的已保存内容')
#: A person's name: no stars (the mask's), digits, symbols or blank-looking characters (inputs.PERSON_NAME).
PERSON = validate.Regexp(PERSON_NAME, error=PERSON_NAME_MESSAGE)


class BankSchema(LeanLoad, Schema):
    bank_name = Text(required=True, validate=validate.Length(2, 64))
    account_name = Text(required=True, validate=[validate.Length(1, 30), UNMASKED])
    account_no = Text(required=True, validate=validate.Regexp(r'^[0-9]{12,30}\Z', error='银行账号应为12至30位数字'))


class RegistrationInputSchema(LeanLoad, Schema):
    zone_code = Text(required=True, validate=validate.Regexp(r'^[0-9]{6}\Z', error='专区代码应为6位数字'))
    year = fields.Integer(validate=validate.Range(2000, 2100))
    name = Text(required=True, validate=[validate.Length(1, 30), PERSON])
    id_type = Text(required=True, validate=validate.OneOf(ID_TYPES))
    id_number = Text(required=True, validate=validate.Length(1, 32))
    ethnicity = Text(validate=validate.OneOf(ETHNICITIES, error='民族代码不正确'))
    marital_status = Text(validate=validate.OneOf([m.value for m in MaritalStatus]))
    phone = Text(validate=validate.Regexp(r'^1[0-9]{10}\Z', error='请输入11位手机号码'))
    residence_address = Text(validate=[validate.Length(2, 200), UNMASKED])
    hukou_address = Text(validate=[validate.Length(2, 200), UNMASKED])
    hukou_region_code = Text(validate=validate.Regexp(r'^[0-9]{6}\Z', error='户籍地区划应为6位数字'))
    hukou_region_name = Text(validate=[validate.Length(2, 64), UNMASKED])
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


def _masked(mask, attribute: str) -> fields.Function:
    """A personal field as the mini-program may see it."""
    return fields.Function(
        lambda registration: mask(getattr(registration, attribute)), metadata={'type': 'string', 'nullable': True}
    )


def _code(relation: str) -> fields.Function:
    return fields.Function(
        lambda registration: getattr(getattr(registration, relation), 'code', None),
        metadata={'type': 'string', 'nullable': True},
    )


class HistorySchema(Schema):
    """Dumps an AuditEvent of a transition."""

    from_status = Text(allow_none=True)
    to_status = Text(allow_none=True)
    at = fields.DateTime()
    reason = Text(allow_none=True)


class BankOutSchema(Schema):
    """Dumps a Registration's bank fields, name and account masked."""

    bank_name = Text()
    account_name = _masked(mask_name, 'bank_account_name')
    account_no = _masked(mask_bank_account, 'bank_account_no')


class RegistrationSchema(Schema):
    """Dumps a Registration with its transition history; personal fields masked."""

    id = fields.Integer()
    status = Text()
    status_label = fields.Function(
        lambda registration: RegistrationStatus(registration.status).label, metadata={'type': 'string'}
    )
    stage = Text(allow_none=True)
    review_reason = Text(allow_none=True)
    renewal = fields.Boolean()
    zone_code = _code('zone')
    year = fields.Integer()
    name = Text()
    id_type = Text()
    id_number = _masked(mask_id_number, 'id_number')
    birth_date = Day(allow_none=True)
    sex = Text(allow_none=True)
    ethnicity = Text(allow_none=True)
    marital_status = Text(allow_none=True)
    phone = _masked(mask_phone, 'phone')
    residence_address = _masked(mask_address, 'residence_address')
    hukou_address = _masked(mask_address, 'hukou_address')
    hukou_region_code = Text(allow_none=True)
    hukou_region_name = Text(allow_none=True)
    school_code = _code('school')
    student_no = Text(allow_none=True)
    college = Text(allow_none=True)
    class_name = Text(allow_none=True)
    identity = Text()
    special_identity = Text(allow_none=True)
    bank = fields.Method('_bank', metadata={'type': 'object', 'nullable': True})
    amount_due_fen = fields.Integer(allow_none=True)
    letter_required = fields.Boolean()
    letter_signed = fields.Boolean()
    photo_uploaded = fields.Boolean()
    history = fields.List(fields.Nested(HistorySchema))

    def _bank(self, registration):
        return BankOutSchema().dump(registration) if registration.bank_account_no else None


class RegistrationSummarySchema(Schema):
    """Dumps the registration GET /me shows."""

    id = fields.Integer()
    status = Text()
    stage = Text(allow_none=True)
    review_reason = Text(allow_none=True)
    year = fields.Integer()
    zone_code = _code('zone')


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


def _text(value) -> str | None:
    return None if value is None else str(value)


def registration_json(registration) -> dict:
    """What RegistrationSchema dumps, written out for the hot paths (create, submit), whose registration is a
    `rows.Row` or a Registration: a schema dump costs about a thousand Python calls. The schema stays the documented
    answer; tests/api/test_statement_counts.py checks that the two agree."""
    r = registration
    return {
        'id': r.id,
        'status': _text(r.status),
        'status_label': RegistrationStatus(r.status).label,
        'stage': r.stage,
        'review_reason': r.review_reason,
        'renewal': bool(r.renewal),
        'zone_code': getattr(r.zone, 'code', None),
        'year': r.year,
        'name': r.name,
        'id_type': _text(r.id_type),
        'id_number': mask_id_number(r.id_number),
        'birth_date': r.birth_date.isoformat() if r.birth_date is not None else None,
        'sex': r.sex,
        'ethnicity': r.ethnicity,
        'marital_status': _text(r.marital_status),
        'phone': mask_phone(r.phone),
        'residence_address': mask_address(r.residence_address),
        'hukou_address': mask_address(r.hukou_address),
        'hukou_region_code': r.hukou_region_code,
        'hukou_region_name': r.hukou_region_name,
        'school_code': getattr(r.school, 'code', None),
        'student_no': r.student_no,
        'college': r.college,
        'class_name': r.class_name,
        'identity': _text(r.identity),
        'special_identity': _text(r.special_identity),
        'bank': {
            'bank_name': r.bank_name,
            'account_name': mask_name(r.bank_account_name),
            'account_no': mask_bank_account(r.bank_account_no),
        }
        if r.bank_account_no
        else None,
        'amount_due_fen': r.amount_due_fen,
        'letter_required': bool(r.letter_required),
        'letter_signed': bool(r.letter_signed),
        'photo_uploaded': bool(r.photo_uploaded),
        'history': [
            {
                'from_status': _text(h.from_status),
                'to_status': _text(h.to_status),
                'at': h.at.isoformat() if h.at is not None else None,
                'reason': h.reason,
            }
            for h in r.history
        ],
    }
