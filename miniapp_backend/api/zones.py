"""Zones open to students and their schools."""

from __future__ import annotations

from flask_smorest import Blueprint

from miniapp_backend.api.docs import errors
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.zones.availability import open_zone, open_zones
from schemas.zones import SchoolListSchema, ZoneListSchema

blp = Blueprint('zones', __name__, description='地方专区')


@blp.get('/zones')
@blp.response(200, ZoneListSchema)
def list_zones():
    """Zones open to students, with year, premium, window and payment channels."""
    return {'zones': open_zones()}


@blp.get('/zones/<string:code>/schools')
@blp.response(200, SchoolListSchema)
@errors(blp, 400, 404)
def list_schools(code):
    """The zone's schools."""
    zone = open_zone(code)
    if zone is None:
        raise EnrolmentError('not_found', '该地方专区不存在', status=404)
    return {'schools': zone.schools}
