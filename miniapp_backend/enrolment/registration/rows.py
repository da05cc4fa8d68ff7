"""A registration as one Core statement read it: what the hot student paths (create, submit) decide on and answer
with, without loading mapped objects or flushing them (docs/DESIGN.md §3.4).

A `Row` carries the model's attribute names (its columns, `zone`, `school`, `history`, `photo_uploaded`,
`letter_signed`), so the state machine's rules and the response presenter read it as they read a `Registration`.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from miniapp_backend.enrolment.registration import duplicates
from miniapp_backend.enrolment.students import tokens
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, CommitmentLetter, Document, Registration, School, Student, Zone

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


#: What the hot paths read of a zone (window, review stages, premium, messages, the subsidised rule), carried by
#: their first statement as `zone_<name>` and kept as attributes of `Row.zone`.
ZONE_FIELDS = (
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
    'letter_template',
    'subsidised_match_required',
    'open_to_students',
)
_Z = Zone.__table__
_ZONE = tuple(_Z.c[name].label(f'zone_{name}') for name in ZONE_FIELDS)
#: The student's current token version, checked against the token's (tokens.check_version) in the same round trip.
_TOKEN_VERSION = (
    sa.select(Student.token_version)
    .where(Student.id == sa.bindparam('student_id'))
    .scalar_subquery()
    .label('token_version')
)


def _zone(values) -> SimpleNamespace:
    return SimpleNamespace(**{name: values[f'zone_{name}'] for name in ZONE_FIELDS})


#: The registration with its zone, its school's code, whether its photo and letter exist, where else its person is
#: enrolled (the duplicate rule's two sources, DESIGN §3.5), the student's token version and its history: one row
#: per transition (one row if none).
_ENROLLED_ON_REGISTER, _ACTIVE_ELSEWHERE = duplicates.enrolled_zone_columns(
    _R.c.id_index, _R.c.zone_id, _R.c.year, sa.bindparam('today'), _R.c.id
)
_FOR_SUBMIT = (
    sa.select(
        _R,
        *_ZONE,
        _TOKEN_VERSION,
        School.code.label('school_code'),
        sa.exists().where(Document.registration_id == _R.c.id, Document.kind == 'id_photo').label('photo_uploaded'),
        sa.exists().where(CommitmentLetter.registration_id == _R.c.id).label('letter_signed'),
        _ENROLLED_ON_REGISTER.label('enrolled_on_register'),
        _ACTIVE_ELSEWHERE.label('active_elsewhere'),
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
    same round trip; None when there is no such registration of this student's."""
    rows = (
        db.session.execute(_FOR_SUBMIT, {'id': registration_id, 'today': today, 'student_id': claims.student_id}).all()
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
    registration = Row(**{name: first[name] for name in COLUMNS})
    registration.zone = _zone(first)
    registration.school = school(first['school_code'])
    registration.photo_uploaded = bool(first['photo_uploaded'])
    registration.letter_signed = bool(first['letter_signed'])
    registration.enrolled_zone_id = first['enrolled_on_register'] or first['active_elsewhere']
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
    *_ZONE,
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
        _R.c.status.in_(sa.bindparam('editable', expanding=True)),
    )
    .order_by(_R.c.id)
    .limit(1)
    .scalar_subquery()
    .label('draft_id'),
    _CREATE_ON_REGISTER.label('enrolled_on_register'),
    _CREATE_ACTIVE.label('active_elsewhere'),
).where(_Z.c.code == sa.bindparam('zone_code'), _Z.c.open_to_students)


def create_checks(claims: tokens.Claims, values: dict[str, Any]):
    """The row of `_CREATE_CHECKS` (`values`: zone_code, school_code, id_index, today, editable) with `zone` made
    from it, after the token's version is checked; None when no open zone has the code."""
    found = db.session.execute(_CREATE_CHECKS, {**values, 'student_id': claims.student_id}).first()
    if found is None:
        tokens.student_with_version(*claims)
        return None
    tokens.check_version(claims, found.token_version)
    checks = SimpleNamespace(**found._mapping)
    checks.zone = _zone(found._mapping)
    return checks


_INSERT = sa.insert(_R).returning(_R.c.id)
_INSERTED = tuple(name for name in COLUMNS if name != 'id')


def insert(registration: Row) -> int:
    """INSERT the new registration, RETURNING its id."""
    return db.session.execute(_INSERT, registration.values(_INSERTED)).scalar_one()


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
