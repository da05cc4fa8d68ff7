"""School-side work: zone stage names and muted message kinds; message kinds for 受理, expiry, renewal and roster
reminders; the school roster (学籍名单) per year with exemptions and reminders and its import kind; reviewers'
forced password change and last login; the zone that handled a suspension by hand; names on the subsidised list

Revision ID: 0005_i15
Revises: 0004_i16
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005_i15'
down_revision = '0004_i16'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
OLD_NOTIFICATION_KINDS = (
    'approved',
    'returned',
    'rejected',
    'paid',
    'suspension_confirmed',
    'suspension_refused',
    'window_closing',
)
NEW_NOTIFICATION_KINDS = OLD_NOTIFICATION_KINDS + ('submitted', 'expired', 'renewal', 'roster_reminder')
OLD_IMPORT_KINDS = ('registrations', 'suspensions', 'roster', 'reconciliation', 'subsidised')
NEW_IMPORT_KINDS = ('school_roster',) + OLD_IMPORT_KINDS


def _kind_check(kinds):
    return 'kind IN ({})'.format(', '.join(f"'{kind}'" for kind in kinds))


def upgrade():
    with op.batch_alter_table('zones') as batch_op:
        batch_op.add_column(sa.Column('stage_names', JSON, nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('muted_kinds', JSON, nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('zones') as batch_op:
        batch_op.alter_column('stage_names', server_default=None)
        batch_op.alter_column('muted_kinds', server_default=None)
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notificationkind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notificationkind'), _kind_check(NEW_NOTIFICATION_KINDS))
    op.create_table(
        'roster_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('student_no', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('id_number', sa.Text(), nullable=False),
        sa.Column('id_index', sa.String(length=64), nullable=False),
        sa.Column('college', sa.String(length=128), nullable=False),
        sa.Column('class_name', sa.String(length=128), nullable=False),
        sa.Column('enrolment_year', sa.Integer(), nullable=False),
        sa.Column(
            'study_mode',
            sa.Enum('full_time', 'part_time', name='studymode', native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column('exempt_reason', sa.String(length=128), nullable=True),
        sa.Column('exempt_by_id', sa.Integer(), nullable=True),
        sa.Column('exempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['exempt_by_id'], ['reviewers.id'], name=op.f('fk_roster_entries_exempt_by_id_reviewers')
        ),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_roster_entries_school_id_schools')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_roster_entries_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_entries')),
        sa.UniqueConstraint('zone_id', 'year', 'id_index', name=op.f('uq_roster_entries_zone_id')),
    )
    op.create_index(op.f('ix_roster_entries_id_index'), 'roster_entries', ['id_index'], unique=False)
    op.create_index(
        'ix_roster_entries_scope',
        'roster_entries',
        ['zone_id', 'year', 'school_id', 'college', 'class_name'],
        unique=False,
    )
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.drop_constraint(op.f('ck_import_jobs_importkind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_import_jobs_importkind'), _kind_check(NEW_IMPORT_KINDS))
    with op.batch_alter_table('reviewers') as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('reviewers') as batch_op:
        batch_op.alter_column('must_change_password', server_default=None)
    with op.batch_alter_table('subsidised_persons') as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('id_number', sa.Text(), nullable=True))
    with op.batch_alter_table('suspensions') as batch_op:
        batch_op.add_column(sa.Column('handled_by_zone_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_suspensions_handled_by_zone_id_zones'), 'zones', ['handled_by_zone_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('subsidised_persons') as batch_op:
        batch_op.drop_column('id_number')
        batch_op.drop_column('name')
    with op.batch_alter_table('suspensions') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_suspensions_handled_by_zone_id_zones'), type_='foreignkey')
        batch_op.drop_column('handled_by_zone_id')
    with op.batch_alter_table('reviewers') as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('must_change_password')
    op.execute(
        "DELETE FROM import_row_errors WHERE job_id IN (SELECT id FROM import_jobs WHERE kind = 'school_roster')"
    )
    op.execute("DELETE FROM import_jobs WHERE kind = 'school_roster'")
    with op.batch_alter_table('import_jobs') as batch_op:
        batch_op.drop_constraint(op.f('ck_import_jobs_importkind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_import_jobs_importkind'), _kind_check(OLD_IMPORT_KINDS))
    op.drop_index('ix_roster_entries_scope', table_name='roster_entries')
    op.drop_index(op.f('ix_roster_entries_id_index'), table_name='roster_entries')
    op.drop_table('roster_entries')
    op.execute("DELETE FROM notifications WHERE kind IN ('submitted', 'expired', 'renewal', 'roster_reminder')")
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notificationkind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notificationkind'), _kind_check(OLD_NOTIFICATION_KINDS))
    with op.batch_alter_table('zones') as batch_op:
        batch_op.drop_column('muted_kinds')
        batch_op.drop_column('stage_names')
