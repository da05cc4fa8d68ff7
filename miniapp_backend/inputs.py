"""The input boundary: what a phone, a browser or a spreadsheet sends is refused here if the database cannot store it.

One text rule for API fields, admin forms and import cells: no NUL or other control characters (PostgreSQL refuses
NUL, and they break WeChat's message values), no invisible format characters (a zero-width space makes a name of
nothing, or two names that look alike) and no bidirectional embedding, override or isolate controls (they make a
name or a voucher read reversed on a reviewer's screen, in an export and in a message), no unpaired surrogates
(UTF-8 cannot encode them), trimmed, bounded length. JSON bodies are parsed once here, strictly: a size cap, a
nesting-depth cap, no NaN/Infinity, finite numbers.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from flask import Flask, request
from marshmallow import RAISE, Schema, ValidationError, fields, missing
from marshmallow.validate import Validator
from werkzeug.exceptions import BadRequest, HTTPException, UnprocessableEntity
from werkzeug.routing import IntegerConverter

MAX_JSON_BYTES = 64 * 1024
MAX_JSON_DEPTH = 16
#: The longest text any field takes unless its schema says less (addresses are 200, reasons 255).
MAX_TEXT = 2000
#: PostgreSQL's int4: ids and counts never go beyond it.
MAX_INT4 = 2**31 - 1
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2100, 12, 31)

#: Control characters, invisible format characters (zero-width spaces and marks, word joiners, a BOM: a name of
#: nothing visible, or two names that look the same) and bidirectional controls, and lone surrogates.
_UNSTORABLE = re.compile(
    r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]'
)
#: What no column can hold at all (NUL) or UTF-8 cannot encode (lone surrogates): refused wherever it appears.
_NEVER = re.compile(r'[\x00\ud800-\udfff]')
_LINE_BREAKS = re.compile(r'[\n\r\u2028\u2029]')
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
#: What a JSON text that parsed needs for a string in it to hold an unstorable character: an escape that can make
#: one (\uXXXX, \b, \f), a raw DEL or a raw invisible or bidirectional control. The parser refuses other raw control characters
#: in strings, and UTF-8 text cannot carry a lone surrogate; an escaped backslash before u, b or f matches too, and
#: is then looked at in full.
_MAY_BE_UNSTORABLE = re.compile(r'\\[ubf]|[\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]')
#: The form encodings whose fields the gate checks.
_FORMS = frozenset({'application/x-www-form-urlencoded', 'multipart/form-data'})
TEXT_MESSAGE = '不能包含控制字符或无法识别的字符'


#: A person's name as an ID card or a residence permit writes it: Chinese characters (the extension blocks' rare ones
#: too, and 〇), the middle dots of minority and foreign names (阿依古丽·买买提), or Latin letters with spaces, points,
#: hyphens and apostrophes. No digits, symbols, stars, or blank-looking and invisible characters (ㅤ, ⠀, U+00AD).
PERSON_NAME = re.compile(
    r'[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]'
    r'[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f·•‧・]*\Z'
    r"|[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff .'·-]*\Z"
)
PERSON_NAME_MESSAGE = '姓名只能由汉字（少数民族姓名可含间隔号·）或英文字母组成，汉字之间不要加空格'


class InputRefused(ValueError):
    """A value refused at the boundary; `message` is in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def clean_text(value: str, *, max_length: int = MAX_TEXT, multiline: bool = False) -> str:
    """Trimmed text the database can store, or InputRefused."""
    if _UNSTORABLE.search(value) or (not multiline and _LINE_BREAKS.search(value.strip())):
        raise InputRefused(TEXT_MESSAGE)
    value = value.strip()
    if len(value) > max_length:
        raise InputRefused(f'不能超过{max_length}个字符')
    return value


def parse_money(value: Any, *, maximum: Decimal = Decimal(100000)) -> Decimal:
    """Yuan as an exact Decimal with at most two places: '400', '400.5', '400.00'; never a float on the way."""
    if isinstance(value, float):
        raise InputRefused('金额应为数字，最多两位小数')
    try:
        amount = Decimal(clean_text(str(value), max_length=20))
    except InvalidOperation:
        raise InputRefused('金额应为数字，最多两位小数') from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or not Decimal(0) < amount <= maximum:
        raise InputRefused(f'金额应为大于0、不超过{maximum}元的数字，最多两位小数')
    return amount


def yuan_to_fen(amount: Decimal) -> int:
    return int(amount * 100)


def bounded_int(value: Any, low: int = 1, high: int = MAX_INT4) -> int | None:
    """A positive int within int4 from a form or query string (ASCII digits only), or None."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if low <= number <= high else None


class Text(fields.String):
    """A marshmallow string run through clean_text before any validator (so regexes see the trimmed value)."""

    def __init__(self, *args, max_length: int = MAX_TEXT, multiline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_length, self.multiline = max_length, multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return clean_text(text, max_length=self.max_length, multiline=self.multiline)
        except InputRefused as refused:
            raise ValidationError(refused.message) from None


class Flag(fields.Boolean):
    """JSON's true or false and nothing else: a box ticked is not "true", 1 or "yes" sent by hand."""

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is not bool:
            raise self.make_error('invalid')
        return value


class Day(fields.Date):
    """A date between 1900 and 2100: later arithmetic and PostgreSQL's date type both stay in range."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) > 10:
            raise ValidationError('日期格式应为YYYY-MM-DD')
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise ValidationError('日期超出范围')
        return day


class Int4Converter(IntegerConverter):
    """`<int:…>` in routes: a number beyond PostgreSQL's int4 is simply not a route (404), never a query error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault('max', MAX_INT4)
        super().__init__(map, *args, **kwargs)


def loads_strict(data: bytes | str) -> Any:
    """json.loads with a depth cap, no NaN/Infinity, finite floats; InputRefused otherwise."""
    text = data.decode('utf-8') if isinstance(data, bytes) else data
    if text.count('[') + text.count('{') > MAX_JSON_DEPTH:  # fewer openers cannot nest deeper
        _check_depth(text)
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite, object_pairs_hook=_object)
    except InputRefused:
        raise
    except (ValueError, RecursionError):
        raise InputRefused('请求内容不是有效的JSON') from None


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A key given twice would be read as its last value, which another reader of the same text may not do.
    value = dict(pairs)
    if len(value) != len(pairs):
        raise InputRefused('请求内容中有重复的字段名')
    return value


def _check_depth(text: str) -> None:
    depth = deepest = 0
    for token in _TOKENS.finditer(text):
        char = token.group()
        if char in '[{':
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                raise InputRefused(f'JSON嵌套不能超过{MAX_JSON_DEPTH}层')
        elif char in ']}':
            depth -= 1


def _refuse_constant(name: str):
    raise ValueError(name)


def _finite(text: str) -> float:
    value = float(text)
    if value in (float('inf'), float('-inf')):
        raise ValueError(text)
    return value


def unstorable_strings(value: Any, path: str = '') -> str | None:
    """The path of the first string (key or value) in a parsed body that no column could hold, if any."""
    if isinstance(value, str):
        return path or 'body' if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f'{path}.{key}' if path else str(key)
            if _UNSTORABLE.search(str(key)):
                # Named in the answer, which must itself be text: the key's bad characters as \u escapes.
                return _UNSTORABLE.sub(lambda bad: f'\\u{ord(bad.group()):04x}', name)
            found = unstorable_strings(item, name)
            if found:
                return found
    if isinstance(value, list):
        for position, item in enumerate(value):
            # Named as marshmallow names a list's item (`accepted.0`), so every 422 of one body reads alike.
            found = unstorable_strings(item, f'{path}.{position}' if path else str(position))
            if found:
                return found
    return None


def init_app(app: Flask) -> None:
    """Route ids bounded; every request's JSON body, form fields, query and path values checked before a view runs."""
    app.url_map.converters['int'] = Int4Converter
    app.before_request(_gate)


def _gate():
    req = request._get_current_object()  # one context lookup for all that follows
    mimetype = req.mimetype
    sources = [('path', req.view_args or {})]
    if req.query_string:
        sources.append(('query', req.args))
    if mimetype in _FORMS:
        sources.append(('form', req.form))
    for source, values in sources:
        for name, value in _items(values):
            if isinstance(value, str) and (_NEVER.search(value) or len(value) > 100_000):
                raise _refusal(BadRequest, source, name, TEXT_MESSAGE)
    if mimetype == 'application/json' or mimetype.endswith('+json'):
        req.max_content_length = MAX_JSON_BYTES
        data = req.get_data(cache=True)  # 413 beyond the cap
        if not data:
            return
        try:
            text = data.decode('utf-8')
            parsed = loads_strict(text)
        except UnicodeDecodeError:
            raise _refusal(BadRequest, 'json', 'body', '请求内容不是有效的UTF-8') from None
        except InputRefused as refused:
            raise _refusal(BadRequest, 'json', 'body', refused.message) from None
        bad = unstorable_strings(parsed) if _MAY_BE_UNSTORABLE.search(text) else None
        if bad:
            raise _refusal(UnprocessableEntity, 'json', bad, TEXT_MESSAGE)


def _refusal(kind: type[HTTPException], location: str, name: str, message: str) -> HTTPException:
    """The field named, the way webargs names them, so the API's error body lists it."""
    error = kind(description=f'{name}：{message}')
    error.data = {'messages': {location: {name: [message]}}}
    return error


def _items(values):
    if hasattr(values, 'items') and hasattr(values, 'getlist'):
        return values.items(multi=True)
    return values.items()


class Money(fields.Field):
    """Yuan in a form or JSON as an exact Decimal (parse_money); dumped as a two-place string."""

    def __init__(self, *args, maximum: Decimal = Decimal(100000), message: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.maximum, self.message = maximum, message

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_money(value, maximum=self.maximum)
        except InputRefused as refused:
            raise ValidationError(self.message or refused.message) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f'{Decimal(value):.2f}'


class Id(fields.Integer):
    """A row id from a form or query: ASCII digits within int4, never a float or a huge number."""

    def __init__(self, *args, message: str = '编号不正确', **kwargs):
        super().__init__(*args, **kwargs)
        self.message = message

    def _deserialize(self, value, attr, data, **kwargs):
        number = bounded_int(value)
        if number is None:
            raise ValidationError(self.message)
        return number


class LeanLoad:
    """A marshmallow Schema mixin for a hot request body (create's): a body of plain values that each field takes as
    they are (a str for a Text, an int for an Integer, a dict for a Nested LeanLoad schema) and that pass the
    fields' own validators is loaded without marshmallow's machinery around them (about 380 Python calls for a
    registration); anything else (an unknown or missing key, another type, any refusal) goes through
    `Schema.load`, which stays the validator of record and gives every error answer. A schema with hooks, partial
    loading or a field of another kind always goes through `Schema.load`. tests/api/test_lean_load.py holds the two
    equal."""

    def load(self, data, *, many=None, partial=None, unknown=None):
        if many is None and partial is None and unknown is None:
            loaded = self.lean_load(data)
            if loaded is not None:
                return loaded
        return super().load(data, many=many, partial=partial, unknown=unknown)

    def lean_load(self, data: Any) -> dict | None:
        """What `load` returns for `data`, or None where `Schema.load` must answer."""
        plan = self._lean_plan()
        if plan is None or type(data) is not dict or not data.keys() <= plan[0]:
            return None
        loaded = {}
        for take in plan[1]:
            if take.key not in data:
                if take.required:
                    return None
                if take.default is not missing:
                    loaded[take.attr] = take.default() if callable(take.default) else take.default
                continue
            value = data[take.key]
            if value is None:
                if not take.allow_none:
                    return None
                loaded[take.attr] = None
                continue
            value = _taken(take, value)
            if value is None:
                return None
            for validator in take.validators:
                try:
                    validator(value)
                except ValidationError:
                    return None
            loaded[take.attr] = value
        return loaded

    def _lean_plan(self) -> tuple[frozenset[str], tuple[_Take, ...]] | None:
        try:
            return self.__dict__['_lean']
        except KeyError:
            plan = self.__dict__['_lean'] = _lean_plan(self)
            return plan


class _Take(NamedTuple):
    """How `LeanLoad` takes one field: from `key` of the body into `attr` of the loaded dict."""

    key: str
    attr: str
    required: bool
    default: Any
    allow_none: bool
    kind: type
    text: tuple[int, bool] | None
    nested: LeanLoad | None
    validators: tuple[Validator, ...]


def _lean_plan(schema: Schema) -> tuple[frozenset[str], tuple[_Take, ...]] | None:
    """The fields as `LeanLoad` takes them, or None when some part of the schema needs marshmallow's own load."""
    if schema.many or schema.partial or schema.unknown != RAISE or any(schema._hooks.values()):
        return None
    takes = []
    for name, field in schema.load_fields.items():
        attr = field.attribute or name
        if '.' in attr or field.pre_load or field.post_load:
            return None
        if not all(isinstance(validator, Validator) for validator in field.validators):
            return None
        text = nested = None
        if type(field) is Text:
            kind, text = str, (field.max_length, field.multiline)
        elif type(field) is fields.Integer:
            kind = int
        elif type(field) is fields.Nested and not field.many and field.unknown is None:
            kind, nested = dict, field.schema
            if not (isinstance(nested, LeanLoad) and nested._lean_plan() is not None):
                return None
        else:
            return None
        takes.append(
            _Take(
                field.data_key or name,
                attr,
                field.required,
                field.load_default,
                field.allow_none,
                kind,
                text,
                nested,
                tuple(field.validators),
            )
        )
    return frozenset(take.key for take in takes), tuple(takes)


def _taken(take: _Take, value: Any) -> Any:
    """`value` as the field deserializes it, or None when only marshmallow may say."""
    if type(value) is not take.kind:
        return None
    if take.text is not None:
        try:
            return clean_text(value, max_length=take.text[0], multiline=take.text[1])
        except InputRefused:
            return None
    if take.nested is not None:
        return take.nested.lean_load(value)
    return value


def load_form(schema, form) -> tuple[dict, dict[str, str]]:
    """A form (MultiDict) through a marshmallow schema: (values, {field: first message}); unknown fields ignored."""
    data = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key not in form:
            continue
        data[key] = form.getlist(key) if isinstance(field, fields.List) else form.get(key)
    try:
        return schema.load(data), {}
    except ValidationError as error:
        messages = error.normalized_messages()
        return {}, {name: _first(message) for name, message in messages.items()}


def _first(message) -> str:
    while isinstance(message, (list, dict)):
        message = next(iter(message.values())) if isinstance(message, dict) else message[0]
    return str(message)
