"""Students (WeChat users) and reviewers (admin-page users)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import ReviewerRole
from miniapp_backend.models.zone import School, Zone
from miniapp_backend.security.crypto import EncryptedString


class Student(db.Model):
    __tablename__ = 'students'

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(sa.String(64))
    #: Kept server-side only, never sent to the mini-program.
    session_key: Mapped[str | None] = mapped_column(EncryptedString('students.session_key'))
    phone: Mapped[str | None] = mapped_column(EncryptedString('students.phone'))
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey('zones.id'))
    #: Bumped to revoke every bearer token issued before.
    token_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    zone: Mapped[Zone | None] = relationship()


class Reviewer(db.Model):
    """A reviewer's role and scope decide which registrations every admin query may see."""

    __tablename__ = 'reviewers'

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(64), default='')
    role: Mapped[ReviewerRole] = mapped_column(enum_column(ReviewerRole))
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'), index=True)
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey('schools.id'))
    college: Mapped[str | None] = mapped_column(sa.String(128))
    class_name: Mapped[str | None] = mapped_column(sa.String(128))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set by an administrator's password reset: the next login must choose a new password first.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped on logout or deactivation so old session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    zone: Mapped[Zone] = relationship()
    school: Mapped[School | None] = relationship()
