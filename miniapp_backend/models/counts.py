"""Registration counts kept current as registrations change, so statistics never scan the registrations."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_backend.extensions import db


class RegistrationCount(db.Model):
    """How many registrations, and what they owe and paid, per scope cell (zone, school, college, class), status
    and payment channel. Absent parts are 0 / '' rather than NULL, so each cell has exactly one row."""

    __tablename__ = 'registration_counts'

    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'), primary_key=True)
    school_id: Mapped[int] = mapped_column(primary_key=True)
    college: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    class_name: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    payment_channel: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    due_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    paid_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class RegistrationDay(db.Model):
    """Per scope cell and day (UTC): registrations whose submission, and whose payment, falls on it."""

    __tablename__ = 'registration_days'

    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'), primary_key=True)
    school_id: Mapped[int] = mapped_column(primary_key=True)
    college: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    class_name: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    submitted: Mapped[int] = mapped_column(default=0)
    paid: Mapped[int] = mapped_column(default=0)


class RegistrationCountDelta(db.Model):
    """A change to RegistrationCount not yet folded into it. Writers only insert here (no row is updated by two
    transactions at once, so a busy class does not queue its submissions behind one counter row); the
    scheduler folds the deltas in, and readers add the unfolded ones."""

    __tablename__ = 'registration_count_deltas'

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'))
    school_id: Mapped[int]
    college: Mapped[str] = mapped_column(sa.String(128))
    class_name: Mapped[str] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(32))
    payment_channel: Mapped[str] = mapped_column(sa.String(16))
    count: Mapped[int]
    due_fen: Mapped[int] = mapped_column(sa.BigInteger)
    paid_fen: Mapped[int] = mapped_column(sa.BigInteger)


class RegistrationDayDelta(db.Model):
    """A change to RegistrationDay not yet folded into it (see RegistrationCountDelta)."""

    __tablename__ = 'registration_day_deltas'

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'))
    school_id: Mapped[int]
    college: Mapped[str] = mapped_column(sa.String(128))
    class_name: Mapped[str] = mapped_column(sa.String(128))
    day: Mapped[date]
    submitted: Mapped[int]
    paid: Mapped[int]
