"""A registration as one Core statement read it: what the hot student paths (create, submit) decide on and answer
with, without loading mapped objects or flushing them (docs/DESIGN.md §3.4).

A `Row` carries the model's attribute names (its columns, `zone`, `school`, `history`, `photo_uploaded`,
`letter_signed`), so the state machine's rules and the response presenter read it as they read a `Registration`.
A statement reads only what its path uses (`SUBMIT_COLUMNS`, `SUBMIT_ZONE`, `CREATE_ZONE`): psycopg describes every
column a statement returns, at a cost per column and per request.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from miniapp_backend.enrolment.registration import duplicates
from miniapp_backend.enrolment.students import tokens
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    AuditEvent,
    CommitmentLetter,
    Document,
    Notification,
    Registration,
    RegistrationCountDelta,
    RegistrationDayDelta,
    School,
    Student,
    Zone,
)
from miniapp_backend.models.enums import RegistrationStatus as S
from miniapp_backend.unit_of_work import one_write_connection

#: The statuses in which the student may still edit (and submit) a registration.
EDITABLE = (S.DRAFT, S.RETURNED)
_R = Registration.__table__
_A = AuditEvent.__table__
#: Every column of the registration, by attribute name (the model's attribute names are its column names).
COLUMNS = tuple(_R.c.keys())


class Row(SimpleNamespace):
    """A registration's values; `zone` is the mapped Zone, `school` has the school's code (or is None)."""

    @property
    def letter_required(self) -> bool:
        return self.special_identity is not None

    def values(self, names) -> dict[str, Any]:
        return {name: getattr(self, name) for name in names}


def school(code: str | None) -> SimpleNamespace | None:
    return SimpleNamespace(code=code) if code is not None else None


def history_entry(from_status, to_status, at, reason) -> SimpleNamespace:
    """One transition as the student's history shows it (the fields of HistorySchema)."""
    return SimpleNamespace(from_status=from_status, to_status=to_status, at=at, reason=reason)


#: What submit reads of a zone (window, review stages, premium, messages, the subsidised and photo rules), carried
#: by its statement as `zone_<name>` and kept as attributes of `Row.zone`.
SUBMIT_ZONE = (
    'id',
    'code',
    'name',
    'year',
    'premium_fen',
    'window_opens_at',
    'window_closes_at',
    'review_stages',
    'muted_kinds',
    'message_templates',
    'subsidised_match_required',
    'id_photo_required',
)
#: What create reads of a zone: the window, and what its checks and answer name. Each column a statement returns
#: costs psycopg a column description and SQLAlchemy a lookup, JSON ones a parse too: none is read for nothing.
CREATE_ZONE = ('id', 'code', 'name', 'year', 'window_opens_at', 'window_closes_at')
_Z = Zone.__table__
#: The student's current token version, checked against the token's (tokens.check_version) in the same round trip.
_TOKEN_VERSION = (
    sa.select(Student.token_version)
    .where(Student.id == sa.bindparam('student_id'))
    .scalar_subquery()
    .label('token_version')
)


def _zone_columns(names) -> tuple[sa.Label, ...]:
    return tuple(_Z.c[name].label(f'zone_{name}') for name in names)


def _zone(values, names) -> SimpleNamespace:
    return SimpleNamespace(**{name: values[f'zone_{name}'] for name in names})


#: The registration with its zone, its school's code, whether its photo and letter exist, where else its person is
#: enrolled (the duplicate rule's two sources, DESIGN §3.5), the student's token version and its history: one row
#: per transition (one row if none).
_ENROLLED_ON_REGISTER, _ACTIVE_ELSEWHERE = duplicates.enrolled_zone_columns(
    _R.c.id_index, _R.c.zone_id, _R.c.year, sa.bindparam('today'), _R.c.id
)
#: The registration's columns a submission reads: all but its bookkeeping (created_at, flag, reminded_at), which
#: no rule of a submission and nothing in its answer reads (a Row has no such attribute).
SUBMIT_COLUMNS = tuple(name for name in COLUMNS if name not in ('created_at', 'flag', 'reminded_at'))
_FOR_SUBMIT = (
    sa.select(
        *(_R.c[name] for name in SUBMIT_COLUMNS),
        *(column for column in _zone_columns(SUBMIT_ZONE) if column.name != 'zone_id'),  # the registration's own
        _TOKEN_VERSION,
        School.code.label('school_code'),
        sa.exists().where(Document.registration_id == _R.c.id, Document.kind == 'id_photo').label('photo_uploaded'),
        sa.exists().where(CommitmentLetter.registration_id == _R.c.id).label('letter_signed'),
        sa.func.coalesce(_ENROLLED_ON_REGISTER, _ACTIVE_ELSEWHERE).label('enrolled_zone_id'),  # the register first
        _A.c.from_status.label('history_from'),
        _A.c.to_status.label('history_to'),
        _A.c.at.label('history_at'),
        _A.c.reason.label('history_reason'),
    )
    .select_from(
        _R.join(_Z, _Z.c.id == _R.c.zone_id)
        .outerjoin(School, School.id == _R.c.school_id)
        .outerjoin(_A, sa.and_(_A.c.registration_id == _R.c.id, _A.c.action == 'transition'))
    )
    .where(_R.c.id == sa.bindparam('id'))
    .order_by(_A.c.id)
)


def for_submit(registration_id: int, claims: tokens.Claims, today: date) -> Row | None:
    """The registration with everything a submission checks and answers with, the token's version checked in the
    same round trip; None when there is no such registration of this student's. A request's submission reads and
    writes in autocommit (its one write is `write_transition`'s statement: unit_of_work.one_write_connection)."""
    params = {'id': registration_id, 'today': today, 'student_id': claims.student_id}
    rows = (
        one_write_connection().execute(_FOR_SUBMIT, params).all()
        if 0 < registration_id < 2**31  # ids beyond the column's range cannot exist
        else []
    )
    if not rows:
        tokens.student_with_version(*claims)  # a revoked token hears 401, not 404
        return None
    first = rows[0]._mapping
    tokens.check_version(claims, first['token_version'])
    if first['student_id'] != claims.student_id:
        return None
    registration = Row(**{name: first[name] for name in SUBMIT_COLUMNS})
    registration.zone = _zone(first, SUBMIT_ZONE)
    registration.school = school(first['school_code'])
    registration.photo_uploaded = bool(first['photo_uploaded'])
    registration.letter_signed = bool(first['letter_signed'])
    registration.enrolled_zone_id = first['enrolled_zone_id']
    registration.history = [
        history_entry(row.history_from, row.history_to, row.history_at, row.history_reason)
        for row in rows
        if row.history_at is not None
    ]
    return registration


_CREATE_ON_REGISTER, _CREATE_ACTIVE = duplicates.enrolled_zone_columns(
    sa.bindparam('id_index'), _Z.c.id, _Z.c.year, sa.bindparam('today'), 0
)
#: Everything a new draft is checked against, in one round trip: the open zone named, the token's version, the
#: school named, the student's open draft there this year, and the duplicate check.
_CREATE_CHECKS = sa.select(
    *_zone_columns(CREATE_ZONE),
    _TOKEN_VERSION,
    sa.select(School.id)
    .where(School.zone_id == _Z.c.id, School.code == sa.bindparam('school_code'))
    .limit(1)
    .scalar_subquery()
    .label('school_id'),
    sa.select(_R.c.id)
    .where(
        _R.c.student_id == sa.bindparam('student_id'),
        _R.c.zone_id == _Z.c.id,
        _R.c.year == _Z.c.year,
        _R.c.status.in_(duplicates.sql_values(EDITABLE)),
    )
    .order_by(_R.c.id)
    .limit(1)
    .scalar_subquery()
    .label('draft_id'),
    sa.func.coalesce(_CREATE_ON_REGISTER, _CREATE_ACTIVE).label('enrolled_zone_id'),  # the register first
).where(_Z.c.code == sa.bindparam('zone_code'), _Z.c.open_to_students)


def create_checks(claims: tokens.Claims, values: dict[str, Any]):
    """The row of `_CREATE_CHECKS` (`values`: zone_code, school_code, id_index, today) with `zone` made
    from it, after the token's version is checked; None when no open zone has the code. A request's create reads
    and writes in autocommit (its one write is `insert`'s statement: unit_of_work.one_write_connection)."""
    found = one_write_connection().execute(_CREATE_CHECKS, {**values, 'student_id': claims.student_id}).first()
    if found is None:
        tokens.student_with_version(*claims)
        return None
    tokens.check_version(claims, found.token_version)
    checks = SimpleNamespace(**found._mapping)
    checks.zone = _zone(found._mapping, CREATE_ZONE)
    return checks


_INSERTED = tuple(name for name in COLUMNS if name != 'id')
_COUNTS, _DAYS, _N = RegistrationCountDelta.__table__, RegistrationDayDelta.__table__, Notification.__table__
#: The statistics deltas of a change: (count rows, day rows), as counts.delta_rows gives them.
Deltas = tuple[list[dict], list[dict]]


def insert(registration: Row, deltas: Deltas = ([], [])) -> int:
    """INSERT the new registration, RETURNING its id, with its statistics `deltas`: one statement on PostgreSQL (a
    request's create sends it in autocommit), one each on SQLite (`make run`), which has no data-modifying WITH."""
    connection = db.session.connection()
    values = registration.values(_INSERTED)
    if connection.dialect.name != 'postgresql':
        registration_id = connection.execute(sa.insert(_R).returning(_R.c.id), values).scalar_one()
        _insert_deltas(connection, deltas)
        return registration_id
    statement = _insert(*(bool(rows) for rows in deltas))
    return connection.execute(statement, {**values, **_delta_params(deltas)}).scalar_one()


@functools.cache
def _insert(counts: bool, days: bool) -> sa.Insert:
    """`insert`'s statement for the deltas present, built once (its values are parameters)."""
    return sa.insert(_R).returning(_R.c.id).add_cte(*_delta_writes(None, counts, days))


def write_transition(
    registration_id: int,
    seen: tuple[str, datetime],
    changes: dict[str, Any],
    audit: dict[str, Any],
    deltas: Deltas,
    message: dict[str, Any] | None,
) -> bool:
    """Apply a transition's `changes` only while the registration is as the rules saw it (`seen`: its status and
    updated_at, which every edit moves), and then only, its `audit` row, its statistics `deltas` and its outbox
    `message` (once per event key: ON CONFLICT DO NOTHING); False when the row had moved on or been edited
    (nothing written). One statement on PostgreSQL (atomic by itself: a request's submission sends it in
    autocommit), one each on SQLite."""
    connection = db.session.connection()
    if connection.dialect.name != 'postgresql':
        return _write_apart(connection, registration_id, seen, changes, audit, deltas, message)
    from_status, from_updated_at = seen
    params = {
        'registration_id': registration_id,
        'from_status': from_status,
        'from_updated_at': from_updated_at,
        **_delta_params(deltas),
    }
    params.update({f'set_{name}': value for name, value in changes.items()})
    params.update({f'audit_{name}': value for name, value in audit.items()})
    if message is not None:
        params.update({f'message_{name}': value for name, value in message.items()})
    shape = (tuple(changes), tuple(audit), *(bool(rows) for rows in deltas), tuple(message or ()))
    return connection.execute(_transition(*shape), params).first() is not None


@functools.cache
def _transition(changed, audited, counts: bool, days: bool, message) -> sa.Select:
    """`write_transition`'s statement for one shape of it, built once (its values are parameters): the conditional
    UPDATE … RETURNING id, and INSERTs that each select from its result (no row moved: nothing inserted)."""
    moved = (
        sa.update(_R)
        .where(
            _R.c.id == sa.bindparam('registration_id'),
            _R.c.status == sa.bindparam('from_status'),
            _R.c.updated_at == sa.bindparam('from_updated_at', type_=_R.c.updated_at.type),
        )
        .values({name: _param(_R, 'set_', name) for name in changed})
        .returning(_R.c.id)
        .cte('moved')
    )
    writes = [sa.insert(_A).from_select(audited, _select(moved, _A, 'audit_', audited)).cte('audited')]
    writes += _delta_writes(moved, counts, days)
    if message:
        insert = postgresql.insert(_N).from_select(message, _select(moved, _N, 'message_', message))
        writes.append(insert.on_conflict_do_nothing(index_elements=['event_key']).cte('queued'))
    return sa.select(moved.c.id).add_cte(*writes)


def _param(table: sa.Table, prefix: str, name: str) -> sa.BindParameter:
    return sa.bindparam(f'{prefix}{name}', type_=table.c[name].type)


def _select(moved: sa.CTE, table: sa.Table, prefix: str, names) -> sa.Select:
    return sa.select(*(_param(table, prefix, name) for name in names)).select_from(moved)


def _delta_writes(moved: sa.CTE | None, counts: bool, days: bool) -> list[sa.CTE]:
    """INSERTs of the delta rows, each from one JSON array parameter (any number of rows in one parameter: psycopg
    converts a statement of at most 50 parameters once, not per call), typed by the table's own row type; with
    `moved`, only if it has a row."""
    writes = []
    for table, param, present in ((_COUNTS, 'counts', counts), (_DAYS, 'days', days)):
        if not present:
            continue
        names = [column.name for column in table.c if not column.primary_key]
        records = sa.func.jsonb_populate_recordset(
            sa.literal_column(f'NULL::{table.name}'), sa.bindparam(param, type_=postgresql.JSONB)
        ).table_valued(*names)
        rows = sa.select(*(records.c[name] for name in names))
        rows = rows.select_from(moved.join(records, sa.true())) if moved is not None else rows
        writes.append(sa.insert(table).from_select(names, rows).cte(f'{param}_added'))
    return writes


def _delta_params(deltas: Deltas) -> dict[str, list[dict]]:
    count_rows, day_rows = deltas
    # JSON has no dates: the day goes as ISO text, which the row type reads back.
    return {'counts': count_rows, 'days': [{**row, 'day': row['day'].isoformat()} for row in day_rows]}


def _insert_deltas(connection: sa.Connection, deltas: Deltas) -> None:
    for table, rows in zip((_COUNTS, _DAYS), deltas, strict=True):
        if rows:
            connection.execute(sa.insert(table), rows)


def _write_apart(connection, registration_id, seen, changes, audit, deltas, message) -> bool:
    from_status, from_updated_at = seen
    unchanged = (_R.c.id == registration_id, _R.c.status == from_status, _R.c.updated_at == from_updated_at)
    updated = connection.execute(sa.update(_R).where(*unchanged).values(**changes))
    if updated.rowcount != 1:
        return False
    connection.execute(sa.insert(_A), audit)
    _insert_deltas(connection, deltas)
    if message is not None:
        connection.execute(sqlite.insert(_N).on_conflict_do_nothing(index_elements=['event_key']), message)
    return True


def new_row(**values: Any) -> Row:
    """A registration not yet written: every column None but those given."""
    registration = Row(**dict.fromkeys(COLUMNS))
    registration.__dict__.update(values)
    return registration


def reserve_ids(count: int) -> list[tuple[int | None, int | None]]:
    """Ids for `count` registrations and their audit rows, drawn from the sequences in one round trip (None for each
    on a database without sequences: `insert_many` then inserts the registrations one by one).

    Rows that arrive with their ids are inserted as one pipelined executemany; without them SQLAlchemy sends a
    multi-row INSERT … RETURNING whose tens of thousands of placeholders psycopg parses in Python, row by row.
    """
    if db.session.get_bind().dialect.name != 'postgresql':
        return [(None, None)] * count
    return [
        tuple(row)
        for row in db.session.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('registrations', 'id')), "
                "nextval(pg_get_serial_sequence('audit_events', 'id')) FROM generate_series(1, :count)"
            ),
            {'count': count},
        )
    ]


_INSERT_MANY = sa.insert(_R)


def insert_many(registrations: list[Row]) -> None:
    """INSERT registrations that carry their ids as one executemany; one without an id is inserted alone, RETURNING
    its id."""
    carrying = [registration for registration in registrations if registration.id is not None]
    for registration in registrations:
        if registration.id is None:
            registration.id = insert(registration)
    if carrying:
        db.session.execute(_INSERT_MANY, [registration.values(COLUMNS) for registration in carrying])
