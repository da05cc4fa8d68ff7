"""The insured register: who is in normal enrolment where, and the subsidised-person lists."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import InsuredStatus, SpecialIdentity
from miniapp_backend.models.zone import Zone
from miniapp_backend.security.crypto import EncryptedString


class InsuredPerson(db.Model):
    """Filled by roster imports and by every paid registration; read by the duplicate check and renewals."""

    __tablename__ = 'insured_persons'
    # The register page: one zone's people, newest first, paged by id.
    __table_args__ = (sa.UniqueConstraint('id_index', 'zone_id'), sa.Index('ix_insured_persons_zone', 'zone_id', 'id'))

    id: Mapped[int] = mapped_column(primary_key=True)
    id_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    id_number: Mapped[str] = mapped_column(EncryptedString('insured_persons.id_number'))
    name: Mapped[str] = mapped_column(sa.String(64))
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'))
    #: NHSA insurance type, 390 = 城乡居民基本医疗保险.
    insurance_type: Mapped[str] = mapped_column(sa.String(3), default='390')
    status: Mapped[InsuredStatus] = mapped_column(enum_column(InsuredStatus), default=InsuredStatus.NORMAL)
    since: Mapped[date]
    until: Mapped[date | None]
    #: Last coverage year paid in this zone (renewal looks for zone.year - 1).
    paid_through_year: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.String(32), default='roster')
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    zone: Mapped[Zone] = relationship()


class SubsidisedPerson(db.Model):
    """A person on the civil-affairs / rural-revitalisation lists a zone imports (低保, 特困, 监测对象 …)."""

    __tablename__ = 'subsidised_persons'
    __table_args__ = (sa.UniqueConstraint('id_index', 'zone_id', 'year'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    id_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'))
    year: Mapped[int]
    category: Mapped[SpecialIdentity] = mapped_column(enum_column(SpecialIdentity))
    #: As the list gives them, for the subsidised-list page (lists imported before they were kept have none).
    name: Mapped[str | None] = mapped_column(sa.String(64))
    id_number: Mapped[str | None] = mapped_column(EncryptedString('subsidised_persons.id_number'))
    source: Mapped[str] = mapped_column(sa.String(64), default='')
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
