"""The school roster (学籍名单): every student a school has on its books for a coverage year."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import StudyMode
from miniapp_backend.models.zone import School
from miniapp_backend.security.crypto import EncryptedString


class RosterEntry(db.Model):
    """One student of one school for one year; statistics count who on it has not enrolled yet."""

    __tablename__ = 'roster_entries'
    __table_args__ = (
        sa.UniqueConstraint('zone_id', 'year', 'id_index'),
        sa.Index('ix_roster_entries_scope', 'zone_id', 'year', 'school_id', 'college', 'class_name'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'))
    year: Mapped[int]
    school_id: Mapped[int] = mapped_column(sa.ForeignKey('schools.id'))
    student_no: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(64))
    id_number: Mapped[str] = mapped_column(EncryptedString('roster_entries.id_number'))
    #: HMAC blind index of the ID number: joins the roster to registrations without decrypting.
    id_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    college: Mapped[str] = mapped_column(sa.String(128))
    class_name: Mapped[str] = mapped_column(sa.String(128))
    enrolment_year: Mapped[int]
    study_mode: Mapped[StudyMode] = mapped_column(enum_column(StudyMode), default=StudyMode.FULL_TIME)
    #: Set when a counsellor marks the student as not needing this insurance (参保管理).
    exempt_reason: Mapped[str | None] = mapped_column(sa.String(128))
    exempt_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('reviewers.id'))
    exempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship()
