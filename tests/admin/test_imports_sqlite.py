"""`make run` keeps its data in SQLite, which has no sequences to draw ids from: a registrations import inserts its
rows there one by one, with the same rows, audit events and statistics as on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from tests.admin.test_imports import registration_row, workbook
from tests.factories import make_id_number


def test_a_registrations_import_writes_every_row_on_sqlite(test_environ, tmp_path):
    from flask_migrate import upgrade

    from miniapp_backend import create_app
    from miniapp_backend.cli import create_reviewer
    from miniapp_backend.demo import seed_demo
    from miniapp_backend.enrolment.imports import runner
    from miniapp_backend.enrolment.imports.importers import KINDS
    from miniapp_backend.extensions import db
    from miniapp_backend.models import AuditEvent, ImportJob, Registration, RegistrationCountDelta, Zone

    environ = {**test_environ, 'DATABASE_URL': f'sqlite:///{tmp_path / "miniapp.db"}', 'REDIS_KEY_PREFIX': 'sqlite'}
    local = create_app({'TESTING': True}, environ=environ)
    with local.app_context():
        upgrade()
        assert db.engine.dialect.name == 'sqlite'
        seed_demo()
        db.session.commit()
        zone_id = db.session.scalars(sa.select(Zone.id).where(Zone.code == '341800')).one()
        reviewer = create_reviewer('importer', 'import-pass-1', 'zone_admin', '341800')
        ids = [make_id_number() for _ in range(3)]
        rows = [registration_row(id_number, 学号=f'2023{n:03d}') for n, id_number in enumerate(ids)]
        rows.append(registration_row(ids[0], 学号='2023999'))  # the same person twice: the second is refused
        data = workbook(KINDS['registrations'].headers, rows)
        job = ImportJob(
            kind='registrations', zone_id=zone_id, reviewer_id=reviewer.id, filename='data.xlsx', workbook=data
        )
        db.session.add(job)
        db.session.commit()
        existing = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))

        def submitted_counted() -> int:
            in_zone = (RegistrationCountDelta.zone_id == zone_id, RegistrationCountDelta.status == 'submitted')
            return db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(RegistrationCountDelta.count), 0)).where(*in_zone)
            )

        counted_before = submitted_counted()

        job = runner.run(job.id)

        assert (job.status, job.ok_rows, job.error_rows) == ('finished', 3, 1), job.message
        db.session.remove()
        imported = db.session.scalars(sa.select(Registration).order_by(Registration.id.desc()).limit(3)).all()
        assert sorted(r.id_number for r in imported) == sorted(ids)  # decrypted: stored encrypted
        assert {r.status for r in imported} == {'submitted'}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == existing + 3
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.registration_id.in_([r.id for r in imported]))
        ).all()
        assert sorted(e.registration_id for e in events) == sorted(r.id for r in imported)
        assert {(e.action, e.to_status) for e in events} == {('transition', 'submitted')}
        assert submitted_counted() == counted_before + 3
        db.session.remove()
