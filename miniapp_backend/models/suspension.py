"""Suspension of the home-town enrolment (暂停参保 / 停保登记)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import SuspensionStatus
from miniapp_backend.models.people import Reviewer, Student
from miniapp_backend.models.zone import Zone
from miniapp_backend.security.crypto import EncryptedString


class Suspension(db.Model):
    __tablename__ = 'suspensions'
    __table_args__ = (
        # The suspension poll picks submitted rows by due time.
        sa.Index(
            'ix_suspensions_due',
            'next_check_at',
            postgresql_where=sa.text("status = 'submitted'"),
            sqlite_where=sa.text("status = 'submitted'"),
        ),
        # One pending request per person and home town: a second one (a double tap, a second device, an import
        # beside the student's own) would ask the home town twice and be decided twice.
        sa.Index(
            'uq_suspensions_pending',
            'id_index',
            'origin_zone_code',
            unique=True,
            postgresql_where=sa.text("status = 'submitted'"),
            sqlite_where=sa.text("status = 'submitted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int | None] = mapped_column(sa.ForeignKey('students.id'), index=True)
    origin_zone_code: Mapped[str] = mapped_column(sa.String(6))
    #: The origin zone when it is inside the platform; None for a home town reached through the gateway.
    origin_zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey('zones.id'))
    id_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number: Mapped[str] = mapped_column(EncryptedString('suspensions.id_number'))
    name: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(255))
    suspend_from: Mapped[date]
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[SuspensionStatus] = mapped_column(enum_column(SuspensionStatus), default=SuspensionStatus.SUBMITTED)
    message: Mapped[str | None] = mapped_column(sa.String(255))
    #: The zone whose reviewers recorded or decided it by hand (a phone suspension has no student account).
    handled_by_zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey('zones.id'))
    gateway_ref: Mapped[str | None] = mapped_column(sa.String(64))
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The reviewer who decided it by hand (the desk's 确认 / 不予停保, a phone suspension); None when the home town
    #: answered (the worker's confirmation, the origin gateway).
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('reviewers.id'))

    student: Mapped[Student | None] = relationship()
    origin_zone: Mapped[Zone | None] = relationship(foreign_keys=[origin_zone_id])
    decided_by: Mapped[Reviewer | None] = relationship()
