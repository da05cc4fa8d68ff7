"""Each admin form's refusals, posted through the form its page renders (schemas.admin): the Chinese message under
the field it is about (or, for a row's inline form, in the notice at the top), and not a row changed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.students.identity import name_index
from miniapp_backend.enrolment.suspension.request import record
from miniapp_backend.extensions import db
from miniapp_backend.models import IdentityProof, Registration, Reviewer, RosterEntry, Suspension, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.security.blind_index import blind_index
from tests.admin.pages import error_under, login, notices, page_form, submit
from tests.factories import make_id_number
from tests.hostile.values import row_counts

NEW_ACCOUNT = {'username': 'li', 'display_name': '李老师', 'role': 'centre_reviewer', 'school_id': ''}


@pytest.fixture
def unchanged():
    """Every table's row count and the given columns, the same after the refused post as before it."""

    class Snapshot:
        def __init__(self, *columns):
            self.columns = columns
            self.before = self._take()

        def _take(self):
            counts = row_counts(db)
            return counts, [sorted(db.session.execute(sa.select(column)).all(), key=str) for column in self.columns]

        def check(self):
            db.session.expire_all()
            assert self._take() == self.before

    return Snapshot


@pytest.mark.parametrize(
    ('changes', 'field', 'message'),
    [
        ({'username': 'x'}, 'username', '用户名应为2至64位字母、数字、下划线'),
        ({'username': '李四'}, 'username', '用户名应为2至64位字母、数字、下划线'),
        ({'username': '  '}, 'username', '用户名应为2至64位字母、数字、下划线'),
        ({'username': 'wang'}, 'username', '该用户名已被使用'),
        ({'role': ''}, 'role', '请选择角色'),
        ({'role': 'superuser'}, 'role', '请选择角色'),
        ({'role': 'school_admin', 'school_id': ''}, 'school_id', '该角色须填写学校'),
        ({'role': 'school_admin', 'school_id': '999999'}, 'school_id', '请选择本专区的学校'),
        ({'role': 'college_reviewer', 'school_id': 'first'}, 'college', '该角色须填写学院'),
        ({'role': 'counsellor', 'school_id': 'first', 'college': '计算机学院'}, 'class_name', '该角色须填写班级'),
        ({'display_name': '李' * 65}, 'display_name', '不能超过64个字符'),
        ({'college': '学院\n第二行'}, 'college', '不能包含控制字符或无法识别的字符'),
    ],
)
def test_a_new_account_is_refused_under_its_field(admin, zone, unchanged, changes, field, message):
    form = page_form(admin, '/admin/accounts')
    if changes.get('school_id') == 'first':
        changes = {**changes, 'school_id': str(zone.schools[0].id)}
    snapshot = unchanged(Reviewer.username, Reviewer.password_hash)
    page = submit(admin, form, **{**NEW_ACCOUNT, **changes})
    assert page.status_code == 422 and error_under(page.text, field) == message
    assert 'issued-password' not in page.text
    snapshot.check()


def test_enabling_or_disabling_takes_only_the_two_values_the_form_sends(admin, create_reviewer, unchanged):
    target = create_reviewer('liu')
    form = page_form(admin, '/admin/accounts', f'/admin/accounts/{target.id}/active')
    assert form.fields['active'] == '0'
    snapshot = unchanged(Reviewer.active, Reviewer.session_version)
    page = submit(admin, form, active='yes')
    assert notices(admin.get(page.headers['Location']).text) == ['未知的账号操作']
    snapshot.check()


@pytest.mark.parametrize(
    ('password', 'repeat', 'field', 'message'),
    [
        ('short', 'short', 'password', '密码应为8至256位'),
        ('', '', 'password', '密码应为8至256位'),
        ('x' * 257, 'x' * 257, 'password', '密码应为8至256位'),
        ('new-pass-123', 'new-pass-124', 'repeat', '两次输入的密码不一致'),
    ],
)
def test_a_new_password_is_refused_under_its_field(admin, unchanged, password, repeat, field, message):
    form = page_form(admin, '/admin/password')
    snapshot = unchanged(Reviewer.password_hash, Reviewer.must_change_password)
    page = submit(admin, form, current='review-pass-1', password=password, repeat=repeat)
    assert page.status_code == 422 and error_under(page.text, field) == message
    snapshot.check()


PHONE = {
    'name': '赵敏',
    'origin_zone_code': '340403',
    'reason': '参加职工医保',
    'suspend_from': '2026-12-31',
    'note': '淮南市医保中心 李工 受理号 HN-2026-118',
}


@pytest.mark.parametrize(
    ('changes', 'field', 'message'),
    [
        ({'name': ''}, 'name', '请填写姓名'),
        ({'name': '赵\x0b敏'}, 'name', '不能包含控制字符或无法识别的字符'),
        ({'name': '赵\u202e敏'}, 'name', '不能包含控制字符或无法识别的字符'),
        ({'id_number': ''}, 'id_number', '请填写身份证号码'),
        ({'id_number': '110101199003071234'}, 'id_number', '身份证号码校验位不正确，请核对'),
        ({'origin_zone_code': '34040'}, 'origin_zone_code', '原参保地区划应为6位数字'),
        ({'origin_zone_code': '３４０４０３'}, 'origin_zone_code', '原参保地区划应为6位数字'),
        ({'origin_zone_code': '341800'}, 'origin_zone_code', '原参保地不能是本专区'),
        ({'reason': ''}, 'reason', '请选择停保原因'),
        ({'reason': '想停就停'}, 'reason', '请选择停保原因'),
        ({'suspend_from': '2026-13-01'}, 'suspend_from', '暂停日期格式应为YYYY-MM-DD'),
        ({'suspend_from': '3026-01-01'}, 'suspend_from', '日期超出范围'),
        ({'note': ' '}, 'note', '请填写电话办理情况（如对方经办人、受理编号）'),
        ({'note': '受' * 201}, 'note', '不能超过200个字符'),
    ],
)
def test_a_phone_suspension_is_refused_under_its_field(
    client, create_reviewer, zone, unchanged, changes, field, message
):
    create_reviewer('liu')
    login(client, 'liu')
    form = page_form(client, '/admin/suspensions')
    snapshot = unchanged()
    page = submit(client, form, **{**PHONE, 'id_number': make_id_number(), **changes})
    assert page.status_code == 422
    assert error_under(page.text, field) == message
    assert field == 'note' or 'HN-2026-118' in page.text  # what was typed stays in the form
    snapshot.check()


@pytest.mark.parametrize(
    ('button', 'reason', 'message'),
    [
        (('decision', 'refuse'), '', '请填写不予停保的原因'),
        (None, '', '未知的停保处理操作'),
        (('decision', 'confirm'), '说明' * 101, '不能超过200个字符'),
        (('decision', 'refuse'), '原因\x00', None),
    ],
)
def test_a_decision_on_a_suspension_is_refused(
    client, create_reviewer, zone, create_student, unchanged, button, reason, message
):
    create_reviewer('liu')
    someone = create_student(zone=zone)
    pending = record('530000', make_id_number(), '甲', '参加职工医保', date(2026, 12, 31), utcnow(), student=someone)
    db.session.commit()
    login(client, 'liu')
    form = page_form(client, '/admin/suspensions', f'/admin/suspensions/{pending.id}/decision')
    snapshot = unchanged(Suspension.status, Suspension.message)
    response = submit(client, form, button, reason=reason)
    if message is None:  # a NUL is refused before any view runs
        assert response.status_code == 400
    else:
        assert notices(client.get(response.headers['Location']).text) == [f'甲：{message}']  # the person named
    snapshot.check()


@pytest.fixture
def roster_entry(zone):
    number = make_id_number()
    entry = RosterEntry(
        zone_id=zone.id,
        year=zone.year,
        school=zone.schools[0],
        student_no='20220001',
        name='学生甲',
        id_number=number,
        id_index=blind_index(number),
        college='计算机与信息学院',
        class_name='计算机22-1班',
        enrolment_year=2022,
    )
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.mark.parametrize(
    ('values', 'message'),
    [
        ({'reason': ''}, '请选择无需参保的原因'),
        ({'reason': '不想交'}, '请选择无需参保的原因'),
        ({'reason': '其他', 'note': ''}, '选择“其他”时请填写具体原因'),
        ({'reason': '其他', 'note': '说' * 61}, '不能超过60个字符'),
    ],
)
def test_an_exemption_is_refused_and_the_list_says_why(admin, roster_entry, unchanged, values, message):
    form = page_form(admin, '/admin/roster', f'/admin/roster/{roster_entry.id}/exempt')
    assert form.fields['next'].startswith('/admin/roster')
    snapshot = unchanged(RosterEntry.exempt_reason)
    response = submit(admin, form, **values)
    assert response.headers['Location'].rstrip('?') == form.fields['next'].rstrip('?')
    # named: the notice shows at the top of a long list
    assert notices(admin.get(response.headers['Location']).text) == [f'{roster_entry.name}：{message}']
    snapshot.check()


@pytest.mark.parametrize(
    'elsewhere', ['https://evil.example/admin/', '//evil.example/admin/', '/admin//evil.example', '']
)
def test_a_row_form_returns_only_to_a_page_of_the_admin_site(admin, roster_entry, elsewhere):
    form = page_form(admin, '/admin/roster', f'/admin/roster/{roster_entry.id}/exempt')
    response = submit(admin, form, reason='已毕业或离校', next=elsewhere)
    assert response.headers['Location'] == '/admin/roster'
    db.session.expire_all()
    assert roster_entry.exempt_reason == '已毕业或离校'  # the mark itself was fine


def test_an_identity_decision_is_refused(admin, zone, student, unchanged):
    number = make_id_number()
    proof = IdentityProof(
        student_id=student.id,
        zone_id=zone.id,
        method='centre',
        status='pending',
        id_index=blind_index(number),
        name_index=name_index('张晓雨'),
        id_number=number,
        name='张晓雨',
        photo=b'\xff\xd8 photo',
        photo_type='image/jpeg',
    )
    db.session.add(proof)
    db.session.commit()
    form = page_form(admin, '/admin/identity', f'/admin/identity/{proof.id}/decision')
    snapshot = unchanged(IdentityProof.status, IdentityProof.review_reason)
    unknown = submit(admin, form, reason='')
    assert unknown.status_code == 400 and '未知的核验操作' in unknown.text
    too_long = submit(admin, form, ('decision', 'fail'), reason='照' * 256)
    assert too_long.status_code == 400 and '不能超过255个字符' in too_long.text
    silent = submit(admin, form, ('decision', 'fail'), reason='  ')
    assert silent.status_code == 400 and '请填写核验不通过的原因' in silent.text
    snapshot.check()
    created = db.session.get(IdentityProof, proof.id).created_at
    assert labels.beijing(created) in admin.get('/admin/identity').text  # the time a reviewer reads: Beijing's


def test_an_upload_of_no_known_kind_is_refused(admin, unchanged):
    form = page_form(admin, '/admin/imports')
    snapshot = unchanged()
    for kind in ('', 'everything'):
        response = admin.post(form.action, data={**form.fields, 'kind': kind}, content_type='multipart/form-data')
        assert notices(admin.get(response.headers['Location']).text) == ['请选择导入类型']
    snapshot.check()


def test_cash_forms_refuse_a_tampered_token(admin, zone, student, create_registration, unchanged):
    registration = create_registration(student, zone, status='approved', amount_due_fen=40000)
    single = page_form(admin, f'/admin/registrations/{registration.id}', f'/admin/registrations/{registration.id}/cash')
    batch = page_form(admin, '/admin/payments', '/admin/payments/cash')
    cases = [
        (single, {'amount': '400.00', 'idempotency_key': '<script>'}, '表单已失效，请刷新页面后重试'),
        (batch, {'ids': str(registration.id), 'idempotency_key': 'x' * 41}, '表单已失效，请刷新页面后重试'),
        (single, {'amount': '400.001'}, '请输入正确的缴费金额（元），最多两位小数'),
    ]
    for form, values, message in cases:
        snapshot = unchanged(Registration.status)
        response = submit(admin, form, **values)
        snapshot.check()
        assert notices(admin.get(response.headers['Location']).text) == [message]  # (opening a record is audited)


@pytest.mark.parametrize(
    ('changes', 'field', 'message'),
    [
        ({'premium_fen': '-1'}, 'premium_fen', '保费应为大于0的金额（元），最多两位小数'),
        ({'premium_fen': '380.001'}, 'premium_fen', '保费应为大于0的金额（元），最多两位小数'),
        ({'year': '1999'}, 'year', '参保年度不正确'),
        ({'window_closes_at': '2000-01-01'}, 'window_closes_at', '截止日期应晚于开始日期'),
        ({'window_opens_at': '2026-02-30'}, 'window_opens_at', '开始日期格式应为YYYY-MM-DD'),
        ({'review_stages': 'centre,dean'}, 'review_stages', '请选择审核流程'),
        ({'pay_appid': ''}, 'pay_appid', '请填写税务缴费小程序AppID'),
        (
            {'pay_path_template': 'pages/pay/index?zone={zone}&ref={ref}'},
            'pay_path_template',
            '路径模板只能使用{zone_code}{year}{ref}，花括号须成对',
        ),
        (
            {'family_path_template': 'pages/family/index?ref={ref'},
            'family_path_template',
            '路径模板只能使用{zone_code}{year}{ref}，花括号须成对',
        ),
        ({'template_paid_id': 'tpl paid'}, 'template_paid_fields', '缴费成功：模板ID只能包含字母、数字、-和_'),
        ({'template_paid_id': '', 'template_paid_fields': 'thing1=zone_name'}, 'template_paid_fields', None),
        (
            {'template_paid_id': 'tpl-paid', 'template_paid_fields': 'thing1=zone_name\nweather2=status'},
            'template_paid_fields',
            None,
        ),
        (
            {'template_paid_id': 'tpl-paid', 'template_paid_fields': 'thing1=zone_name\nthing1=status'},
            'template_paid_fields',
            '缴费成功：字段第2行的关键词thing1重复',
        ),
        (
            {'template_paid_id': 'tpl-paid', 'template_paid_page': 'pages/admin/secret'},
            'template_paid_fields',
            '缴费成功：请选择消息打开的页面',
        ),
        (
            {'template_paid_id': 'tpl-paid', 'template_paid_fields': 'thing1=\u202e'},
            'template_paid_fields',
            '不能包含控制字符或无法识别的字符',
        ),
    ],
)
def test_zone_settings_are_refused_under_their_field(admin, zone, unchanged, changes, field, message):
    form = page_form(admin, '/admin/settings')
    snapshot = unchanged(Zone.premium_fen, Zone.year, Zone.window_closes_at, Zone.review_stages, Zone.pay_appid)
    page = submit(admin, form, **changes)
    assert page.status_code == 422
    shown = error_under(page.text, field)
    assert shown == message if message else shown.startswith('缴费成功：'), shown
    snapshot.check()
