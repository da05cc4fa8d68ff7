"""WeChat subscription-message value rules (订阅消息参数值内容限制), enforced before sending.

A value WeChat would reject (47003) is fitted instead: truncated within its limit, never empty.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
_PLACEHOLDER = '—'


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + '…'


def _phrase(value: str) -> str:
    chinese = ''.join(re.findall(r'[\u4e00-\u9fff]', value))[:5]
    return chinese or '已更新'


def _character_string(value: str) -> str:
    kept = re.sub(r'[^0-9A-Za-z\-_.:/#@+]', '', value)[:32]
    return kept or '0'


def _number(value: str) -> str:
    match = re.search(r'-?\d+(\.\d+)?', value)
    return match.group(0)[:32] if match else '0'


def _amount(value: str) -> str:
    match = re.search(r'\d+(\.\d{1,2})?', value.replace(',', ''))
    return f'{match.group(0)[:10]}元' if match else '0元'


def _name(value: str) -> str:
    if re.fullmatch(r'[A-Za-z .]+', value):
        return value[:20]
    return value[:10]


_RULES = {
    'thing': lambda v: _truncate(v, 20),
    'phrase': _phrase,
    'character_string': _character_string,
    'number': _number,
    'letter': lambda v: re.sub(r'[^A-Za-z]', '', v)[:32] or 'A',
    'symbol': lambda v: v[:5],
    'amount': _amount,
    'phone_number': lambda v: re.sub(r'[^0-9+\-]', '', v)[:17] or '0',
    'car_number': lambda v: v[:8],
    'name': _name,
    'time': lambda v: v[:32],
    'date': lambda v: v[:32],
}


def key_type(key: str) -> str:
    """`thing1` → `thing`, `character_string3` → `character_string`."""
    return key.rstrip('0123456789')


def fit_value(key: str, value: str) -> str:
    """Fit one value to the rule of its key's type; unknown types are treated like `thing`."""
    value = _CONTROL.sub(' ', str(value or '')).strip()
    if not value:
        value = _PLACEHOLDER
    fitted = _RULES.get(key_type(key), _RULES['thing'])(value)
    return fitted or _PLACEHOLDER
