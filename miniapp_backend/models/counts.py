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
