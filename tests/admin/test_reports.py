"""Statistics, audit log, insured register and zone settings."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from miniapp_backend.enrolment.payment.record import record_payment
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, InsuredPerson, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.security.blind_index import blind_index
from tests.admin.pages import csrf_token, decision_fields, login, notices, page_form
from tests.factories import make_id_number


def _paid_and_pending(zone, create_student, create_registration):
    paid = create_registration(create_student(), zone, status='approved', amount_due_fen=40000, submitted_at=utcnow())
    record_payment(paid, amount_fen=40000, paid_at=utcnow(), voucher_no='V1', channel='tax', source='gateway')
    create_registration(create_student(), zone, status='submitted', submitted_at=utcnow())
    db.session.commit()


def test_statistics_page_and_export(client, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    _paid_and_pending(zone, create_student, create_registration)
    login(client, 'centre')
    page = client.get('/admin/statistics').text
    assert '<svg' in page and '累计缴费 1' in page and '累计提交 2' in page
    assert '参保成功' in page and '400.00' in page and '税务系统缴费' in page
    export = client.get('/admin/statistics?format=xlsx')
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0] == ('分组', '项目', '人数', '应缴金额(元)', '已缴金额(元)')
    assert ('按状态', '参保成功', 1, 400, 400) in rows


def test_statistics_respect_scope(client, create_reviewer, create_zone, create_student, create_registration):
    qingdao = create_zone('370200', '青岛市', review_stages=['counsellor', 'college', 'school'])
    create_reviewer(
        'counsellor',
        role='counsellor',
        zone_code='370200',
        school_code='S370200',
        college='计算机与信息学院',
        class_name='其他班',
    )
    create_registration(create_student(), qingdao, status='submitted')
    login(client, 'counsellor')
    assert '暂无数据' in client.get('/admin/statistics').text


def test_audit_log_lists_and_filters(client, create_reviewer, zone, student, create_registration):
    create_reviewer('centre')
    registration = create_registration(student, zone, status='submitted')
    login(client, 'centre')
    client.get(f'/admin/registrations/{registration.id}')
    page = client.get('/admin/audit?action=open_record').text
    assert '查看了记录' in page and '>open_record<' not in page and f'>{registration.id}</a>' in page
    rows = list(load_workbook(io.BytesIO(client.get('/admin/audit?format=xlsx').data)).active.values)
    assert rows[0][0] == '时间（北京时间）' and any(r[3] == '查看了记录' and '查看了记录' in r[8] for r in rows[1:])


def test_register_page_masks_id_numbers(client, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    _paid_and_pending(zone, create_student, create_registration)
    login(client, 'centre')
    page = client.get('/admin/register').text
    assert '********' in page and '正常参保' in page


def _settings_form(client, **changes):
    form = {
        'premium_fen': '420.00',
        'year': '2027',
        'window_opens_at': '2026-09-01',
        'window_closes_at': '2026-12-31',
        'review_stages': 'counsellor,college,school',
        'pay_appid': 'wx-tax',
        'pay_path_template': 'pages/pay',
        'suspension_delay_minutes': '15',
        'remind_days_before_close': '5',
        'template_approved_id': 't1',
        'template_approved_fields': 'thing1=zone_name',
    }
    shown = page_form(client, '/admin/settings').fields  # the token and the settings' fingerprint, as rendered
    form.update(csrf_token=shown['csrf_token'], shown=shown['shown'], since=shown['since'], **changes)
    return form


def test_zone_admin_edits_settings_with_audit(client, create_reviewer, zone):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    response = client.post('/admin/settings', data=_settings_form(client), follow_redirects=True)
    assert '已保存' in response.text
    db.session.expire_all()
    zone = db.session.scalars(sa.select(Zone)).one()
    assert (zone.premium_fen, zone.review_stages, zone.suspension_delay_minutes) == (
        42000,
        ['counsellor', 'college', 'school'],
        15,
    )
    assert zone.window_closes_at.isoformat() == '2026-12-31T15:59:59+00:00'
    change = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'zone_settings')).one()
    assert change.detail['changes']['premium_fen'] == [40000, 42000]


def test_bad_settings_are_named_and_change_nothing(client, create_reviewer, zone):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    form = _settings_form(
        client,
        premium_fen='-1',
        review_stages='dean',
        window_closes_at='2026-08-01',
        template_approved_fields='thing1 zone_name',
    )
    page = client.post('/admin/settings', data=form).text
    for message in ('保费应为大于0的金额', '请选择审核流程', '截止日期应晚于开始日期', '审核通过：字段第1行应为'):
        assert message in page
    db.session.expire_all()
    assert db.session.scalars(sa.select(Zone)).one().premium_fen == 40000


def test_a_refused_settings_form_comes_back_as_it_was_sent(client, create_reviewer, zone):
    """Stage names typed and boxes ticked stay when one field is refused (they went back to the saved values)."""
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    form = _settings_form(
        client, premium_fen='-1', stage_name_centre='市医保中心复核', id_photo_required='on', push_paid='on'
    )
    page = client.post('/admin/settings', data=form).text
    assert '保费应为大于0的金额' in page
    assert 'name="stage_name_centre" value="市医保中心复核"' in page
    assert re.search(r'name="id_photo_required" checked', page) and re.search(r'name="push_paid" checked', page)
    assert not re.search(r'name="push_approved" checked', page)  # unticked in what was sent
    db.session.expire_all()
    assert db.session.scalars(sa.select(Zone)).one().stage_names in (None, {})


def test_only_zone_admins_edit_settings(client, create_reviewer, zone):
    create_reviewer('centre')
    login(client, 'centre')
    assert client.get('/admin/settings').status_code == 403


def test_payments_page_batch_cash_and_export(client, create_reviewer, zone, create_student, create_registration):
    create_reviewer('centre')
    first, second = (
        create_registration(create_student(), zone, status='approved', amount_due_fen=40000) for _ in range(2)
    )
    login(client, 'centre')
    assert first.name in client.get('/admin/payments').text
    none = client.post(
        '/admin/payments/cash', data={'csrf_token': csrf_token(client, '/admin/')}, follow_redirects=True
    )
    assert notices(none.text) == ['请先勾选要登记现金缴费的人员']
    response = client.post(
        '/admin/payments/cash',
        data={'ids': [str(first.id), str(second.id)], 'csrf_token': csrf_token(client, '/admin/')},
        follow_redirects=True,
    )
    assert '成功2条' in response.text
    db.session.expire_all()
    assert (first.status, second.status, first.payment_channel) == ('paid', 'paid', 'cash')
    rows = list(load_workbook(io.BytesIO(client.get('/admin/payments?format=xlsx').data)).active.values)
    assert rows[1][3] == '参保成功' and '*' in rows[1][1]


def test_the_payments_page_is_searched_and_filtered_and_exports_what_it_shows(
    client, create_reviewer, zone, create_student, create_registration
):
    create_reviewer('centre')
    unpaid = create_registration(create_student(), zone, status='approved', amount_due_fen=40000, name='赵一')
    paid = create_registration(create_student(), zone, status='paid', amount_due_fen=40000, name='赵二')
    other = create_registration(create_student(), zone, status='expired', amount_due_fen=40000, name='钱三')
    login(client, 'centre')

    def listed(**query):
        page = client.get('/admin/payments', query_string=query)
        assert page.status_code == 200
        return sorted(re.findall(r'/admin/registrations/\d+">([^<]+)</a>', page.text))

    assert listed() == ['赵一', '赵二', '钱三']
    assert listed(q='赵') == ['赵一', '赵二']
    assert listed(q='赵', status='paid') == ['赵二']
    assert listed(q=other.id_number) == ['钱三']
    assert listed(status='approved') == [unpaid.name]
    assert client.get('/admin/payments', query_string={'q': 'x' * 65}).status_code == 400
    rows = list(load_workbook(io.BytesIO(client.get('/admin/payments?format=xlsx&status=paid').data)).active.values)
    assert len(rows) == 2 and rows[1][0] == paid.name


def test_queue_export_masks_personal_data(client, create_reviewer, zone, student, create_registration):
    create_reviewer('centre')
    registration = create_registration(student, zone, status='submitted')
    login(client, 'centre')
    rows = list(load_workbook(io.BytesIO(client.get('/admin/?format=xlsx').data)).active.values)
    assert rows[1][0] == registration.id and registration.id_number not in str(rows) and '139****5205' in rows[1]
    assert rows[1][-1] == '医保中心审核'  # the stage by its name, not its code (centre)


def test_subsidised_list_is_shown_on_matching_records(client, create_reviewer, zone, student, create_registration):
    from miniapp_backend.models import SubsidisedPerson

    create_reviewer('centre')
    registration = create_registration(student, zone, status='submitted')
    db.session.add(
        SubsidisedPerson(
            id_index=registration.id_index,
            zone_id=zone.id,
            year=zone.year,
            category='subsistence_allowance',
            source='民政局',
        )
    )
    db.session.commit()
    login(client, 'centre')
    assert '资助参保名单：低保对象（民政局）' in client.get(f'/admin/registrations/{registration.id}').text


def test_demo_reviewer_walks_the_seeded_registration_to_paid(app, client):
    from miniapp_backend.models import Registration

    runner = app.test_cli_runner()
    runner.invoke(args=['seed-demo', '--no-schools'])
    registration = db.session.scalars(sa.select(Registration)).one()
    assert registration.status == 'submitted'
    login(client, 'demo', 'demo-2026')
    assert registration.name in client.get('/admin/').text
    token = csrf_token(client, '/admin/')
    shown = decision_fields(client, registration.id)
    client.post(f'/admin/registrations/{registration.id}/decision', data={'decision': 'approve', **shown})
    client.post(f'/admin/registrations/{registration.id}/cash', data={'amount': '400', 'csrf_token': token})
    db.session.expire_all()
    assert registration.status == 'paid'


def test_settings_name_stages_and_choose_the_messages_pushed(client, create_reviewer, zone):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    page = client.get('/admin/settings').text
    assert '辅导员审核 → 学院审核 → 学校审核' in page and '已受理' in page
    assert '登记须上传参保人身份证照片方可提交' in page
    form = _settings_form(
        client, stage_name_centre='市医保中心复核', push_approved='on', push_submitted='on', id_photo_required='on'
    )
    assert '已保存' in client.post('/admin/settings', data=form, follow_redirects=True).text
    db.session.expire_all()
    zone = db.session.scalars(sa.select(Zone)).one()
    assert zone.id_photo_required is True
    assert zone.stage_names == {'centre': '市医保中心复核'}
    assert 'approved' not in zone.muted_kinds and 'submitted' not in zone.muted_kinds
    assert 'returned' in zone.muted_kinds


def test_a_zone_without_review_approves_a_submission_at_once_and_the_student_pays(
    client, create_reviewer, zone, fake_wechat
):
    """Seed 002 (宣城专区): 登记成功跳转缴费. The zone admin picks 无需审核; a submission is approved and payable."""
    from tests.api.conftest import StudentClient
    from tests.factories import registration_fields

    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    assert '无需审核（学生提交登记后直接缴费）' in client.get('/admin/settings').text
    today = date.today()
    window = {
        'year': str(zone.year),
        'window_opens_at': (today - timedelta(days=30)).isoformat(),
        'window_closes_at': (today + timedelta(days=30)).isoformat(),
    }
    form = _settings_form(client, review_stages='none', push_approved='on', push_submitted='on', **window)
    saved = client.post('/admin/settings', data=form, follow_redirects=True)
    assert '已保存' in saved.text
    assert re.search(r'<option value="none" selected>无需审核', client.get('/admin/settings').text)
    db.session.expire_all()
    assert db.session.scalars(sa.select(Zone.review_stages)).one() == []

    student = StudentClient(client.application.test_client(), 'no-review')
    student.put('/me/zone', json={'zone_code': zone.code})
    assert student.get('/me').json['zone']['review_stages'] == []
    created = student.post('/registrations', json=registration_fields(zone_code=zone.code)).json
    submitted = student.post(f'/registrations/{created["id"]}/submit').json
    assert (submitted['status'], submitted['stage'], submitted['amount_due_fen']) == ('approved', None, 42000)
    assert student.get('/me').json['next_action'] == 'pay'
    assert student.get(f'/registrations/{created["id"]}/payment').status_code == 200
    [message] = student.get('/me/messages').json['messages']
    assert (message['kind'], message['title']) == ('approved', '参保登记成功，请缴费')  # nothing was 审核通过


@pytest.mark.parametrize('since', ['²', '¹²', '2147483648', '999999999999999999', '-1', ''])
def test_a_conflicting_save_whose_form_says_nothing_usable_of_when_it_was_shown_gets_the_plain_notice(
    client, create_reviewer, zone, since
):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    stale = _settings_form(client, premium_fen='380.00')
    assert '已保存' in client.post('/admin/settings', data=_settings_form(client), follow_redirects=True).text
    refused = client.post('/admin/settings', data={**stale, 'since': since})
    assert refused.status_code == 409
    assert notices(refused.text) == [
        '专区设置在您打开本页后已被修改。您的修改未保存，下面是最新的设置，请重新修改后保存'
    ]


def test_a_zone_admin_writes_the_students_home_notices_and_the_parents_qr_link(client, create_reviewer, zone):
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    form = _settings_form(
        client,
        notices='2028年度集中参保期：9月1日至12月31日\n咨询：0563-3022563',
        pay_official_account_url='https://etax.example/pay',
    )
    assert '已保存' in client.post('/admin/settings', data=form, follow_redirects=True).text
    page = client.get('/admin/settings').text
    assert '2028年度集中参保期：9月1日至12月31日\n咨询：0563-3022563</textarea>' in page
    db.session.expire_all()
    zone = db.session.scalars(sa.select(Zone)).one()  # GET /config sends these notices; the QR encodes the link
    assert zone.notices == ['2028年度集中参保期：9月1日至12月31日', '咨询：0563-3022563']
    assert zone.pay_official_account_url == 'https://etax.example/pay'


def test_a_settings_form_opened_before_another_admin_saved_is_refused(app, create_reviewer, zone):
    """Two admins open the page; the first lowers the premium, the second, from the page as it was, moves the
    window's end: the second save is refused (it would have put the old premium back), names who changed what
    since the page was opened, and shows the new settings."""
    create_reviewer('admin', role='zone_admin')
    create_reviewer('wang', role='zone_admin')
    client, other = app.test_client(), app.test_client()
    login(client, 'admin'), login(other, 'wang')
    assert '已保存' in client.post('/admin/settings', data=_settings_form(client), follow_redirects=True).text
    first, second = _settings_form(other, premium_fen='380.00'), _settings_form(client, window_closes_at='2027-01-15')
    assert '已保存' in other.post('/admin/settings', data=first, follow_redirects=True).text
    refused = client.post('/admin/settings', data=second)
    assert refused.status_code == 409
    [notice] = notices(refused.text)
    assert re.fullmatch(
        r'专区设置在您打开本页后已被修改：审核员 wang 于 \d\d-\d\d \d\d:\d\d 修改了专区设置（个人缴费标准）。'
        r'您的修改未保存，下面是最新的设置，请重新修改后保存',
        notice,
    ), notice
    assert 'value="380.00"' in refused.text
    db.session.expire_all()
    zone = db.session.scalars(sa.select(Zone)).one()
    assert (zone.premium_fen, zone.window_closes_at.isoformat()) == (38000, '2026-12-31T15:59:59+00:00')
    # Filled again from the page it was shown, the second admin's change is saved beside the first one's.
    again = _settings_form(client, premium_fen='380.00', window_closes_at='2027-01-15')
    assert '已保存' in client.post('/admin/settings', data=again, follow_redirects=True).text
    db.session.expire_all()
    zone = db.session.scalars(sa.select(Zone)).one()
    assert (zone.premium_fen, zone.window_closes_at.isoformat()) == (38000, '2027-01-15T15:59:59+00:00')


def test_the_register_is_searched_by_id_number_or_name_and_by_status(client, create_reviewer, zone):
    """Seed 004: the register queried by person and by 参保状态; the export carries the same filters."""
    people = [
        ('王宣', make_id_number(), 'normal'),
        ('王宁', make_id_number(), 'suspended'),
        ('李云', make_id_number(), 'normal'),
    ]
    for name, number, status in people:
        db.session.add(
            InsuredPerson(
                id_index=blind_index(number),
                id_number=number,
                name=name,
                zone=zone,
                status=status,
                since=date(2026, 1, 1),
                source='roster',
            )
        )
    db.session.commit()
    create_reviewer('centre')
    login(client, 'centre')

    def names(**query):
        page = client.get('/admin/register', query_string=query)
        assert page.status_code == 200
        return sorted(re.findall(r'<tr><td>([^<]+)</td><td>\d{6}\*', page.text))

    assert names() == ['李云', '王宁', '王宣']
    assert names(q=people[2][1]) == ['李云']
    assert names(q=people[2][1].lower()) == ['李云']
    assert names(q='王') == ['王宁', '王宣']
    assert names(q='王', status='normal') == ['王宣']
    assert names(status='suspended') == ['王宁']
    assert client.get('/admin/register', query_string={'status': 'x' * 40}).status_code == 400
    rows = list(load_workbook(io.BytesIO(client.get('/admin/register?format=xlsx&q=王').data)).active.values)
    assert sorted(row[0] for row in rows[1:]) == ['王宁', '王宣']


def test_downloads_are_named_in_chinese_with_the_day(client, create_reviewer, zone):
    """Two exports of one day were both registrations.xlsx; staff save them side by side."""
    from urllib.parse import unquote

    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    day = f'{datetime.now(timezone(timedelta(hours=8))):%Y%m%d}'
    for path, name in (
        ('/admin/?format=xlsx', f'参保登记-{day}.xlsx'),
        ('/admin/payments?format=xlsx', f'缴费-{day}.xlsx'),
        ('/admin/statistics?format=xlsx', f'统计-{day}.xlsx'),
        ('/admin/imports/templates/school_roster.xlsx', f'学籍名单导入模板-{day}.xlsx'),
    ):
        disposition = client.get(path).headers['Content-Disposition']
        assert disposition.startswith('attachment') and unquote(disposition.split("UTF-8''")[1]) == name, disposition
