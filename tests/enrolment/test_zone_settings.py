"""Zone settings: the form validated together with every problem named, audited with exactly what changed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.zones import settings
from miniapp_backend.enrolment.zones.availability import check_window
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent
from schemas.admin import zone_settings as parse

ADMIN = Actor.reviewer(1, 'zone_admin')
FORM = {
    'premium_fen': '420',
    'year': '2027',
    'window_opens_at': '2026-09-01',
    'window_closes_at': '2026-12-31',
    'review_stages': 'counsellor, school',
    'suspension_delay_minutes': '15',
    'remind_days_before_close': '5',
    'pay_appid': 'wx-tax-appid',
    'pay_path_template': 'pages/pay/index',
}


def test_every_bad_field_is_named_at_once():
    form = {
        **FORM,
        'premium_fen': '-1',
        'review_stages': 'centre, dean',
        'window_closes_at': '2026-08-01',
        'pay_appid': '',
    }
    values, errors = parse(form)
    assert values == {} and set(errors) == {'premium_fen', 'review_stages', 'window_closes_at', 'pay_appid'}


def test_notices_and_the_parents_link_are_settings_with_their_own_refusals():
    values, errors = parse(
        {**FORM, 'notices': ' 第一条 \n\n第二条\r\n', 'pay_official_account_url': 'https://etax.example/pay'}
    )
    assert errors == {}
    assert (
        values['notices'] == ['第一条', '第二条'] and values['pay_official_account_url'] == 'https://etax.example/pay'
    )
    values, errors = parse(
        {**FORM, 'notices': '\n'.join('通知' for _ in range(6)), 'pay_official_account_url': 'javascript:x'}
    )
    assert errors == {
        'notices': '首页通知最多5条，每条一行、不超过200字',
        'pay_official_account_url': '家长扫码缴费链接应为https://开头的网址',
    }
    assert parse({**FORM, 'notices': '长' * 201})[1] == {'notices': '首页通知最多5条，每条一行、不超过200字'}
    assert parse(FORM)[0]['pay_official_account_url'] is None


def test_applying_records_only_what_changed(zone):
    changes = settings.apply(zone, parse(FORM)[0], ADMIN, settings.fingerprint(zone))
    assert zone.premium_fen == 42000 and zone.review_stages == ['counsellor', 'school']
    assert changes['premium_fen'] == [40000, 42000] and 'pay_appid' not in changes
    assert settings.apply(zone, parse(FORM)[0], ADMIN, settings.fingerprint(zone)) == {}
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'zone_settings')).all()
    assert len(events) == 1 and events[0].detail['changes'] == changes


def test_the_fingerprint_covers_every_field_the_form_writes(zone):
    values = parse(FORM)[0]
    assert set(values) == set(settings.FIELDS)
    shown = settings.fingerprint(zone)
    for field in settings.FIELDS:
        before = getattr(zone, field)
        setattr(zone, field, 'another value')
        assert settings.fingerprint(zone) != shown, field
        setattr(zone, field, before)
    assert settings.fingerprint(zone) == shown


def test_a_form_filled_before_another_admin_saved_is_refused_and_changes_nothing(zone):
    shown = settings.fingerprint(zone)
    settings.apply(zone, parse({**FORM, 'premium_fen': '380'})[0], ADMIN, shown)
    db.session.commit()
    try:
        settings.apply(zone, parse({**FORM, 'window_closes_at': '2027-01-15'})[0], ADMIN, shown)
        raise AssertionError('saved over the other admin')
    except settings.ChangedMeanwhile:
        db.session.rollback()
    db.session.expire_all()
    assert (zone.premium_fen, zone.window_closes_at.date().isoformat()) == (38000, '2026-12-31')


def test_an_audit_line_names_the_settings_a_save_changed(zone):
    assert set(parse(FORM)[0]) == set(labels.SETTING_NAMES)  # every setting the form writes has its name
    settings.apply(zone, parse(FORM)[0], ADMIN, settings.fingerprint(zone))
    [event] = settings.saved_since(zone, 0)
    line = labels.sentence(event, {1: '王老师'}, zone)
    named = '个人缴费标准、集中参保期开始、集中参保期截止、审核流程、推送给学生的消息、缴费页面路径模板、停保确认等待、截止前提醒天数'
    assert line.endswith(f'修改了专区设置（{named}）'), line
    assert line.startswith('审核员 王老师 于')
    assert settings.saved_since(zone, event.id) == []


def test_the_window_a_refusal_names_is_in_beijing_days(zone):
    """A window opening at 00:00 Beijing time on 1 September is 16:00 UTC on 31 August: named as 09-01."""
    zone.window_opens_at = settings.day_start(date(2026, 9, 1))
    zone.window_closes_at = settings.day_end(date(2026, 12, 31))
    with pytest.raises(EnrolmentError) as refused:
        check_window(zone, settings.day_end(date(2027, 1, 1)))
    assert refused.value.message.endswith('年度参保登记不在办理期内（2026-09-01至2026-12-31）'), refused.value.message
