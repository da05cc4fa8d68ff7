"""Statistics kept current: every flush that adds, changes or deletes registrations moves their contribution
(count, amount due, amount paid; the day of submission and of payment) from the cells they left to the cells
they entered, in the same transaction. Statistics then read a few hundred count rows instead of the zone.

The flush only inserts deltas (no two transactions update one row, so writers never wait on each other);
`fold`, on the scheduler, adds them into the counts, and readers add the few not folded yet. Rows written
past the ORM (the bench's generate_series fill) are counted by `rebuild`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from miniapp_backend.models import (
    Registration,
    RegistrationCount,
    RegistrationCountDelta,
    RegistrationDay,
    RegistrationDayDelta,
)
from miniapp_backend.models.base import conflict_insert
from miniapp_backend.models.enums import RegistrationStatus

_CELL = ('zone_id', 'school_id', 'college', 'class_name')
#: What a registration's contribution depends on.
WATCHED = (
    'zone_id',
    'school_id',
    'college',
    'class_name',
    'status',
    'payment_channel',
    'amount_due_fen',
    'submitted_at',
    'paid_at',
)


def _value(value) -> str | int | None:
    return value.value if hasattr(value, 'value') else value


def _contribution(values: dict) -> tuple[tuple, tuple, list[tuple[tuple, int, int]]]:
    """(count key, (count, due, paid), [(day key, submitted, paid)]) of one registration's values."""
    cell = (values['zone_id'], values['school_id'] or 0, values['college'] or '', values['class_name'] or '')
    status = _value(values['status'])
    due = values['amount_due_fen'] or 0
    paid = due if status == RegistrationStatus.PAID.value else 0
    days = []
    if values['submitted_at'] is not None:
        days.append(((*cell, values['submitted_at'].date()), 1, 0))
    if values['paid_at'] is not None:
        days.append(((*cell, values['paid_at'].date()), 0, 1))
    return (*cell, status, _value(values['payment_channel']) or ''), (1, due, paid), days


def _before_and_after(instance: Registration, state: str) -> tuple[dict | None, dict | None]:
    attrs = sa.inspect(instance).attrs
    now = {name: getattr(instance, name) for name in WATCHED}
    if state == 'new':
        return None, now
    before = {}
    for name in WATCHED:
        history = attrs[name].history
        before[name] = history.deleted[0] if history.deleted else now[name]
    return before, (None if state == 'deleted' else now)


def _deltas(changes: Iterable[tuple[dict | None, dict | None]]):
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    days: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for before, after in changes:
        for values, sign in ((before, -1), (after, 1)):
            if values is None or values['zone_id'] is None:
                continue
            key, amounts, day_rows = _contribution(values)
            for i, amount in enumerate(amounts):
                counts[key][i] += sign * amount
            for day_key, submitted, paid in day_rows:
                days[day_key][0] += sign * submitted
                days[day_key][1] += sign * paid
    return ({k: v for k, v in counts.items() if any(v)}, {k: v for k, v in days.items() if any(v)})


COUNT_KEYS = (*_CELL, 'status', 'payment_channel')
COUNT_VALUES = ('count', 'due_fen', 'paid_fen')
DAY_KEYS = (*_CELL, 'day')
DAY_VALUES = ('submitted', 'paid')


def _rows(keys: tuple[str, ...], values: tuple[str, ...], amounts: dict) -> list[dict]:
    # Sorted, so two folds touching the same cells lock them in the same order (no deadlock).
    return [
        dict(zip(keys + values, (*key, *numbers), strict=True)) for key, numbers in sorted(amounts.items(), key=str)
    ]


@event.listens_for(Session, 'after_flush')
def _count(session: Session, _flush_context) -> None:
    changes = [(i, 'new') for i in session.new if isinstance(i, Registration)]
    changes += [(i, 'dirty') for i in session.dirty if isinstance(i, Registration) and session.is_modified(i)]
    changes += [(i, 'deleted') for i in session.deleted if isinstance(i, Registration)]
    if changes:
        _insert(session, [_before_and_after(instance, state) for instance, state in changes])


def delta_rows(before: dict | None, after: dict | None) -> tuple[list[dict], list[dict]]:
    """The RegistrationCountDelta and RegistrationDayDelta rows (as column values) of one registration changed by a
    Core statement (no flush sees it), which the caller writes with its own statement: `before` and `after` hold at
    least the watched values (`WATCHED`); None before a row existed or after it is gone."""
    counts, days = _deltas([(before, after)])
    return _rows(COUNT_KEYS, COUNT_VALUES, counts), _rows(DAY_KEYS, DAY_VALUES, days)


def record_many(session: Session, changes: list[tuple[dict | None, dict | None]]) -> None:
    """The deltas of registrations changed by Core statements (no flush sees them), summed per cell: one INSERT each
    for counts and days. `changes` are (before, after) pairs as `delta_rows` takes them."""
    _insert(session, changes)


def _insert(session: Session, changes: list[tuple[dict | None, dict | None]]) -> None:
    counts, days = _deltas(changes)
    if counts:
        session.connection().execute(sa.insert(RegistrationCountDelta), _rows(COUNT_KEYS, COUNT_VALUES, counts))
    if days:
        session.connection().execute(sa.insert(RegistrationDayDelta), _rows(DAY_KEYS, DAY_VALUES, days))


def _upsert(session: Session, model, keys: tuple[str, ...], values: tuple[str, ...], amounts: dict) -> None:
    if not amounts:
        return
    insert = conflict_insert(session.get_bind().dialect.name, model)
    statement = insert.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: getattr(model.__table__.c, column) + getattr(insert.excluded, column) for column in values},
    )
    session.execute(statement, _rows(keys, values, amounts))


def _take(session: Session, delta, keys: tuple[str, ...], values: tuple[str, ...]) -> dict:
    """Remove every delta row now present, summed per cell (rows inserted meanwhile wait for the next fold)."""
    table = delta.__table__
    taken: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(values))
    for row in session.execute(sa.delete(table).returning(*(table.c[k] for k in keys + values))):
        for i, amount in enumerate(row[len(keys) :]):
            taken[tuple(row[: len(keys)])][i] += amount
    return taken


def fold(session: Session) -> int:
    """Add the deltas into the counts, in the caller's transaction (the fold job's unit of work); returns how many
    cells changed."""
    counts = _take(session, RegistrationCountDelta, COUNT_KEYS, COUNT_VALUES)
    days = _take(session, RegistrationDayDelta, DAY_KEYS, DAY_VALUES)
    _upsert(session, RegistrationCount, COUNT_KEYS, COUNT_VALUES, counts)
    _upsert(session, RegistrationDay, DAY_KEYS, DAY_VALUES, days)
    return len(counts) + len(days)


def rebuild(session: Session, zone_id: int) -> None:
    """Count a zone's registrations afresh (after rows were written without the ORM)."""
    r = Registration.__table__.c
    cell = (
        r.zone_id,
        sa.func.coalesce(r.school_id, 0),
        sa.func.coalesce(r.college, ''),
        sa.func.coalesce(r.class_name, ''),
    )
    due = sa.func.coalesce(r.amount_due_fen, 0)
    channel = sa.func.coalesce(r.payment_channel, '')  # one expression object: PostgreSQL must see one parameter
    for model in (RegistrationCount, RegistrationDay, RegistrationCountDelta, RegistrationDayDelta):
        session.execute(sa.delete(model).where(model.zone_id == zone_id))
    session.execute(
        sa.insert(RegistrationCount).from_select(
            [*_CELL, 'status', 'payment_channel', 'count', 'due_fen', 'paid_fen'],
            sa.select(
                *cell,
                r.status,
                channel,
                sa.func.count(),
                sa.func.sum(due),
                sa.func.sum(sa.case((r.status == RegistrationStatus.PAID.value, due), else_=0)),
            )
            .where(r.zone_id == zone_id)
            .group_by(*cell, r.status, channel),
        )
    )
    days: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for index, column in enumerate((r.submitted_at, r.paid_at)):
        day = (
            sa.cast(sa.func.timezone('UTC', column), sa.Date)
            if session.get_bind().dialect.name == 'postgresql'
            else sa.func.date(column)
        )
        query = (
            sa.select(*cell, day, sa.func.count()).where(r.zone_id == zone_id, column.is_not(None)).group_by(*cell, day)
        )
        for *key, count in session.execute(query):
            if isinstance(key[4], str):  # SQLite's date() is text
                key[4] = date.fromisoformat(key[4])
            days[tuple(key)][index] += count
    if days:
        names = (*_CELL, 'day', 'submitted', 'paid')
        session.execute(
            sa.insert(RegistrationDay), [dict(zip(names, (*key, *values), strict=True)) for key, values in days.items()]
        )
