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
#: A list counts its rows up to this many and says "1,000+" beyond: an exact count of a filtered list reads every
#: matching row (300,000 in a province's zone), which the keyset page above never does; stopping at the cap keeps
#: the count within the cost of twenty pages.
COUNT_CAP = 1_000


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


@dataclass(frozen=True)
class Count:
    """How many rows a list matches: exact up to COUNT_CAP, else `capped` (at least that many)."""

    rows: int
    capped: bool = False


def capped_count(query: sa.Select, keys: tuple[sa.ColumnElement, ...], cap: int = COUNT_CAP) -> Count:
    """The rows of `query`, counted no further than `cap` (one more is read to know there are more). They are
    read in the page's order (`keys` descending): the count walks the index the pages walk, so it costs what the
    first pages up to the cap cost; unordered, the planner may read the table from its other end."""
    # Only a constant selected: the rows' columns are not read, so an index can answer alone.
    one = query.with_only_columns(sa.literal_column('1'), maintain_column_froms=True)
    limited = one.order_by(*(key.desc() for key in keys)).limit(cap + 1).subquery()
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(limited))
    return Count(cap, capped=True) if rows > cap else Count(rows)


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
