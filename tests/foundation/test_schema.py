"""The schema: migrations in step with the models, the duplicate index, and no plain personal data at rest."""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
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


def test_a_second_draft_of_one_student_zone_and_year_is_refused(create_registration, student, zone):
    create_registration(student, zone, status='draft')
    with pytest.raises(sa.exc.IntegrityError) as error:
        create_registration(student, zone, status='draft')
    assert 'uq_registrations_student_draft' in str(error.value)
    db.session.rollback()
    # Another year's draft, a draft in another status and an imported draft (no student) are not the same draft.
    create_registration(student, zone, status='draft', year=zone.year - 1)
    create_registration(student, zone, status='withdrawn')
    create_registration(None, zone, status='draft')
    create_registration(None, zone, status='draft')


def test_the_migration_withdraws_doubled_drafts_but_the_newest(create_registration, create_student, zone):
    """Drafts doubled before the index existed: the newest stays, each older one is withdrawn with its audit row and
    its statistics delta, and the index is then created."""
    from miniapp_backend.models import AuditEvent, RegistrationCountDelta

    doubled, alone = create_student(), create_student()
    with _before('0008_one_draft_per_student.py', 'uq_registrations_student_draft'):
        older = [create_registration(doubled, zone, status='draft') for _ in range(2)]
        newest = create_registration(doubled, zone, status='draft')
        own = create_registration(alone, zone, status='draft')
        db.session.execute(sa.delete(RegistrationCountDelta))
        db.session.commit()
    db.session.expire_all()
    statuses = {r.id: r.status.value for r in db.session.scalars(sa.select(Registration))}
    assert statuses == {older[0].id: 'withdrawn', older[1].id: 'withdrawn', newest.id: 'draft', own.id: 'draft'}
    audited = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.registration_id)).all()
    assert [(a.registration_id, a.from_status, a.to_status, a.actor_type.value) for a in audited] == [
        (older[0].id, 'draft', 'withdrawn', 'system'),
        (older[1].id, 'draft', 'withdrawn', 'system'),
    ]
    moved = db.session.execute(
        sa.select(RegistrationCountDelta.status, sa.func.sum(RegistrationCountDelta.count)).group_by(
            RegistrationCountDelta.status
        )
    ).all()
    assert sorted(moved) == [('draft', -2), ('withdrawn', 2)]
    with pytest.raises(sa.exc.IntegrityError):
        create_registration(doubled, zone, status='draft')
    db.session.rollback()


def test_revoked_records_move_between_the_revision_and_the_one_before_with_their_reason_and_statistics(
    create_registration, create_student, zone
):
    """Before 0013 a revoke was stored as withdrawn; its audit row names the revoke and the reason. Down and up
    again, the record returns to revoked with that reason, the student's own withdrawal stays withdrawn, and the
    statistics follow each move."""
    from miniapp_backend.enrolment.actors import Actor
    from miniapp_backend.enrolment.registration.states import Action, transition
    from miniapp_backend.models import Notification, RegistrationCountDelta

    path = Path(__file__).parents[2] / 'migrations' / 'versions' / '0013_revoked.py'
    spec = importlib.util.spec_from_file_location(path.stem, path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    student = create_student()
    revoked = create_registration(student, zone, status='submitted')
    transition(revoked, Action.REVOKE, Actor.reviewer(1, 'zone_admin'), reason='学院重复导入')
    withdrawn = create_registration(create_student(), zone, status='submitted')
    transition(withdrawn, Action.WITHDRAW, Actor.student(withdrawn.student_id))
    db.session.commit()
    db.session.execute(sa.delete(RegistrationCountDelta))
    db.session.commit()

    def run(step) -> dict:
        db.session.rollback()  # the session's reads would hold the tables the migration alters
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            step()
        db.session.expire_all()
        return {r.id: (r.status.value, r.review_reason) for r in db.session.scalars(sa.select(Registration))}

    def moved() -> list:
        return sorted(
            db.session.execute(
                sa.select(RegistrationCountDelta.status, sa.func.sum(RegistrationCountDelta.count))
                .group_by(RegistrationCountDelta.status)
                .having(sa.func.sum(RegistrationCountDelta.count) != 0)
            ).all()
        )

    try:
        assert run(migration.downgrade)[revoked.id][0] == 'withdrawn'
        assert moved() == [('revoked', -1), ('withdrawn', 1)]
        assert db.session.scalars(sa.select(Notification.kind)).all() == ['rejected']  # the message is kept
        assert run(migration.upgrade) == {
            revoked.id: ('revoked', '学院重复导入'),
            withdrawn.id: ('withdrawn', None),
        }
        assert moved() == []
    finally:
        db.session.rollback()
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            migration._constrain(migration.STATUSES + ('revoked',), migration.KINDS + ('revoked',))


@contextlib.contextmanager
def _before(name: str, index: str):
    """The database as it was before migration `name`, without the unique `index` it creates: the body writes the
    rows the migration will find, then the migration's upgrade runs. The index is put back (from the model) if
    anything failed."""
    path = Path(__file__).parents[2] / 'migrations' / 'versions' / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    [created] = [i for table in db.metadata.tables.values() for i in table.indexes if i.name == index]
    with db.engine.begin() as conn:
        created.drop(conn)
    try:
        yield migration
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            migration.upgrade()
    finally:
        with db.engine.begin() as conn:
            created.create(conn, checkfirst=True)


def _suspension(id_number: str, origin: str = '530000', status: str = 'submitted'):
    from miniapp_backend.models import Suspension
    from miniapp_backend.models.base import utcnow
    from miniapp_backend.security.blind_index import blind_index

    suspension = Suspension(
        origin_zone_code=origin,
        id_index=blind_index(id_number),
        id_number=id_number,
        name='甲',
        reason='参加职工医保',
        suspend_from=utcnow().date(),
        consent_at=utcnow(),
        status=status,
    )
    db.session.add(suspension)
    db.session.commit()
    return suspension


def test_a_second_pending_suspension_of_one_person_and_home_town_is_refused(app):
    from tests.factories import make_id_number

    id_number = make_id_number()
    _suspension(id_number)
    with pytest.raises(sa.exc.IntegrityError) as error:
        _suspension(id_number)
    assert 'uq_suspensions_pending' in str(error.value)
    db.session.rollback()
    # Another home town, or a decided request beside the pending one, is not the same request.
    _suspension(id_number, origin='340400')
    _suspension(id_number, status='refused')
    _suspension(id_number, status='confirmed')


def test_the_migration_closes_doubled_pending_suspensions_but_the_newest(app):
    from miniapp_backend.models import AuditEvent, Suspension
    from tests.factories import make_id_number

    doubled, alone = make_id_number(), make_id_number()
    with _before('0009_one_pending_suspension.py', 'uq_suspensions_pending') as migration:
        older = [_suspension(doubled).id for _ in range(2)]
        newest, own, elsewhere = _suspension(doubled).id, _suspension(alone).id, _suspension(doubled, '340400').id
    db.session.expire_all()
    statuses = {s.id: s.status.value for s in db.session.scalars(sa.select(Suspension))}
    assert statuses == {
        older[0]: 'refused',
        older[1]: 'refused',
        newest: 'submitted',
        own: 'submitted',
        elsewhere: 'submitted',
    }
    closed = db.session.scalars(sa.select(Suspension).where(Suspension.status == 'refused')).all()
    assert {(s.message, s.next_check_at is None, s.decided_at is not None) for s in closed} == {
        (migration.MESSAGE, True, True)
    }
    audited = db.session.scalars(sa.select(AuditEvent)).all()
    assert sorted((a.action, a.actor_type.value, a.detail['suspension_id']) for a in audited) == [
        ('suspension_refused', 'system', older[0]),
        ('suspension_refused', 'system', older[1]),
    ]
    with pytest.raises(sa.exc.IntegrityError):
        _suspension(doubled)
    db.session.rollback()


def _review(student_id: int, id_number: str, method: str = 'centre', status: str = 'pending'):
    from miniapp_backend.enrolment.students.identity import name_index
    from miniapp_backend.models import IdentityProof
    from miniapp_backend.security.blind_index import blind_index

    proof = IdentityProof(
        student_id=student_id,
        method=method,
        status=status,
        id_index=blind_index(id_number),
        name_index=name_index('甲'),
        id_number=id_number,
        name='甲',
    )
    db.session.add(proof)
    db.session.commit()
    return proof


def test_a_second_pending_review_of_one_student_and_person_is_refused(student, create_student):
    from tests.factories import make_id_number

    id_number = make_id_number()
    _review(student.id, id_number)
    with pytest.raises(sa.exc.IntegrityError) as error:
        _review(student.id, id_number)
    assert 'uq_identity_proofs_pending_review' in str(error.value)
    db.session.rollback()
    # Another person, another student, a face session, or a decided request are not the same request.
    _review(student.id, make_id_number())
    _review(create_student().id, id_number)
    _review(student.id, id_number, method='face')
    _review(student.id, id_number, status='failed')


def test_the_migration_closes_doubled_pending_reviews_but_the_newest(student, create_student):
    from miniapp_backend.models import AuditEvent, IdentityProof
    from tests.factories import make_id_number

    doubled, other = make_id_number(), create_student()
    with _before('0010_one_pending_identity_review.py', 'uq_identity_proofs_pending_review') as migration:
        older = [_review(student.id, doubled).id for _ in range(2)]
        newest, elsewhere = _review(student.id, doubled).id, _review(other.id, doubled).id
    db.session.expire_all()
    statuses = {p.id: (p.status.value, p.review_reason) for p in db.session.scalars(sa.select(IdentityProof))}
    assert statuses == {
        older[0]: ('failed', migration.REASON),
        older[1]: ('failed', migration.REASON),
        newest: ('pending', None),
        elsewhere: ('pending', None),
    }
    audited = db.session.scalars(sa.select(AuditEvent)).all()
    assert sorted((a.action, a.actor_type.value, a.detail['proof_id']) for a in audited) == [
        ('identity_review_failed', 'system', older[0]),
        ('identity_review_failed', 'system', older[1]),
    ]
    with pytest.raises(sa.exc.IntegrityError):
        _review(student.id, doubled)
    db.session.rollback()
