"""Regional zones (地方专区) with their yearly settings, and the schools in them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from miniapp_backend.extensions import db
from miniapp_backend.models.base import JSONType, UTCDateTime


class Zone(db.Model):
    """A zone's settings change by year and city, so none of them is a constant in code."""

    __tablename__ = 'zones'

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 6-digit division code, e.g. 341800 宣城市.
    code: Mapped[str] = mapped_column(sa.String(6), unique=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    #: Coverage year being enrolled (autumn 2026 enrols for 2027).
    year: Mapped[int]
    premium_fen: Mapped[int]
    window_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Ordered review stages, e.g. ['centre'] or ['counsellor', 'college', 'school'].
    review_stages: Mapped[list] = mapped_column(JSONType, default=lambda: ['centre'])
    #: Tax-bureau payment mini-program and the path template ({zone_code}, {year}, {id_hint} filled in).
    pay_appid: Mapped[str] = mapped_column(sa.String(64), default='')
    pay_path_template: Mapped[str] = mapped_column(sa.String(255), default='')
    pay_env_version: Mapped[str] = mapped_column(sa.String(16), default='release')
    pay_official_account_url: Mapped[str | None] = mapped_column(sa.String(255))
    family_channel: Mapped[bool] = mapped_column(default=False)
    family_appid: Mapped[str | None] = mapped_column(sa.String(64))
    family_path_template: Mapped[str | None] = mapped_column(sa.String(255))
    agency_name: Mapped[str] = mapped_column(sa.String(128), default='')
    tax_authority_name: Mapped[str] = mapped_column(sa.String(128), default='')
    service_phone: Mapped[str | None] = mapped_column(sa.String(32))
    #: Suspensions at this zone are confirmed inside the platform (after its data upload delay).
    in_platform: Mapped[bool] = mapped_column(default=True)
    suspension_delay_minutes: Mapped[int] = mapped_column(default=10)
    remind_days_before_close: Mapped[int] = mapped_column(default=3)
    open_to_students: Mapped[bool] = mapped_column(default=True)
    #: Reviewers' names for the review stages, e.g. {'centre': '市医保中心审核'}; unnamed stages keep the default.
    stage_names: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: Notification kinds this zone does not send (neither pushed nor listed in the app).
    muted_kinds: Mapped[list] = mapped_column(JSONType, default=list)
    #: Subscription templates by notification kind: {kind: {template_id, page, fields: {key: source}}}.
    message_templates: Mapped[dict] = mapped_column(JSONType, default=dict)
    #: Commitment letter wording with {name}, {id_number}, {school}, {zone}, {year} placeholders; None: default.
    letter_template: Mapped[str | None] = mapped_column(sa.Text)
    notices: Mapped[list] = mapped_column(JSONType, default=list)
    #: WeChat face verification 2.0 is enabled for this zone's mini-program (a capability applied for).
    face_verification: Mapped[bool] = mapped_column(default=False)
    #: A subsidised declaration must match the imported subsidised list before submission and approval.
    subsidised_match_required: Mapped[bool] = mapped_column(default=False)
    #: The ID-card photo is part of the registration's materials (登记材料, seed 002): no submission without it.
    id_photo_required: Mapped[bool] = mapped_column(default=False)

    schools: Mapped[list[School]] = relationship(back_populates='zone', order_by='School.code')

    def __repr__(self) -> str:
        return f'<Zone {self.code} {self.name} {self.year}>'


class School(db.Model):
    __tablename__ = 'schools'
    __table_args__ = (sa.UniqueConstraint('zone_id', 'code'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey('zones.id'), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(128))

    zone: Mapped[Zone] = relationship(back_populates='schools')
    colleges: Mapped[list[College]] = relationship(back_populates='school', order_by='College.name')


class College(db.Model):
    __tablename__ = 'colleges'
    __table_args__ = (sa.UniqueConstraint('school_id', 'name'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey('schools.id'), index=True)
    name: Mapped[str] = mapped_column(sa.String(128))

    school: Mapped[School] = relationship(back_populates='colleges')
    classes: Mapped[list[SchoolClass]] = relationship(back_populates='college', order_by='SchoolClass.name')


class SchoolClass(db.Model):
    __tablename__ = 'school_classes'
    __table_args__ = (sa.UniqueConstraint('college_id', 'name'),)

    id: Mapped[int] = mapped_column(primary_key=True)
    college_id: Mapped[int] = mapped_column(sa.ForeignKey('colleges.id'), index=True)
    name: Mapped[str] = mapped_column(sa.String(128))

    college: Mapped[College] = relationship(back_populates='classes')
