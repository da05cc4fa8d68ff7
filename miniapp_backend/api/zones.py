"""Zones open to students and their schools."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Blueprint

from miniapp_backend.api import presenters
from miniapp_backend.api.docs import errors
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.extensions import db
from miniapp_backend.models import Zone
from schemas.zones import SchoolListSchema, ZoneListSchema

blp = Blueprint('zones', __name__, description='地方专区')


@blp.get('/zones')
@blp.response(200, ZoneListSchema)
def list_zones():
    """Zones open to students, with year, premium, window and payment channels."""
    zones = db.session.scalars(sa.select(Zone).where(Zone.open_to_students).order_by(Zone.code))
    return {'zones': [presenters.zone(zone) for zone in zones]}


@blp.get('/zones/<string:code>/schools')
@blp.response(200, SchoolListSchema)
@errors(blp, 404)
def list_schools(code):
    """The zone's schools."""
    zone = db.session.scalars(sa.select(Zone).where(Zone.code == code, Zone.open_to_students)).first()
    if zone is None:
        raise EnrolmentError('not_found', '该地方专区不存在', status=404)
    return {'schools': [{'code': school.code, 'name': school.name} for school in zone.schools]}
