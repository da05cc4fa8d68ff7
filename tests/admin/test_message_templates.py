"""A zone's message templates are edited as rows of the settings form (id, page, keyword=value lines), not JSON."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from markupsafe import escape

from miniapp_backend.demo import MESSAGE_TEMPLATES
from miniapp_backend.enrolment.messages import outbox, templates
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Notification, Zone
from miniapp_backend.models.enums import NotificationKind
from tests.admin.pages import login, notices, page_form, submit


@pytest.fixture
def zone_admin(client, create_reviewer, create_zone):
    create_zone(message_templates=MESSAGE_TEMPLATES)
    create_reviewer('admin', role='zone_admin')
    login(client, 'admin')
    return client


def _stored() -> dict:
    db.session.expire_all()
    return db.session.scalars(sa.select(Zone)).one().message_templates


def test_the_form_shows_each_kind_as_a_row_and_saving_it_unchanged_keeps_every_template(zone_admin):
    form = page_form(zone_admin, '/admin/settings')
    assert form.fields['template_approved_id'] == 'tpl-approved'
    assert form.fields['template_approved_page'] == 'pages/payment/payment'
    assert form.fields['template_returned_fields'].splitlines() == [
        'thing1=专区名称',
        'phrase2=办理结果',
        'thing3=退回或不通过原因',
    ]
    assert form.fields['template_revoked_id'] == ''  # the demo sets none: the rejection's is used
    saved = submit(zone_admin, form)
    assert saved.status_code == 302, saved.text
    assert _stored() == MESSAGE_TEMPLATES


def test_an_admin_sets_a_template_with_its_page_and_fields_and_messages_use_it(zone_admin, create_student):
    form = page_form(zone_admin, '/admin/settings')
    saved = submit(
        zone_admin,
        form,
        template_revoked_id='tpl-revoked-9',
        template_revoked_page='pages/messages/messages',
        template_revoked_fields='thing1 ＝ 专区名称\r\n\r\nthing3=reason\r\nphrase2=“已撤销”\r\n',
        template_paid_id='',
        template_paid_page='',
        template_paid_fields='',
    )
    assert saved.status_code == 302, saved.text
    stored = _stored()
    assert stored['revoked'] == {
        'template_id': 'tpl-revoked-9',
        'page': 'pages/messages/messages',
        'fields': {'thing1': 'zone_name', 'thing3': 'reason', 'phrase2': '已撤销'},
    }
    assert 'paid' not in stored
    change = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'zone_settings')).one()
    assert 'message_templates' in change.detail['changes']

    zone = db.session.scalars(sa.select(Zone)).one()
    student = create_student()
    outbox.write(
        NotificationKind.REVOKED,
        student_id=student.id,
        zone=zone,
        event_key='revoked-test',
        reason='重复登记',
    )
    db.session.commit()
    message = db.session.scalars(sa.select(Notification)).one()
    assert (message.template_id, message.page) == ('tpl-revoked-9', 'pages/messages/messages')
    assert message.data == {'thing1': zone.name, 'thing3': '重复登记', 'phrase2': '已撤销'}


def test_a_refused_row_is_shown_as_typed_and_nothing_is_saved(zone_admin):
    form = page_form(zone_admin, '/admin/settings')
    page = submit(zone_admin, form, template_approved_fields='thing1=zone_name\namount3 金额')
    assert page.status_code == 422
    assert '审核通过：字段第2行应为“关键词=取值”，如 thing1=专区名称' in page.text
    assert 'thing1=zone_name\namount3 金额</textarea>' in page.text
    assert _stored() == MESSAGE_TEMPLATES


def test_the_values_an_admin_may_name_are_the_ones_every_message_carries(zone):
    carried = outbox.message_values(NotificationKind.APPROVED, zone, None, None, None)
    assert set(templates.VALUES) == set(carried)
    assert set(outbox.DEFAULT_PAGES.values()) <= set(templates.PAGES)


def test_the_form_values_of_stored_templates_read_back_as_the_same_templates():
    shown = templates.form_values(MESSAGE_TEMPLATES)
    assert templates.from_form(shown) == (MESSAGE_TEMPLATES, {})


@pytest.mark.parametrize(
    ('lines', 'message'),
    [
        ('thing3=退回原因', '字段第1行的取值“退回原因”不是可用的名称；固定文字请加引号，如 phrase2="已撤销"'),
        ('phrase2="您已经缴费成功了"', '字段第1行：phrase2（状态）的固定文字应为1至5个汉字'),
        ('amount3="四百元整"', '字段第1行：amount3（金额）不能填固定文字，只能取应缴金额'),
        ('thing1=专区名称\nthing１=参保人姓名', '字段第2行应为“关键词=取值”，如 thing1=专区名称'),
        ('date2=参保人姓名', '字段第1行：date2（日期）只能取缴费截止日期'),
        ('letter1=专区名称', '字段第1行：本系统没有可填入letter1的内容，请选用其他模板'),
        ('', '请填写字段，每行一个“关键词=取值”，如 thing1=专区名称'),
    ],
)
def test_a_field_wechat_would_refuse_at_every_send_is_refused_when_saved(zone_admin, lines, message):
    """A misspelt value was sent as text, a date keyword took a name, thing１ was another keyword than thing1."""
    form = page_form(zone_admin, '/admin/settings')
    page = submit(zone_admin, form, template_returned_fields=lines)
    assert page.status_code == 422 and str(escape(f'已退回：{message}')) in page.text
    assert notices(page.text) == ['未保存：有1处需要修改，见下方红色提示']  # at the top, above the form
    assert _stored() == MESSAGE_TEMPLATES
