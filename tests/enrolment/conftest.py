"""Fixtures for calling the enrolment rules directly, inside the test's own transaction (no HTTP)."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def other_zone(create_zone):
    return create_zone('530000', '云南省本级')


@pytest.fixture
def insure(app):
    """Put a person on the insured register of a zone."""
    from miniapp_backend.extensions import db
    from miniapp_backend.models import InsuredPerson
    from miniapp_backend.models.enums import InsuredStatus
    from miniapp_backend.security.blind_index import blind_index

    def insure(
        id_number: str,
        zone,
        *,
        status: str = 'normal',
        until: date | None = None,
        paid_through_year: int | None = None,
        name: str = '李云',
    ) -> InsuredPerson:
        person = InsuredPerson(
            id_index=blind_index(id_number),
            id_number=id_number,
            name=name,
            zone=zone,
            status=InsuredStatus(status),
            since=date(2020, 1, 1),
            until=until,
            paid_through_year=paid_through_year,
        )
        db.session.add(person)
        db.session.commit()
        return person

    return insure
