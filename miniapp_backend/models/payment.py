"""Payments recorded against registrations."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import UTCDateTime, enum_column, utcnow
from miniapp_backend.models.enums import PaymentChannel, PaymentSource
from miniapp_backend.models.registration import Registration


class Payment(db.Model):
    __tablename__ = 'payments'
    __table_args__ = (
        # One payment per registration per voucher; NULLS NOT DISTINCT: only one voucher-less one either.
        sa.UniqueConstraint('registration_id', 'voucher_no', postgresql_nulls_not_distinct=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey('registrations.id'), index=True)
    amount_fen: Mapped[int]
    channel: Mapped[PaymentChannel] = mapped_column(enum_column(PaymentChannel))
    source: Mapped[PaymentSource] = mapped_column(enum_column(PaymentSource))
    #: Tax voucher number (电子税票号码); one payment per voucher.
    voucher_no: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('reviewers.id'))
    #: The token of the form that recorded it (cash entry): a double submit finds this row instead of a second.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()
