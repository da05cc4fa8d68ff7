"""Large exports written by a worker to a file, with progress and a download that expires."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_backend.extensions import db
from miniapp_backend.models.base import JSONType, UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import ImportStatus


class ExportJob(db.Model):
    __tablename__ = 'export_jobs'

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which list (enrolment.reports.exports.KINDS), with the filters it was shown with.
    kind: Mapped[str] = mapped_column(sa.String(32))
    filters: Mapped[dict] = mapped_column(JSONType, default=dict)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey('reviewers.id'))
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.QUEUED)
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    #: The workbook on disk (under the instance folder) once finished; removed when it expires.
    path: Mapped[str | None] = mapped_column(sa.String(255))
    message: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a worker claimed it: staleness counts from here, not from the upload (a queue may be busy).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
