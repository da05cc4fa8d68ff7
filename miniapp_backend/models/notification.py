"""The outbox of subscription messages, and each student's one-time subscription quota."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import JSONType, UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import NotificationKind, NotificationStatus
from miniapp_backend.models.people import Student


class Notification(db.Model):
    """Written in the same transaction as the change it reports; workers drain it."""

    __tablename__ = 'notifications'
    __table_args__ = (
        sa.Index(
            'ix_notifications_due',
            'next_attempt_at',
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
        # The sweep for rows left sending past their lease runs before every drain; sent rows are never removed.
        sa.Index(
            'ix_notifications_sending',
            'next_attempt_at',
            postgresql_where=sa.text("status = 'sending'"),
            sqlite_where=sa.text("status = 'sending'"),
        ),
        sa.Index('ix_notifications_student', 'student_id', 'created_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey('students.id'))
    registration_id: Mapped[int | None] = mapped_column(sa.ForeignKey('registrations.id'))
    suspension_id: Mapped[int | None] = mapped_column(sa.ForeignKey('suspensions.id'))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    #: One row per event: a second write of the same event is refused, so it is never sent twice.
    event_key: Mapped[str] = mapped_column(sa.String(128), unique=True)
    template_id: Mapped[str | None] = mapped_column(sa.String(128))
    page: Mapped[str | None] = mapped_column(sa.String(255))
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: What the student reads in the app's message list.
    title: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text, default='')
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set (and committed) just before the HTTP call leaves: a `sending` row without it was never sent.
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()


class SubscriptionQuota(db.Model):
    """Each accept in wx.requestSubscribeMessage allows exactly one message; WeChat reports no balance."""

    __tablename__ = 'subscription_quotas'

    student_id: Mapped[int] = mapped_column(sa.ForeignKey('students.id'), primary_key=True)
    template_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
