"""A subsidised declaration (资助参保身份) against the zone's imported subsidised list (seed 003's 资助对象)."""

from __future__ import annotations

import sqlalchemy as sa

from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, SubsidisedPerson


def listed(registration: Registration) -> SubsidisedPerson | None:
    """The person's entry on this zone's list for the registration's year."""
    return db.session.scalars(
        sa.select(SubsidisedPerson).where(
            SubsidisedPerson.id_index == registration.id_index,
            SubsidisedPerson.zone_id == registration.zone_id,
            SubsidisedPerson.year == registration.year,
        )
    ).first()


def mismatch(registration: Registration) -> str | None:
    """Why the declaration does not match the list (Chinese), or None when it does or nothing was declared."""
    declared = registration.special_identity
    if declared is None:
        return None
    entry = listed(registration)
    if entry is None:
        return f'申报资助身份「{declared.label}」，但不在本专区{registration.year}年度资助名单中'
    if entry.category != declared:
        return f'申报资助身份「{declared.label}」，资助名单中为「{entry.category.label}」'
    return None
