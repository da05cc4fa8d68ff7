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
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, CommitmentLetter, Document, Registration, School, Zone

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


#: The registration with its school's code, whether its photo and letter exist, where else its person is enrolled
#: (the duplicate rule's two sources, DESIGN §3.5) and its history: one row per transition (one row if none).
_ENROLLED_ON_REGISTER, _ACTIVE_ELSEWHERE = duplicates.enrolled_zone_columns(
    _R.c.id_index, _R.c.zone_id, _R.c.year, sa.bindparam('today'), _R.c.id
)
_FOR_SUBMIT = (
    sa.select(
        _R,
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
        _R.outerjoin(School, School.id == _R.c.school_id).outerjoin(
            _A, sa.and_(_A.c.registration_id == _R.c.id, _A.c.action == 'transition')
        )
    )
    .where(_R.c.id == sa.bindparam('id'))
    .order_by(_A.c.id)
)


def for_submit(registration_id: int, zone: Zone | None, today: date) -> Row | None:
    """The registration with everything a submission checks and answers with, in one round trip; `zone` is the
    student's zone (loaded with the token), used when it is the registration's."""
    if not 0 < registration_id < 2**31:
        return None  # ids beyond the column's range cannot exist
    rows = db.session.execute(_FOR_SUBMIT, {'id': registration_id, 'today': today}).all()
    if not rows:
        return None
    first = rows[0]._mapping
    registration = Row(**{name: first[name] for name in COLUMNS})
    registration.zone = zone if zone is not None and zone.id == registration.zone_id else None
    registration.zone = registration.zone or db.session.get(Zone, registration.zone_id)
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
