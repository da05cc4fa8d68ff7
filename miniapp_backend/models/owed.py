"""GET /me invalidations that Redis could not take when their change committed, kept until it can."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, utcnow


class OwedBump(db.Model):
    """A generation counter (enrolment/students/cached_view.py) a commit could not move on: a student's, or with no
    student the zones' one. Written only when Redis failed; the scheduler's settle_owed_bumps moves it on."""

    __tablename__ = 'owed_bumps'

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None: the one counter of all zones' settings.
    student_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
