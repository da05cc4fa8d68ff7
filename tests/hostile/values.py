"""Hostile values a phone, a browser or a script can send, and a way to count what the database holds."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import sqlalchemy as sa
from hypothesis import strategies as st

#: Raw JSON tokens Python's json module accepts but no schema should: substituted into the serialised body.
RAW_TOKENS = ['Infinity', '-Infinity', 'NaN', '1e400', '-1e400', '1' + '0' * 5000]
HUGE_INTS = [2**31, 2**63, 10**30, -(2**63) - 1, 0, -1]
BAD_DATES = ['9999-12-31', '0001-01-01', '10000-01-01', '2026-02-30', '1900-01-01', '2026-13-01']
BAD_NUMBERS = ['inf', '-inf', 'nan', '1e300', '1e-300', '9' * 40, '１２', '²', '0x10', ' ', '-0', '1_000']


def _with(char: str):
    return st.builds(lambda a, b: a + char + b, st.text(max_size=4), st.text(max_size=4))


def hostile_value(base):
    """A strategy of bad values for a field whose valid value is `base` (may be None)."""
    choices = [
        _with('\x00'),
        _with('\ud800'),
        _with('\udfff'),
        st.sampled_from(HUGE_INTS),
        st.sampled_from([1e300, -1e300, 0.5]),
        st.sampled_from([f'<raw:{token}>' for token in RAW_TOKENS]),
        st.sampled_from(BAD_DATES),
        st.sampled_from(BAD_NUMBERS),
        st.sampled_from(['x' * 100_000, '\n', '', ' ' * 10]),
        st.sampled_from([{}, [], True, None, {'a': [1, {'b': None}]}]),
    ]
    if isinstance(base, str):
        choices += [
            st.sampled_from([base + '\n', base + '\r\n', '\n' + base, base + '\x00', base + '\u2028', base + ' ' * 300])
        ]
    return st.one_of(choices)


def dump(body) -> str:
    """JSON text with <raw:…> markers replaced by the bare token."""
    text = json.dumps(body, ensure_ascii=True)
    for token in RAW_TOKENS:
        text = text.replace(json.dumps(f'<raw:{token}>'), token)
    return text


def deep_json(depth: int) -> str:
    return '{"a":' * depth + '1' + '}' * depth


#: The one row a refused request keeps by design: the audit of a refused identity proof attempt (docs/IDENTITY.md).
KEPT_WHEN_REFUSED = {'audit_events': "WHERE action <> 'identity_proof_refused'"}


def row_counts(db) -> dict[str, int]:
    """Rows in every table, in one round trip (less what a refusal keeps by design)."""
    tables = [table.name for table in db.metadata.sorted_tables]
    query = ' UNION ALL '.join(
        f'SELECT \'{name}\', count(*) FROM "{name}" {KEPT_WHEN_REFUSED.get(name, "")}' for name in tables
    )
    db.session.rollback()
    return dict(db.session.execute(sa.text(query)).all())


class Form:
    def __init__(self, action: str, method: str, enctype: str):
        self.action, self.method, self.enctype = action, method, enctype
        #: What a browser sends unchanged: ticked boxes only, each list's selected option (else its first).
        self.fields: dict[str, str] = {}
        #: Every named control, sent or not (an unticked box too).
        self.names: set[str] = set()
        self.buttons: list[tuple[str, str]] = []

    def __repr__(self):
        return f'<form {self.method} {self.action} {sorted(self.fields)}>'


class FormParser(HTMLParser):
    """Every form of a page with its named inputs and the values a browser would send for them untouched (HTML's
    form submission: an unticked box or a disabled control sends nothing, a list sends its selected option)."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self.links: set[str] = set()
        self._form: Form | None = None
        self._select: str | None = None
        self._selected = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'a' and (attrs.get('href') or '').startswith('/admin'):
            self.links.add(attrs['href'])
        if tag == 'form':
            self._form = Form(
                attrs.get('action') or self.page_path,
                (attrs.get('method') or 'get').lower(),
                attrs.get('enctype') or '',
            )
            self.forms.append(self._form)
        if self._form is None:
            return
        name = attrs.get('name')
        if name and tag in ('input', 'select', 'textarea'):
            self._form.names.add(name)
            if 'disabled' in attrs:
                return
        if tag == 'input' and name:
            kind = attrs.get('type', 'text')
            if kind in ('checkbox', 'radio'):
                if 'checked' in attrs:
                    self._form.fields[name] = attrs.get('value', 'on')
            elif kind != 'submit':
                self._form.fields[name] = attrs.get('value', '')
        elif tag == 'button' and name:
            self._form.buttons.append((name, attrs.get('value', '')))
        elif tag == 'select' and name:
            self._select, self._selected = name, False
        elif tag == 'option' and self._select:
            value = attrs.get('value')  # (one without a value sends its text: none of ours is first or selected)
            if 'selected' in attrs and not self._selected:
                self._form.fields[self._select], self._selected = value or '', True
            elif self._select not in self._form.fields:
                self._form.fields[self._select] = value or ''
        elif tag == 'textarea' and name:
            self._textarea = name
            self._form.fields[name] = ''

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == 'form':
            self._form = None
        elif tag == 'select':
            self._select = None
        elif tag == 'textarea':
            self._textarea = None
