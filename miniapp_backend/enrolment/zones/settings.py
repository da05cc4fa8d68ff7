"""Zone settings edited by zone admins: validated together, audited with what changed."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.models import Zone
from miniapp_backend.models.enums import NotificationKind

STAGES = ('centre', 'counsellor', 'college', 'school')
#: The review flows a zone picks from (seed 001: counsellor → college → school; DESIGN: the centre alone).
FLOWS = (('centre',), ('counsellor', 'college', 'school'), ('counsellor', 'college', 'school', 'centre'),
         ('school', 'centre'), ('college', 'school'))
SHANGHAI = timezone(timedelta(hours=8))


class SettingsError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__('invalid zone settings')
        self.errors = errors


def parse(form: dict[str, str]) -> dict[str, Any]:
    """Form strings → typed settings; every problem named by field, in Chinese."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def take(field, convert, message):
        try:
            values[field] = convert(form.get(field, '').strip())
        except (ValueError, TypeError, json.JSONDecodeError):
            errors[field] = message

    take('premium_fen', lambda v: _positive(round(float(v) * 100)), '保费应为大于0的金额（元）')
    take('year', lambda v: _between(int(v), 2020, 2100), '参保年度不正确')
    take('window_opens_at', _day_start, '开始日期格式应为YYYY-MM-DD')
    take('window_closes_at', _day_end, '截止日期格式应为YYYY-MM-DD')
    take('review_stages', _stages, '请选择审核流程')
    take('suspension_delay_minutes', lambda v: _between(int(v), 0, 7 * 24 * 60), '停保确认等待时间应为0至10080分钟')
    take('remind_days_before_close', lambda v: _between(int(v), 0, 60), '提醒天数应为0至60')
    take('message_templates', _templates, '消息模板应为JSON对象：{"approved": {"template_id": …, "fields": {…}}}')
    for field in ('pay_appid', 'pay_path_template', 'family_appid', 'family_path_template', 'service_phone'):
        values[field] = form.get(field, '').strip() or None
    values['family_channel'] = form.get('family_channel') == 'on'
    values['stage_names'] = {stage: form[f'stage_name_{stage}'].strip()[:32] for stage in STAGES
                             if form.get(f'stage_name_{stage}', '').strip()}
    values['muted_kinds'] = [kind.value for kind in NotificationKind if form.get(f'push_{kind.value}') != 'on']
    if not values.get('pay_appid'):
        errors['pay_appid'] = '请填写税务缴费小程序AppID'
    if 'window_opens_at' in values and 'window_closes_at' in values and values['window_opens_at'] >= values['window_closes_at']:
        errors['window_closes_at'] = '截止日期应晚于开始日期'
    if errors:
        raise SettingsError(errors)
    return values


def apply(zone: Zone, values: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Write the settings and audit what changed."""
    changes = {}
    for field, value in values.items():
        before = getattr(zone, field)
        if before != value:
            changes[field] = [_plain(before), _plain(value)]
            setattr(zone, field, value)
    if changes:
        audit.record(actor, 'zone_settings', zone_id=zone.id, changes=changes)
    return changes


def stage_flows(current: str) -> list[tuple[str, ...]]:
    """The flows offered in the settings form, the zone's current one first if it is not a preset."""
    stages = tuple(part for part in current.split(',') if part in STAGES)
    return list(FLOWS) if not stages or stages in FLOWS else [stages, *FLOWS]


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError
    return value


def _between(value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise ValueError
    return value


def _day_start(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time(0, 0), SHANGHAI).astimezone(timezone.utc)


def _day_end(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time(23, 59, 59), SHANGHAI).astimezone(timezone.utc)


def _stages(value: str) -> list[str]:
    stages = [part.strip() for part in value.replace('，', ',').split(',') if part.strip()]
    if not stages or any(stage not in STAGES for stage in stages) or len(set(stages)) != len(stages):
        raise ValueError
    return stages


def _templates(value: str) -> dict:
    parsed = json.loads(value or '{}')
    if not isinstance(parsed, dict) or not all(isinstance(v, dict) for v in parsed.values()):
        raise ValueError
    return parsed


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
