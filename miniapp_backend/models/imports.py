"""Excel imports run by workers, with their progress and per-row errors."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import ImportKind, ImportStatus
from miniapp_backend.security.crypto import EncryptedBytes


class ImportJob(db.Model):
    __tablename__ = 'import_jobs'

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind))
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey('reviewers.id'))
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: The uploaded workbook, kept until the job has read it; it may hold ID numbers. Deferred: the runner commits
    #: after every chunk, and each reload of the job's progress would otherwise fetch and decrypt the whole file.
    workbook: Mapped[bytes | None] = mapped_column(EncryptedBytes('import_jobs.workbook'), deferred=True)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.QUEUED)
    rq_job_id: Mapped[str | None] = mapped_column(sa.String(64))
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    ok_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When a worker claimed it: staleness counts from here, not from the upload (a queue may be busy).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    zone: Mapped[Zone] = relationship()  # noqa: F821
    errors: Mapped[list[ImportRowError]] = relationship(back_populates='job', order_by='ImportRowError.id')


class ImportRowError(db.Model):
    __tablename__ = 'import_row_errors'

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey('import_jobs.id'), index=True)
    row: Mapped[int]
    column: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(255))

    job: Mapped[ImportJob] = relationship(back_populates='errors')
