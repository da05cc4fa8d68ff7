"""The schema: migrations in step with the models, the duplicate index, and no plain personal data at rest."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from miniapp_backend.extensions import db
from miniapp_backend.models import Registration


def test_migrations_match_the_models(app):
    """A model change without its migration fails here (the test database was built by the migrations)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={'compare_type': True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_one_migration_head(app):
    config = app.extensions['migrate'].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_duplicate_index_refuses_a_second_active_registration(create_registration, create_student, zone):
    first = create_registration(create_student(), zone, status='submitted')
    with pytest.raises(sa.exc.IntegrityError) as error:
        create_registration(create_student(), zone, status='approved', id_number=first.id_number)
    assert 'uq_registrations_active_person_year' in str(error.value)
    db.session.rollback()
    # Inactive ones (draft, withdrawn, rejected, expired) may coexist with the active one.
    for status in ('draft', 'withdrawn', 'rejected', 'expired'):
        create_registration(create_student(), zone, status=status, id_number=first.id_number)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    assert count == 5


def test_raw_rows_hold_no_personal_data_in_plain_text(create_registration, student, zone):
    registration = create_registration(
        student,
        zone,
        status='submitted',
        bank_name='中国银行',
        bank_account_name='张晓雨',
        bank_account_no='6217000012345678901',
    )
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text('SELECT * FROM registrations')).mappings().all()
    dump = repr([dict(row) for row in rows])
    for secret in (registration.id_number, registration.phone, '6217000012345678901', '薰化路301号'):
        assert secret not in dump
    # And the ORM reads them back transparently.
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).bank_account_no == '6217000012345678901'
