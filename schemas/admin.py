"""The admin page's forms, validated like the API's bodies: text through the input boundary, money as Decimal."""

from marshmallow import Schema, fields, validate

from miniapp_backend.inputs import Day, Id, Money, Text


class LoginForm(Schema):
    username = Text(load_default='', max_length=64)
    password = fields.String(load_default='', validate=validate.Length(max=256))


class DecisionForm(Schema):
    decision = Text(required=True, validate=validate.OneOf(['approve', 'return', 'reject'], error='未知的审核操作'))
    reason = Text(load_default=None, max_length=255, multiline=True)


class BatchForm(Schema):
    decision = Text(required=True, validate=validate.OneOf(['approve', 'return'], error='批量操作仅支持通过或退回'))
    reason = Text(load_default=None, max_length=255, multiline=True)
    ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500, error='每次最多选择500条'))


class CashForm(Schema):
    amount = Money(
        required=True,
        message='请输入正确的缴费金额（元），最多两位小数',
        error_messages={'required': '请输入正确的缴费金额（元）'},
    )
    voucher_no = Text(load_default=None, max_length=64)


class IdsForm(Schema):
    ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500, error='每次最多选择500条'))


class QueueFilter(Schema):
    q = Text(load_default='', max_length=64)
    school = Text(load_default='', max_length=32)
    college = Text(load_default='', max_length=128)
    status = Text(load_default=None, max_length=32)
    page = fields.Integer(load_default=1, strict=False, validate=validate.Range(1, 100_000, error='页码超出范围'))
    #: The keyset cursor of the next page (enrolment.reports.paging; one that does not parse opens the first).
    after = Text(load_default=None, max_length=64)


class AuditFilter(Schema):
    action = Text(load_default='', max_length=64)
    registration = Id(load_default=None)
    after = Text(load_default=None, max_length=64)


class ZoneSettingsForm(Schema):
    premium_fen = Money(
        required=True,
        message='保费应为大于0的金额（元），最多两位小数',
        error_messages={'required': '保费应为大于0的金额（元）'},
    )
    year = fields.Integer(required=True, strict=False, validate=validate.Range(2020, 2100, error='参保年度不正确'))
    window_opens_at = Day(required=True, error_messages={'invalid': '开始日期格式应为YYYY-MM-DD'})
    window_closes_at = Day(required=True, error_messages={'invalid': '截止日期格式应为YYYY-MM-DD'})
    review_stages = Text(required=True, max_length=128)
    pay_appid = Text(required=True, max_length=64, validate=validate.Length(1, error='请填写税务缴费小程序AppID'))
    pay_path_template = Text(load_default='', max_length=255)
    family_appid = Text(load_default='', max_length=64)
    family_path_template = Text(load_default='', max_length=255)
    service_phone = Text(load_default='', max_length=32)
    suspension_delay_minutes = fields.Integer(
        required=True, strict=False, validate=validate.Range(0, 7 * 24 * 60, error='停保确认等待时间应为0至10080分钟')
    )
    remind_days_before_close = fields.Integer(
        required=True, strict=False, validate=validate.Range(0, 60, error='提醒天数应为0至60')
    )
    message_templates = Text(load_default='{}', max_length=20_000, multiline=True)
    family_channel = Text(load_default='')
    face_verification = Text(load_default='')
    subsidised_match_required = Text(load_default='')


def _page():
    return fields.Integer(load_default=1, strict=False, validate=validate.Range(1, 100_000, error='页码超出范围'))


class RosterFilter(Schema):
    state = Text(load_default=None, max_length=16)
    school_id = Id(load_default=None)
    college = Text(load_default=None, max_length=128)
    class_name = Text(load_default=None, max_length=128)
    page = _page()


class SuspensionFilter(Schema):
    q = Text(load_default='', max_length=64)
    status = Text(load_default='', max_length=32)
    page = _page()


class SubsidisedFilter(Schema):
    q = Text(load_default='', max_length=64)
    mismatch = Text(load_default='', max_length=1)


class ClassFilter(Schema):
    college = Text(load_default='', max_length=128)
    class_name = Text(load_default='', max_length=128)
