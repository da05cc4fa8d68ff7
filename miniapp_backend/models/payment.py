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

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey('registrations.id'), index=True)
    amount_fen: Mapped[int]
    channel: Mapped[PaymentChannel] = mapped_column(enum_column(PaymentChannel))
    source: Mapped[PaymentSource] = mapped_column(enum_column(PaymentSource))
    #: Tax voucher number (电子税票号码); one payment per voucher.
    voucher_no: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey('reviewers.id'))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()
