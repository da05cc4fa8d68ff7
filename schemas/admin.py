"""The admin page's forms, validated like the API's bodies: text through the input boundary, money as Decimal."""

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from miniapp_backend.enrolment.accounts import FIELD_NAMES, MIN_PASSWORD, missing_scope
from miniapp_backend.enrolment.imports.importers import KINDS as IMPORT_KINDS
from miniapp_backend.enrolment.messages import templates as message_templates
from miniapp_backend.enrolment.payment.target import path_template_problem
from miniapp_backend.enrolment.registration.review import DECISIONS
from miniapp_backend.enrolment.roster.manage import EXEMPT_REASONS
from miniapp_backend.enrolment.suspension.desk import REASONS as SUSPENSION_REASONS
from miniapp_backend.enrolment.zones.settings import STAGES, day_end, day_start, stages_of
from miniapp_backend.inputs import (
    Day,
    Id,
    InputRefused,
    Money,
    Text,
    clean_text,
    load_form,
    yuan_to_fen,
)
from miniapp_backend.models.enums import NotificationKind, ReviewerRole
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number

#: What a form that records something once carries (admin.new_form_token): URL-safe, 16 to 40 characters.
FORM_TOKEN = r'^[A-Za-z0-9_-]{16,40}\Z'


class LoginForm(Schema):
    username = Text(load_default='', max_length=64)
    password = fields.String(load_default='', validate=validate.Length(max=256))


class DecisionForm(Schema):
    decision = Text(required=True, validate=validate.OneOf(list(DECISIONS), error='未知的审核操作'))
    reason = Text(load_default=None, max_length=255, multiline=True)
    #: The record as the page showed it (review.seen_stamp); missing or other: refused as changed meanwhile.
    seen = Text(load_default='', max_length=32)


class BackTo(Schema):
    """Where a list's inline form returns: a page of the admin site, or (anything else) the list itself."""

    next = Text(load_default=None, max_length=2000)

    @pre_load
    def _local_only(self, data, **kwargs):
        target = data.get('next') or ''
        if not (target.startswith('/admin/') and '//' not in target and '\\' not in target):
            data = {key: value for key, value in data.items() if key != 'next'}
        return data


class BatchForm(BackTo):
    decision = Text(required=True, validate=validate.OneOf(['approve', 'return'], error='批量操作仅支持通过或退回'))
    reason = Text(load_default=None, max_length=255, multiline=True)
    ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500, error='每次最多选择500条'))
    #: 'id:stamp' for every row the list showed (review.seen_stamp).
    seen = fields.List(
        Text(max_length=48, validate=validate.Regexp(r'^\d{1,10}:\d{0,20}\Z', error='表单已失效，请刷新页面后重试')),
        load_default=list,
        validate=validate.Length(max=1000, error='表单已失效，请刷新页面后重试'),
    )

    @post_load
    def _seen_by_id(self, data, **_):
        data['seen'] = {int(row): stamp for row, stamp in (item.split(':') for item in data['seen'])}
        return data


def _form_token():
    return Text(
        load_default=None, max_length=200, validate=validate.Regexp(FORM_TOKEN, error='表单已失效，请刷新页面后重试')
    )


class CashForm(Schema):
    amount = Money(
        required=True,
        message='请输入正确的缴费金额（元），最多两位小数',
        error_messages={'required': '请输入正确的缴费金额（元）'},
    )
    voucher_no = Text(load_default=None, max_length=64)
    idempotency_key = _form_token()


class IdsForm(Schema):
    ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500, error='每次最多选择500条'))


class CashBatchForm(IdsForm):
    idempotency_key = _form_token()


class QueueFilter(Schema):
    q = Text(load_default='', max_length=64)
    school = Text(load_default='', max_length=32)
    college = Text(load_default='', max_length=128)
    status = Text(load_default=None, max_length=32)
    page = fields.Integer(load_default=1, strict=False, validate=validate.Range(1, 100_000, error='页码超出范围'))
    #: The keyset cursor of the next page (enrolment.reports.paging; one that does not parse opens the first).
    after = Text(load_default=None, max_length=64)


class QueueFrom(Schema):
    """The review queue's filter a record page carries, so that 下一条 follows the list the reviewer came from."""

    q = Text(load_default='', max_length=64)
    school = Text(load_default='', max_length=32)
    college = Text(load_default='', max_length=128)


class PaymentsFilter(Schema):
    q = Text(load_default='', max_length=64)
    status = Text(load_default='', max_length=32)
    after = Text(load_default=None, max_length=64)


class RegisterFilter(Schema):
    q = Text(load_default='', max_length=64)
    status = Text(load_default='', max_length=32)
    after = Text(load_default=None, max_length=64)


class AuditFilter(Schema):
    action = Text(load_default='', max_length=64)
    registration = Id(load_default=None, message='登记编号应为数字')
    #: The reviewer who acted (a reviewer's id, chosen from the page's list).
    person = Id(load_default=None, message='操作人不正确，请从列表中选择')
    #: Beijing days, both included.
    since = Day(load_default=None, error_messages={'invalid': '开始日期不是有效日期，格式应为YYYY-MM-DD'})
    until = Day(load_default=None, error_messages={'invalid': '结束日期不是有效日期，格式应为YYYY-MM-DD'})
    after = Text(load_default=None, max_length=64)

    @validates_schema
    def _in_order(self, data, **_):
        if data.get('since') and data.get('until') and data['since'] > data['until']:
            raise ValidationError('开始日期不能晚于结束日期', 'until')


def _path_template(template: str) -> None:
    problem = path_template_problem(template)
    if problem:
        raise ValidationError(problem)


class ImportsFilter(Schema):
    kind = Text(load_default='', max_length=32)
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
    pay_path_template = Text(load_default='', max_length=255, validate=_path_template)
    family_appid = Text(load_default='', max_length=64)
    family_path_template = Text(load_default='', max_length=255, validate=_path_template)
    service_phone = Text(load_default='', max_length=32)
    pay_official_account_url = Text(
        load_default='',
        max_length=255,
        validate=validate.Regexp(r'^(https://\S+)?\Z', error='家长扫码缴费链接应为https://开头的网址'),
    )
    notices = Text(load_default='', max_length=2_000, multiline=True)
    suspension_delay_minutes = fields.Integer(
        required=True, strict=False, validate=validate.Range(0, 7 * 24 * 60, error='停保确认等待时间应为0至10080分钟')
    )
    remind_days_before_close = fields.Integer(
        required=True, strict=False, validate=validate.Range(0, 60, error='提醒天数应为0至60')
    )
    family_channel = Text(load_default='')
    face_verification = Text(load_default='')
    subsidised_match_required = Text(load_default='')
    id_photo_required = Text(load_default='')


#: Notices on every student's home page: a few lines, read on a phone.
MAX_NOTICES = 5


def zone_settings(form) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings form → (the zone's new settings, {}) or ({}, every problem named by field, in Chinese): the
    fields through ZoneSettingsForm, then what is checked across them (the flow, the templates, the window)."""
    schema = ZoneSettingsForm()
    loaded, errors = load_form(schema, form)
    raw = loaded or {name: _safe(form.get(name, '')) for name in schema.fields}
    try:
        stages = stages_of(raw['review_stages'])
    except ValueError:
        errors['review_stages'] = '请选择审核流程'
    templates, refused = message_templates.from_form(_template_fields(form, errors))
    for kind, message in refused.items():
        errors.setdefault(kind, message)  # a text the input rule refused is the row's first problem
    notices = [line.strip() for line in (raw.get('notices') or '').splitlines() if line.strip()]
    if len(notices) > MAX_NOTICES or any(len(line) > 200 for line in notices):
        errors['notices'] = f'首页通知最多{MAX_NOTICES}条，每条一行、不超过200字'
    opens, closes = (_day(raw.get(name)) for name in ('window_opens_at', 'window_closes_at'))
    if opens and closes and opens >= closes:
        errors['window_closes_at'] = '截止日期应晚于开始日期'
    if errors:
        return {}, errors
    return {
        'premium_fen': yuan_to_fen(loaded['premium_fen']),
        'year': loaded['year'],
        'window_opens_at': day_start(opens),
        'window_closes_at': day_end(closes),
        'review_stages': stages,
        'message_templates': templates,
        'suspension_delay_minutes': loaded['suspension_delay_minutes'],
        'remind_days_before_close': loaded['remind_days_before_close'],
        'pay_appid': loaded['pay_appid'],
        'pay_path_template': loaded['pay_path_template'],
        'family_appid': loaded['family_appid'] or None,
        'family_path_template': loaded['family_path_template'] or None,
        'service_phone': loaded['service_phone'] or None,
        'pay_official_account_url': loaded['pay_official_account_url'] or None,
        'notices': notices,
        'family_channel': loaded['family_channel'] == 'on',
        'face_verification': loaded['face_verification'] == 'on',
        'subsidised_match_required': loaded['subsidised_match_required'] == 'on',
        'id_photo_required': loaded['id_photo_required'] == 'on',
        'stage_names': {
            stage: _safe(form.get(f'stage_name_{stage}', ''))[:32]
            for stage in STAGES
            if _safe(form.get(f'stage_name_{stage}', ''))
        },
        'muted_kinds': [kind.value for kind in NotificationKind if form.get(f'push_{kind.value}') != 'on'],
    }, {}


def _safe(value: str) -> str:
    try:
        return clean_text(value, max_length=20_000, multiline=True)
    except InputRefused:
        return ''


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def _template_fields(form, errors: dict[str, str]) -> dict[str, str]:
    """The message templates' fields through the text rule; one refused is named under its kind's row."""
    cleaned = {}
    for name, value in form.items():
        if name.startswith('template_'):
            try:
                cleaned[name] = clean_text(value, max_length=2_000, multiline=True)
            except InputRefused as refused:
                errors[name.rsplit('_', 1)[0]] = refused.message
    return cleaned


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
    school = Text(load_default='', max_length=32)
    college = Text(load_default='', max_length=128)
    class_name = Text(load_default='', max_length=128)


def _required(message: str, *, max_length: int, also=()) -> Text:
    """A text field that must be filled: missing or blank (after trimming) both answer `message`."""
    return Text(
        required=True,
        max_length=max_length,
        validate=[validate.Length(min=1, error=message), *also],
        error_messages={'required': message},
    )


def _choice(options, message: str) -> Text:
    return Text(
        required=True,
        max_length=128,
        validate=validate.OneOf(list(options), error=message),
        error_messages={'required': message},
    )


class ReviewerForm(Schema):
    """新建审核账号. The rule then checks that the name is free and the school is the zone's."""

    username = _required(
        '用户名应为2至64位字母、数字、下划线',
        max_length=64,
        also=[validate.Regexp(r'^(?=.*[A-Za-z0-9])[A-Za-z0-9_.]{2,64}\Z', error='用户名应为2至64位字母、数字、下划线')],
    )
    display_name = Text(load_default=None, max_length=64)
    role = _choice((role.value for role in ReviewerRole), '请选择角色')
    school_id = Id(load_default=None, allow_none=True, message='请选择本专区的学校')
    college = Text(load_default=None, max_length=128)
    class_name = Text(load_default=None, max_length=128)

    @pre_load
    def _no_school(self, data, **kwargs):
        """The school select's empty choice (全专区) is no school."""
        return {**data, 'school_id': None} if data.get('school_id') == '' else data

    @validates_schema(skip_on_field_errors=False)
    def _scope(self, data, **kwargs):
        """The scope fields the role needs, each named under its own field."""
        role = data.get('role')
        lacking = missing_scope(ReviewerRole(role), data) if role else []
        missing = {field: f'该角色须填写{FIELD_NAMES[field]}' for field in lacking}
        if missing:
            raise ValidationError(missing)


def _action(options: list[str], message: str) -> Text:
    """The value of the button or hidden field a row's form sends: one of `options`, else `message`."""
    return Text(
        required=True,
        max_length=16,
        validate=validate.OneOf(options, error=message),
        error_messages={'required': message},
    )


class ActiveForm(Schema):
    active = _action(['0', '1'], '未知的账号操作')


class ResetForm(Schema):
    """重置密码: the account's session version as the list showed it, so a reset already done meanwhile is seen."""

    seen = fields.Integer(
        required=True,
        strict=False,
        validate=validate.Range(0, 2**31 - 1, error='请刷新页面后重试'),
        error_messages={'required': '请刷新页面后重试', 'invalid': '请刷新页面后重试'},
    )


class PasswordForm(Schema):
    current = fields.String(load_default='', validate=validate.Length(max=256, error='当前密码不正确'))
    password = fields.String(
        required=True,
        validate=validate.Length(MIN_PASSWORD, 256, error=f'密码应为{MIN_PASSWORD}至256位'),
        error_messages={'required': f'密码至少{MIN_PASSWORD}位'},
    )
    repeat = fields.String(load_default='', validate=validate.Length(max=256, error='两次输入的密码不一致'))

    @validates_schema
    def _same(self, data, **kwargs):
        if data['password'] != data['repeat']:
            raise ValidationError('两次输入的密码不一致', 'repeat')


class PhoneSuspensionForm(Schema):
    """登记电话停保: the student suspended the home-town enrolment by phone. The rule then checks the home town is
    not this zone."""

    name = _required('请填写姓名', max_length=64)
    id_number = _required('请填写身份证号码', max_length=32)
    origin_zone_code = Text(
        required=True,
        validate=validate.Regexp(r'^[0-9]{6}\Z', error='原参保地区划应为6位数字'),
        error_messages={'required': '原参保地区划应为6位数字'},
    )
    reason = _choice(SUSPENSION_REASONS, '请选择停保原因')
    suspend_from = Day(
        required=True,
        error_messages={'required': '请填写暂停日期', 'invalid': '暂停日期格式应为YYYY-MM-DD'},
    )
    note = _required('请填写电话办理情况（如对方经办人、受理编号）', max_length=200)

    @validates_schema(skip_on_field_errors=False)
    def _valid_id_number(self, data, **kwargs):
        if data.get('id_number'):
            try:
                validate_id_number('resident_id', data['id_number'])
            except InvalidIdNumber as invalid:
                raise ValidationError(invalid.message, 'id_number') from None

    @post_load
    def _normalised(self, data, **kwargs):
        """The number as it is stored and indexed (upper-case X, no spaces)."""
        return {**data, 'id_number': validate_id_number('resident_id', data['id_number']).number}


class SuspensionDecisionForm(Schema):
    decision = _action(['confirm', 'refuse'], '未知的停保处理操作')
    reason = Text(load_default='', max_length=200)

    @validates_schema
    def _refusal_says_why(self, data, **kwargs):
        if data['decision'] == 'refuse' and not data['reason']:
            raise ValidationError('请填写不予停保的原因', 'reason')


class ExemptForm(BackTo):
    """参保管理: a roster student who need not enrol here, with one of the reasons (其他 needs a note)."""

    reason = _choice(EXEMPT_REASONS, '请选择无需参保的原因')
    note = Text(load_default='', max_length=60)

    @validates_schema
    def _other_says_what(self, data, **kwargs):
        if data['reason'] == '其他' and not data['note']:
            raise ValidationError('选择“其他”时请填写具体原因', 'note')


class IdentityDecisionForm(Schema):
    decision = _action(['pass', 'fail'], '未知的核验操作')
    reason = Text(load_default=None, max_length=255, multiline=True)

    @validates_schema
    def _failure_says_why(self, data, **kwargs):
        # The student reads it and proves again: a refusal without a reason leaves them guessing.
        if data['decision'] == 'fail' and not (data.get('reason') or '').strip():
            raise ValidationError('请填写核验不通过的原因', 'reason')


class ImportForm(Schema):
    """The upload's kind; the workbook itself (field `file`) is checked as an archive by the import rules."""

    kind = _choice(IMPORT_KINDS, '请选择导入类型')
