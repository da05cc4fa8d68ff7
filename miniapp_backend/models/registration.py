"""Registrations (参保登记), their commitment letters and uploaded documents."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import (
    ACTIVE_STATUSES,
    Identity,
    IdType,
    MaritalStatus,
    PaymentChannel,
    RegistrationStatus,
    SpecialIdentity,
)
from miniapp_backend.models.people import Student
from miniapp_backend.models.zone import School, Zone
from miniapp_backend.security.crypto import EncryptedBytes, EncryptedString

_ACTIVE_SQL = 'status IN ({})'.format(', '.join(f"'{s.value}'" for s in ACTIVE_STATUSES))
_QUEUE_SQL = "status IN ('submitted', 'under_review')"
_DRAFT_SQL = "status = 'draft'"


class Registration(db.Model):
    """One person's enrolment for one coverage year in one zone; only enrolment.registration.states moves `status`."""

    __tablename__ = 'registrations'
    __table_args__ = (
        # The duplicate rule lives in the database, not only in Python (DESIGN §3.5).
        sa.Index(
            'uq_registrations_active_person_year',
            'id_index',
            'year',
            unique=True,
            postgresql_where=sa.text(_ACTIVE_SQL),
            sqlite_where=sa.text(_ACTIVE_SQL),
        ),
        # One draft per student, zone and year, also when two of their requests create one at once (a double tap).
        sa.Index(
            'uq_registrations_student_draft',
            'student_id',
            'zone_id',
            'year',
            unique=True,
            postgresql_where=sa.text(_DRAFT_SQL),
            sqlite_where=sa.text(_DRAFT_SQL),
        ),
        sa.Index('ix_registrations_zone_status', 'zone_id', 'status'),
        # Admin lists page newest first by keyset on (zone, id); the review queue's statuses are a small part
        # of a zone's rows, so it has its own partial index.
        sa.Index('ix_registrations_zone_id', 'zone_id', 'id'),
        sa.Index(
            'ix_registrations_queue',
            'zone_id',
            'id',
            postgresql_where=sa.text(_QUEUE_SQL),
            sqlite_where=sa.text(_QUEUE_SQL),
        ),
        # Name search anywhere in the name (LIKE '%…%') by trigrams; needs the pg_trgm extension.
        sa.Index('ix_registrations_name_trgm', 'name', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'}),
        # Payment polls pick approved-unpaid rows by due time without scanning the table.
        sa.Index(
            'ix_registrations_payment_due',
            'payment_check_at',
            postgresql_where=sa.text("status = 'approved'"),
            sqlite_where=sa.text("status = 'approved'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for a registration a school imported for a student who has not used the mini-program.
    student_id: Mapped[int | None] = mapped_column(sa.ForeignKey('students.id'), index=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'))
    year: Mapped[int]
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus), default=RegistrationStatus.DRAFT
    )
    #: Current review stage while under review (one of the zone's review_stages).
    stage: Mapped[str | None] = mapped_column(sa.String(32))
    review_reason: Mapped[str | None] = mapped_column(sa.Text)
    renewal: Mapped[bool] = mapped_column(default=False)

    name: Mapped[str] = mapped_column(sa.String(64))
    id_type: Mapped[IdType] = mapped_column(enum_column(IdType), default=IdType.RESIDENT_ID)
    id_number: Mapped[str] = mapped_column(EncryptedString('registrations.id_number'))
    #: HMAC blind index of the ID number, for lookups and the duplicate rule.
    id_index: Mapped[str] = mapped_column(sa.String(64), index=True)
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(sa.String(1))
    ethnicity: Mapped[str | None] = mapped_column(sa.String(2))
    marital_status: Mapped[MaritalStatus | None] = mapped_column(enum_column(MaritalStatus))
    phone: Mapped[str | None] = mapped_column(EncryptedString('registrations.phone'))
    residence_address: Mapped[str | None] = mapped_column(EncryptedString('registrations.residence_address'))
    hukou_address: Mapped[str | None] = mapped_column(EncryptedString('registrations.hukou_address'))
    hukou_region_code: Mapped[str | None] = mapped_column(sa.String(6))
    #: The county as WeChat's region picker named it (安徽省 淮南市 田家庵区): shown back, never a bare code.
    hukou_region_name: Mapped[str | None] = mapped_column(sa.String(64))
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey('schools.id'), index=True)
    student_no: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    college: Mapped[str | None] = mapped_column(sa.String(128))
    class_name: Mapped[str | None] = mapped_column(sa.String(128))
    identity: Mapped[Identity] = mapped_column(enum_column(Identity), default=Identity.COLLEGE_STUDENT)
    special_identity: Mapped[SpecialIdentity | None] = mapped_column(enum_column(SpecialIdentity))
    bank_name: Mapped[str | None] = mapped_column(sa.String(64))
    bank_account_name: Mapped[str | None] = mapped_column(EncryptedString('registrations.bank_account_name'))
    bank_account_no: Mapped[str | None] = mapped_column(EncryptedString('registrations.bank_account_no'))

    amount_due_fen: Mapped[int | None]
    payment_channel: Mapped[PaymentChannel | None] = mapped_column(enum_column(PaymentChannel))
    #: Next time the payment poll should ask the tax bureau about this approved registration.
    payment_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when something needs a reviewer's eye, e.g. a paid amount that differs from the premium.
    flag: Mapped[str | None] = mapped_column(sa.String(255))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[Student | None] = relationship()
    zone: Mapped[Zone] = relationship()
    school: Mapped[School | None] = relationship()
    letter: Mapped[CommitmentLetter | None] = relationship(back_populates='registration', uselist=False)
    documents: Mapped[list[Document]] = relationship(back_populates='registration')
    #: The audit rows of its transitions, oldest first (what the student's history shows).
    history: Mapped[list[AuditEvent]] = relationship(  # noqa: F821
        primaryjoin="and_(AuditEvent.registration_id == Registration.id, AuditEvent.action == 'transition')",
        order_by='AuditEvent.id',
        viewonly=True,
    )

    @property
    def letter_required(self) -> bool:
        return self.special_identity is not None

    def __repr__(self) -> str:
        return f'<Registration {self.id} {self.status} {self.year}>'


class CommitmentLetter(db.Model):
    """The rendered letter and the drawn signature, sealed together (SHA-256 + Ed25519)."""

    __tablename__ = 'commitment_letters'

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey('registrations.id'), unique=True)
    text: Mapped[str] = mapped_column(EncryptedString('commitment_letters.text'))
    signature_png: Mapped[bytes] = mapped_column(EncryptedBytes('commitment_letters.signature_png'))
    #: SHA-256 over the sealed payload (letter text + signature bytes).
    sha256: Mapped[str] = mapped_column(sa.String(64))
    seal_signature: Mapped[str] = mapped_column(sa.Text)
    seal_key: Mapped[str] = mapped_column(sa.String(32))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates='letter')


class Document(db.Model):
    """An uploaded file of a registration (the ID-card photo), re-encoded and encrypted."""

    __tablename__ = 'documents'
    __table_args__ = (sa.UniqueConstraint('registration_id', 'kind'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey('registrations.id'))
    kind: Mapped[str] = mapped_column(sa.String(32))
    content_type: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(EncryptedBytes('documents.data'))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates='documents')


#: Whether the ID-card photo is uploaded, loaded on first use without reading (and decrypting) the photo.
Registration.photo_uploaded = column_property(
    sa.exists().where(Document.registration_id == Registration.id, Document.kind == 'id_photo'),
    deferred=True,
    expire_on_flush=False,
)
#: Whether the commitment letter is signed, likewise without loading the sealed letter.
Registration.letter_signed = column_property(
    sa.exists().where(CommitmentLetter.registration_id == Registration.id), deferred=True, expire_on_flush=False
)
