"""Which zones students may choose, and whether a zone's enrolment window is open."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.errors import EnrolmentError, field_error
from miniapp_backend.extensions import db
from miniapp_backend.models import Zone


def open_zones() -> list[Zone]:
    """The zones students may choose, by code."""
    return list(db.session.scalars(sa.select(Zone).where(Zone.open_to_students).order_by(Zone.code)))


def open_zone(code: str) -> Zone | None:
    return db.session.scalars(sa.select(Zone).where(Zone.code == code, Zone.open_to_students)).first()


def find_zone(code: str) -> Zone:
    """An open zone named in a request body, or a 400 naming the zone_code field."""
    zone = open_zone(code)
    if zone is None:
        raise not_open()
    return zone


def not_open() -> EnrolmentError:
    """The refusal of a zone_code no open zone has."""
    return field_error('zone_code', '该地方专区不存在或未开放')


def check_window(zone: Zone, now: datetime) -> None:
    if not zone.window_opens_at <= now <= zone.window_closes_at:
        raise EnrolmentError(
            'window_closed',
            f'{zone.name}{zone.year}年度参保登记不在办理期内'
            f'（{labels.beijing(zone.window_opens_at, "%Y-%m-%d")}至{labels.beijing(zone.window_closes_at, "%Y-%m-%d")}）',
        )
