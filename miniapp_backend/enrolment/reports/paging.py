"""Keyset paging for the admin lists: newest first, each page starting after the last row of the one before.

An OFFSET page costs the rows it skips (the last page of 300,000 registrations sorts them all); a keyset page
reads its own rows from an index on (scope, key…), whatever its depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from miniapp_backend.extensions import db

PAGE_SIZE = 50
_SEPARATOR = '~'


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    #: The `after` value that opens the next (older) page; None on the last page.
    after: str | None


def newest_first(
    query: sa.Select, keys: tuple[sa.ColumnElement, ...], after: str | None, size: int = PAGE_SIZE
) -> Page:
    """One page of `query` ordered by `keys` descending (the last key unique, e.g. the id), from the cursor on.
    A cursor that does not parse opens the first page."""
    position = _parse(after, keys)
    if position is not None:
        query = (
            query.where(sa.tuple_(*keys) < sa.tuple_(*position))
            if len(keys) > 1
            else query.where(keys[0] < position[0])
        )
    rows = db.session.scalars(query.order_by(*(key.desc() for key in keys)).limit(size + 1)).all()
    if len(rows) <= size:
        return Page(list(rows), None)
    rows = rows[:size]
    last = rows[-1]
    return Page(list(rows), _SEPARATOR.join(_text(getattr(last, key.key)) for key in keys))


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _parse(after: str | None, keys: tuple[sa.ColumnElement, ...]) -> list[Any] | None:
    if not after:
        return None
    parts = after.split(_SEPARATOR)
    if len(parts) != len(keys):
        return None
    values = []
    try:
        for part, key in zip(parts, keys, strict=True):
            kind = getattr(key.type, 'impl', key.type)  # a TypeDecorator's underlying type
            if isinstance(kind, sa.DateTime):
                values.append(datetime.fromisoformat(part))
            elif isinstance(kind, sa.Integer):
                number = int(part)
                if not 0 < number < 2**31:
                    return None
                values.append(number)
            else:
                values.append(part)
    except (ValueError, NotImplementedError):
        return None
    return values
