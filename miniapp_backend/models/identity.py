"""Proofs that a WeChat user (a student's openid) is the person behind an ID number."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import ProofMethod, ProofStatus
from miniapp_backend.models.people import Student
from miniapp_backend.security.crypto import EncryptedBytes, EncryptedString


class IdentityProof(db.Model):
    """One attempt to prove an identity: a face verification session or a request for the centre's review."""

    __tablename__ = 'identity_proofs'
    __table_args__ = (
        sa.Index('ix_identity_proofs_student_person', 'student_id', 'id_index'),
        # One request waiting for the centre per student and person: a second (a second phone, a page opened before
        # the first was sent) would put the same person twice in the reviewers' queue.
        sa.Index(
            'uq_identity_proofs_pending_review',
            'student_id',
            'id_index',
            unique=True,
            postgresql_where=sa.text("method = 'centre' AND status = 'pending'"),
            sqlite_where=sa.text("method = 'centre' AND status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey('students.id'))
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey('zones.id'))
    method: Mapped[ProofMethod] = mapped_column(enum_column(ProofMethod))
    status: Mapped[ProofStatus] = mapped_column(enum_column(ProofStatus), default=ProofStatus.PENDING)
    #: Blind indexes of the ID number and of the name the student gave: compared, never shown.
    id_index: Mapped[str] = mapped_column(sa.String(64))
    name_index: Mapped[str] = mapped_column(sa.String(64))
    id_number: Mapped[str] = mapped_column(EncryptedString('identity_proofs.id_number'))
    name: Mapped[str] = mapped_column(EncryptedString('identity_proofs.name'))
    #: Face verification: WeChat's session id (bound to this student's openid, queried once) and our serial.
    verify_id: Mapped[str | None] = mapped_column(sa.String(256), unique=True)
    out_seq_no: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    verify_ret: Mapped[int | None]
    #: Centre review: the ID-card photo (re-encoded), and who decided.
    photo: Mapped[bytes | None] = mapped_column(EncryptedBytes('identity_proofs.photo'))
    photo_type: Mapped[str | None] = mapped_column(sa.String(64))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('reviewers.id'))
    review_reason: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student] = relationship()
