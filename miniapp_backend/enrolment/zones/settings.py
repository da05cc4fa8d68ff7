"""Zone settings edited by zone admins: validated together, audited with what changed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.inputs import InputRefused, clean_text, load_form, loads_strict, unstorable_strings, yuan_to_fen
from miniapp_backend.models import Zone
from miniapp_backend.models.enums import NotificationKind
from schemas.admin import ZoneSettingsForm

STAGES = ('centre', 'counsellor', 'college', 'school')
#: The review flows a zone picks from (seed 001: counsellor → college → school; DESIGN: the centre alone).
FLOWS = (
    ('centre',),
    ('counsellor', 'college', 'school'),
    ('counsellor', 'college', 'school', 'centre'),
    ('school', 'centre'),
    ('college', 'school'),
)
SHANGHAI = timezone(timedelta(hours=8))


class SettingsError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__('invalid zone settings')
        self.errors = errors


def parse(form) -> dict[str, Any]:
    """Form fields → typed settings through ZoneSettingsForm; every problem named by field, in Chinese."""
    schema = ZoneSettingsForm()
    loaded, errors = load_form(schema, form)
    raw = loaded or {name: _safe(form.get(name, '')) for name in schema.fields}
    try:
        stages = _stages(raw['review_stages'])
    except ValueError:
        errors['review_stages'] = '请选择审核流程'
    try:
        templates = _templates(loads_strict(raw['message_templates'] or '{}'))
    except (InputRefused, ValueError):
        errors['message_templates'] = '消息模板应为JSON对象：{"approved": {"template_id": …, "fields": {…}}}'
    opens, closes = (_day(raw.get(name)) for name in ('window_opens_at', 'window_closes_at'))
    if opens and closes and opens >= closes:
        errors['window_closes_at'] = '截止日期应晚于开始日期'
    if errors:
        raise SettingsError(errors)
    return {
        'premium_fen': yuan_to_fen(loaded['premium_fen']),
        'year': loaded['year'],
        'window_opens_at': _day_start(opens),
        'window_closes_at': _day_end(closes),
        'review_stages': stages,
        'message_templates': templates,
        'suspension_delay_minutes': loaded['suspension_delay_minutes'],
        'remind_days_before_close': loaded['remind_days_before_close'],
        'pay_appid': loaded['pay_appid'],
        'pay_path_template': loaded['pay_path_template'],
        'family_appid': loaded['family_appid'] or None,
        'family_path_template': loaded['family_path_template'] or None,
        'service_phone': loaded['service_phone'] or None,
        'family_channel': loaded['family_channel'] == 'on',
        'face_verification': loaded['face_verification'] == 'on',
        'subsidised_match_required': loaded['subsidised_match_required'] == 'on',
        'stage_names': {
            stage: _safe(form.get(f'stage_name_{stage}', ''))[:32]
            for stage in STAGES
            if _safe(form.get(f'stage_name_{stage}', ''))
        },
        'muted_kinds': [kind.value for kind in NotificationKind if form.get(f'push_{kind.value}') != 'on'],
    }


def stage_flows(current: str) -> list[tuple[str, ...]]:
    """The flows offered in the settings form, the zone's current one first if it is not a preset."""
    stages = tuple(part for part in current.split(',') if part in STAGES)
    return list(FLOWS) if not stages or stages in FLOWS else [stages, *FLOWS]


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


def _day_start(value: date) -> datetime:
    return datetime.combine(value, time(0, 0), SHANGHAI).astimezone(UTC)


def _day_end(value: date) -> datetime:
    return datetime.combine(value, time(23, 59, 59), SHANGHAI).astimezone(UTC)


def _stages(value: str) -> list[str]:
    stages = [part.strip() for part in value.replace('，', ',').split(',') if part.strip()]
    if not stages or any(stage not in STAGES for stage in stages) or len(set(stages)) != len(stages):
        raise ValueError
    return stages


def _templates(parsed: Any) -> dict:
    if unstorable_strings(parsed):
        raise ValueError
    if not isinstance(parsed, dict) or not all(isinstance(v, dict) for v in parsed.values()):
        raise ValueError
    return parsed


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
