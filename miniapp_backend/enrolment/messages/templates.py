"""A zone's subscription-message templates as its admin edits them: per kind a template id, the page the message
opens and its fields, one `keyword=value` a line (thing1=专区名称), instead of the JSON they are stored as.

A field's value is one of the named values every message carries (`VALUES`), written as the admin reads it (专区名称)
or by its stored name (zone_name), that the keyword's type takes (a date keyword a date), or fixed text in quotes
where WeChat takes any words (a thing, a phrase); a misspelt name is refused, never sent as text. WeChat refuses a
keyword it does not know, or a value its type does not take, at every send (47003), so both are checked here, where
the admin can correct them.
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

#: WeChat's keyword types (订阅消息参数值内容限制), each followed by the keyword's number in the template (ASCII digits:
#: thing１ would be another keyword, which WeChat refuses), with the values each can take: a date keyword takes a
#: date, an amount keyword an amount (WeChat answers 47003 to anything else, at every send).
_KEYWORD = re.compile(r'([a-z_]+)[0-9]{1,2}\Z')
TYPES: dict[str, tuple[str, frozenset[str]]] = {
    'thing': ('事物', frozenset(VALUES)),
    'phrase': ('状态', frozenset({'status'})),
    'amount': ('金额', frozenset({'amount'})),
    'date': ('日期', frozenset({'deadline'})),
    'time': ('时间', frozenset({'deadline'})),
    'character_string': ('字符串', frozenset({'registration_no', 'year'})),
    'number': ('数字', frozenset({'year'})),
    'name': ('姓名', frozenset({'name'})),
}
#: Fixed text, in quotes, only where WeChat takes any words: a thing up to 20 characters, a phrase up to 5 Chinese
#: characters.
_LITERALS = {'thing': re.compile(r'.{1,20}\Z'), 'phrase': re.compile(r'[\u4e00-\u9fff]{1,5}\Z')}
_QUOTED = re.compile(r'["“”](.*)["“”]\Z')
_TEMPLATE_ID = re.compile(r'[A-Za-z0-9_-]{1,128}\Z')
#: Template fields WeChat shows (a template has at most this many keywords).
MAX_FIELDS = 10


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
        shown[f'template_{kind}_fields'] = '\n'.join(f'{key}={_shown(value)}' for key, value in fields)
    return shown


def _shown(value: str) -> str:
    """A named value by its label, fixed text in quotes (as the form takes them)."""
    return VALUES.get(value, f'"{value}"')


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
        kind = _KEYWORD.match(keyword)
        if not separator or not kind or not value:
            raise TemplateRefused(f'字段第{number}行应为“关键词=取值”，如 thing1=专区名称')
        if keyword in fields:
            raise TemplateRefused(f'字段第{number}行的关键词{keyword}重复')
        fields[keyword] = _value(number, keyword, kind.group(1), value)
    if not fields:
        raise TemplateRefused('请填写字段，每行一个“关键词=取值”，如 thing1=专区名称')
    if len(fields) > MAX_FIELDS:
        raise TemplateRefused(f'字段不能超过{MAX_FIELDS}行')
    return fields


def _value(number: int, keyword: str, kind: str, value: str) -> str:
    """The stored value of one field line: a named value the keyword's type takes, or fixed text in quotes."""
    if kind not in TYPES:
        raise TemplateRefused(f'字段第{number}行：本系统没有可填入{keyword}的内容，请选用其他模板')
    label, takes = TYPES[kind]
    quoted = _QUOTED.match(value)
    if quoted:
        literal = quoted.group(1).strip()
        if kind not in _LITERALS:
            raise TemplateRefused(f'字段第{number}行：{keyword}（{label}）不能填固定文字，只能取{_names(takes)}')
        if not _LITERALS[kind].match(literal):
            rule = '不超过20个字' if kind == 'thing' else '为1至5个汉字'
            raise TemplateRefused(f'字段第{number}行：{keyword}（{label}）的固定文字应{rule}')
        return literal
    name = _BY_LABEL.get(value, value)
    if name not in VALUES:
        raise TemplateRefused(f'字段第{number}行的取值“{value}”不是可用的名称；固定文字请加引号，如 phrase2="已撤销"')
    if name not in takes:
        raise TemplateRefused(f'字段第{number}行：{keyword}（{label}）只能取{_names(takes)}')
    return name


def _names(values: frozenset[str]) -> str:
    return '、'.join(label for name, label in VALUES.items() if name in values)
