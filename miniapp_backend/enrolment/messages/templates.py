"""A zone's subscription-message templates as its admin edits them: per kind a template id, the page the message
opens and its fields, one `keyword=value` a line (thing1=专区名称), instead of the JSON they are stored as.

A field's value is one of the named values every message carries (`VALUES`), written as the admin reads it (专区名称)
or by its stored name (zone_name), or, if it is none of them, text sent as written (a fixed word the template
needs). WeChat refuses a keyword it does not know (thing, phrase, amount …
followed by its number), so those are checked here, where the admin can correct them, and not at the first send.
"""

from __future__ import annotations

import re
from typing import Any

from miniapp_backend.models.enums import NotificationKind

#: The values a template's field may name, with what the admin reads (outbox.message_values builds them).
VALUES = {
    'zone_name': '专区名称',
    'status': '办理结果',
    'title': '消息标题',
    'reason': '退回或不通过原因',
    'amount': '应缴金额',
    'deadline': '缴费截止日期',
    'year': '参保年度',
    'registration_no': '登记编号',
    'name': '参保人姓名',
    'summary': '标题和原因',
}

_BY_LABEL = {label: name for name, label in VALUES.items()}

#: The mini-program pages a message may open; none chosen, the kind's own (outbox.DEFAULT_PAGES).
PAGES = {
    'pages/home/home': '首页',
    'pages/register/register': '参保登记',
    'pages/payment/payment': '缴费',
    'pages/receipts/receipts': '缴费记录',
    'pages/suspension/suspension': '暂停原参保地参保',
    'pages/messages/messages': '消息',
}

#: WeChat's keyword types (订阅消息参数值内容限制), each followed by the keyword's number in the template.
_KEYWORD = re.compile(
    r'(thing|phrase|character_string|number|letter|symbol|amount|phone_number|car_number|name|time|date)\d{1,2}\Z'
)
_TEMPLATE_ID = re.compile(r'[A-Za-z0-9_-]{1,128}\Z')
#: Template fields WeChat shows (a template has at most this many keywords).
MAX_FIELDS = 10
MAX_LITERAL = 20


class TemplateRefused(ValueError):
    """One kind's template cannot be saved; the message, in Chinese, says which part and why."""


def usable(templates: Any) -> dict[str, dict[str, Any]]:
    """The stored templates every reader uses, each kind's only when well formed (a template id, fields of text by
    keyword, a page if any): one saved as JSON before the form checked it must not stop a zone's messages."""
    if not isinstance(templates, dict):
        return {}
    return {kind: template for kind, template in templates.items() if _well_formed(template)}


def _well_formed(template: Any) -> bool:
    if not isinstance(template, dict) or not isinstance(template.get('template_id'), str):
        return False
    fields, page = template.get('fields', {}), template.get('page')
    return (
        _TEMPLATE_ID.match(template['template_id']) is not None
        and isinstance(fields, dict)
        and all(isinstance(key, str) and isinstance(value, str) for key, value in fields.items())
        and (page is None or isinstance(page, str))
    )


def form_values(templates: Any) -> dict[str, str]:
    """The form's fields (`template_<kind>_id`, `_page`, `_fields`) for the stored templates."""
    shown = {}
    for kind, template in usable(templates).items():
        shown[f'template_{kind}_id'] = str(template.get('template_id') or '')
        shown[f'template_{kind}_page'] = str(template.get('page') or '')
        # In the template's order (thing1, phrase2 …): the database keeps a JSON object's keys in an order of its own.
        fields = sorted((template.get('fields') or {}).items(), key=lambda field: _number(field[0]))
        shown[f'template_{kind}_fields'] = '\n'.join(f'{key}={VALUES.get(value, value)}' for key, value in fields)
    return shown


def _number(keyword: str) -> tuple[int, str]:
    digits = keyword[len(keyword.rstrip('0123456789')) :]
    return (int(digits) if digits else 0, keyword)


def from_form(form: dict[str, str]) -> tuple[dict[str, dict], dict[str, str]]:
    """(the templates to store, {}) or ({}, every kind refused: `template_<kind>` → its message)."""
    templates, errors = {}, {}
    for kind in NotificationKind:
        prefix = f'template_{kind.value}'
        template_id, page, lines = (form.get(f'{prefix}_{part}', '').strip() for part in ('id', 'page', 'fields'))
        if not (template_id or page or lines):
            continue
        try:
            templates[kind.value] = _template(template_id, page, lines)
        except TemplateRefused as refused:
            errors[prefix] = f'{kind.label}：{refused}'
    return ({}, errors) if errors else (templates, {})


def _template(template_id: str, page: str, lines: str) -> dict[str, Any]:
    if not template_id:
        raise TemplateRefused('请填写模板ID，不用此消息模板请把本行清空')
    if not _TEMPLATE_ID.match(template_id):
        raise TemplateRefused('模板ID只能包含字母、数字、-和_')
    if page and page not in PAGES:
        raise TemplateRefused('请选择消息打开的页面')
    template: dict[str, Any] = {'template_id': template_id, 'fields': _fields(lines)}
    if page:
        template['page'] = page
    return template


def _fields(lines: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for number, line in enumerate(lines.splitlines(), 1):
        if not line.strip():
            continue
        keyword, separator, value = (part.strip() for part in line.replace('＝', '=').partition('='))
        if not separator or not _KEYWORD.match(keyword) or not value:
            raise TemplateRefused(f'字段第{number}行应为“关键词=取值”，如 thing1=专区名称')
        if keyword in fields:
            raise TemplateRefused(f'字段第{number}行的关键词{keyword}重复')
        value = _BY_LABEL.get(value, value)
        if value not in VALUES and len(value) > MAX_LITERAL:
            raise TemplateRefused(f'字段第{number}行的取值不是列出的名称，作为固定文字不能超过{MAX_LITERAL}个字')
        fields[keyword] = value
    if len(fields) > MAX_FIELDS:
        raise TemplateRefused(f'字段不能超过{MAX_FIELDS}行')
    return fields
