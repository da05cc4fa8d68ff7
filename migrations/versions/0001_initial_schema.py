"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 01:56:21.786895

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'zones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=6), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('premium_fen', sa.Integer(), nullable=False),
        sa.Column('window_opens_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('window_closes_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            'review_stages',
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=False,
        ),
        sa.Column('pay_appid', sa.String(length=64), nullable=False),
        sa.Column('pay_path_template', sa.String(length=255), nullable=False),
        sa.Column('pay_env_version', sa.String(length=16), nullable=False),
        sa.Column('pay_official_account_url', sa.String(length=255), nullable=True),
        sa.Column('family_channel', sa.Boolean(), nullable=False),
        sa.Column('family_appid', sa.String(length=64), nullable=True),
        sa.Column('family_path_template', sa.String(length=255), nullable=True),
        sa.Column('agency_name', sa.String(length=128), nullable=False),
        sa.Column('tax_authority_name', sa.String(length=128), nullable=False),
        sa.Column('service_phone', sa.String(length=32), nullable=True),
        sa.Column('in_platform', sa.Boolean(), nullable=False),
        sa.Column('suspension_delay_minutes', sa.Integer(), nullable=False),
        sa.Column('remind_days_before_close', sa.Integer(), nullable=False),
        sa.Column('open_to_students', sa.Boolean(), nullable=False),
        sa.Column(
            'message_templates',
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=False,
        ),
        sa.Column('letter_template', sa.Text(), nullable=True),
        sa.Column(
            'notices', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
        sa.UniqueConstraint('code', name=op.f('uq_zones_code')),
    )
    op.create_table(
        'insured_persons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('id_index', sa.String(length=64), nullable=False),
        sa.Column('id_number', sa.Text(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('insurance_type', sa.String(length=3), nullable=False),
        sa.Column(
            'status',
            sa.Enum('normal', 'suspended', name='insuredstatus', native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('until', sa.Date(), nullable=True),
        sa.Column('paid_through_year', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_insured_persons_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_insured_persons')),
        sa.UniqueConstraint('id_index', 'zone_id', name=op.f('uq_insured_persons_id_index')),
    )
    with op.batch_alter_table('insured_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insured_persons_id_index'), ['id_index'], unique=False)

    op.create_table(
        'schools',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_schools_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
        sa.UniqueConstraint('zone_id', 'code', name=op.f('uq_schools_zone_id')),
    )
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schools_zone_id'), ['zone_id'], unique=False)

    op.create_table(
        'students',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('unionid', sa.String(length=64), nullable=True),
        sa.Column('session_key', sa.Text(), nullable=True),
        sa.Column('phone', sa.Text(), nullable=True),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('token_version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_students_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_students')),
        sa.UniqueConstraint('openid', name=op.f('uq_students_openid')),
    )
    op.create_table(
        'subsidised_persons',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('id_index', sa.String(length=64), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column(
            'category',
            sa.Enum(
                'subsistence_allowance',
                'extreme_poverty',
                'disability',
                'poverty_monitoring',
                'orphan',
                name='specialidentity',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_subsidised_persons_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidised_persons')),
        sa.UniqueConstraint('id_index', 'zone_id', 'year', name=op.f('uq_subsidised_persons_id_index')),
    )
    with op.batch_alter_table('subsidised_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subsidised_persons_id_index'), ['id_index'], unique=False)

    op.create_table(
        'colleges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_colleges_school_id_schools')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_colleges')),
        sa.UniqueConstraint('school_id', 'name', name=op.f('uq_colleges_school_id')),
    )
    with op.batch_alter_table('colleges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_colleges_school_id'), ['school_id'], unique=False)

    op.create_table(
        'registrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=True),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column(
            'status',
            sa.Enum(
                'draft',
                'submitted',
                'under_review',
                'returned',
                'rejected',
                'approved',
                'paid',
                'withdrawn',
                'expired',
                name='registrationstatus',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('stage', sa.String(length=32), nullable=True),
        sa.Column('review_reason', sa.Text(), nullable=True),
        sa.Column('renewal', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column(
            'id_type',
            sa.Enum(
                'resident_id',
                'hk_macau_permit',
                'taiwan_permit',
                'foreign_permanent',
                name='idtype',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('id_number', sa.Text(), nullable=False),
        sa.Column('id_index', sa.String(length=64), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('sex', sa.String(length=1), nullable=True),
        sa.Column('ethnicity', sa.String(length=2), nullable=True),
        sa.Column(
            'marital_status',
            sa.Enum(
                'unmarried',
                'married',
                'divorced',
                'widowed',
                name='maritalstatus',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column('phone', sa.Text(), nullable=True),
        sa.Column('residence_address', sa.Text(), nullable=True),
        sa.Column('hukou_address', sa.Text(), nullable=True),
        sa.Column('hukou_region_code', sa.String(length=6), nullable=True),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('student_no', sa.String(length=32), nullable=True),
        sa.Column('college', sa.String(length=128), nullable=True),
        sa.Column('class_name', sa.String(length=128), nullable=True),
        sa.Column(
            'identity',
            sa.Enum('college_student', name='identity', native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            'special_identity',
            sa.Enum(
                'subsistence_allowance',
                'extreme_poverty',
                'disability',
                'poverty_monitoring',
                'orphan',
                name='specialidentity',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column('bank_name', sa.String(length=64), nullable=True),
        sa.Column('bank_account_name', sa.Text(), nullable=True),
        sa.Column('bank_account_no', sa.Text(), nullable=True),
        sa.Column('amount_due_fen', sa.Integer(), nullable=True),
        sa.Column(
            'payment_channel',
            sa.Enum(
                'tax', 'family', 'cash', name='paymentchannel', native_enum=False, create_constraint=True, length=32
            ),
            nullable=True,
        ),
        sa.Column('payment_check_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('flag', sa.String(length=255), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_registrations_school_id_schools')),
        sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_registrations_student_id_students')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_registrations_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_id_index'), ['id_index'], unique=False)
        batch_op.create_index(
            'ix_registrations_payment_due',
            ['payment_check_at'],
            unique=False,
            postgresql_where=sa.text("status = 'approved'"),
            sqlite_where=sa.text("status = 'approved'"),
        )
        batch_op.create_index(batch_op.f('ix_registrations_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_student_id'), ['student_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_student_no'), ['student_no'], unique=False)
        batch_op.create_index('ix_registrations_zone_status', ['zone_id', 'status'], unique=False)
        batch_op.create_index(
            'uq_registrations_active_person_year',
            ['id_index', 'year'],
            unique=True,
            postgresql_where=sa.text("status IN ('submitted', 'under_review', 'returned', 'approved', 'paid')"),
            sqlite_where=sa.text("status IN ('submitted', 'under_review', 'returned', 'approved', 'paid')"),
        )

    op.create_table(
        'reviewers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('display_name', sa.String(length=64), nullable=False),
        sa.Column(
            'role',
            sa.Enum(
                'zone_admin',
                'centre_reviewer',
                'school_admin',
                'college_reviewer',
                'counsellor',
                name='reviewerrole',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=True),
        sa.Column('college', sa.String(length=128), nullable=True),
        sa.Column('class_name', sa.String(length=128), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('session_version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_reviewers_school_id_schools')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_reviewers_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewers')),
        sa.UniqueConstraint('username', name=op.f('uq_reviewers_username')),
    )
    with op.batch_alter_table('reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewers_zone_id'), ['zone_id'], unique=False)

    op.create_table(
        'subscription_quotas',
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('template_id', sa.String(length=128), nullable=False),
        sa.Column('remaining', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['student_id'], ['students.id'], name=op.f('fk_subscription_quotas_student_id_students')
        ),
        sa.PrimaryKeyConstraint('student_id', 'template_id', name=op.f('pk_subscription_quotas')),
    )
    op.create_table(
        'suspensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=True),
        sa.Column('origin_zone_code', sa.String(length=6), nullable=False),
        sa.Column('origin_zone_id', sa.Integer(), nullable=True),
        sa.Column('id_index', sa.String(length=64), nullable=False),
        sa.Column('id_number', sa.Text(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('suspend_from', sa.Date(), nullable=False),
        sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            'status',
            sa.Enum(
                'submitted',
                'confirmed',
                'refused',
                name='suspensionstatus',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('message', sa.String(length=255), nullable=True),
        sa.Column('gateway_ref', sa.String(length=64), nullable=True),
        sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['origin_zone_id'], ['zones.id'], name=op.f('fk_suspensions_origin_zone_id_zones')),
        sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_suspensions_student_id_students')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_suspensions')),
    )
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_suspensions_due',
            ['next_check_at'],
            unique=False,
            postgresql_where=sa.text("status = 'submitted'"),
            sqlite_where=sa.text("status = 'submitted'"),
        )
        batch_op.create_index(batch_op.f('ix_suspensions_id_index'), ['id_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_suspensions_student_id'), ['student_id'], unique=False)

    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            'actor_type',
            sa.Enum(
                'student', 'reviewer', 'system', name='actortype', native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('from_status', sa.String(length=32), nullable=True),
        sa.Column('to_status', sa.String(length=32), nullable=True),
        sa.Column('stage', sa.String(length=32), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column(
            'detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['registrations.id'], name=op.f('fk_audit_events_registration_id_registrations')
        ),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_audit_events_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_events_registration', ['registration_id', 'id'], unique=False)

    op.create_table(
        'commitment_letters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('signature_png', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('seal_signature', sa.Text(), nullable=False),
        sa.Column('seal_key', sa.String(length=32), nullable=False),
        sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['registrations.id'], name=op.f('fk_commitment_letters_registration_id_registrations')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_letters')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_commitment_letters_registration_id')),
    )
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('content_type', sa.String(length=64), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['registrations.id'], name=op.f('fk_documents_registration_id_registrations')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
        sa.UniqueConstraint('registration_id', 'kind', name=op.f('uq_documents_registration_id')),
    )
    op.create_table(
        'import_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column(
            'kind',
            sa.Enum(
                'registrations',
                'suspensions',
                'roster',
                'reconciliation',
                'subsidised',
                name='importkind',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('workbook', sa.Text(), nullable=True),
        sa.Column(
            'status',
            sa.Enum(
                'queued',
                'running',
                'finished',
                'failed',
                name='importstatus',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('rq_job_id', sa.String(length=64), nullable=True),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('processed_rows', sa.Integer(), nullable=False),
        sa.Column('ok_rows', sa.Integer(), nullable=False),
        sa.Column('error_rows', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name=op.f('fk_import_jobs_reviewer_id_reviewers')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_import_jobs_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs')),
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_zone_id'), ['zone_id'], unique=False)

    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('suspension_id', sa.Integer(), nullable=True),
        sa.Column(
            'kind',
            sa.Enum(
                'approved',
                'returned',
                'rejected',
                'paid',
                'suspension_confirmed',
                'suspension_refused',
                'window_closing',
                name='notificationkind',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('event_key', sa.String(length=128), nullable=False),
        sa.Column('template_id', sa.String(length=128), nullable=True),
        sa.Column('page', sa.String(length=255), nullable=True),
        sa.Column(
            'data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False
        ),
        sa.Column('title', sa.String(length=64), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column(
            'status',
            sa.Enum(
                'pending',
                'waiting_quota',
                'sending',
                'sent',
                'failed',
                name='notificationstatus',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['registrations.id'], name=op.f('fk_notifications_registration_id_registrations')
        ),
        sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_notifications_student_id_students')),
        sa.ForeignKeyConstraint(
            ['suspension_id'], ['suspensions.id'], name=op.f('fk_notifications_suspension_id_suspensions')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('event_key', name=op.f('uq_notifications_event_key')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(
            'ix_notifications_due',
            ['next_attempt_at'],
            unique=False,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.create_index('ix_notifications_student', ['student_id', 'created_at'], unique=False)

    op.create_table(
        'payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column(
            'channel',
            sa.Enum(
                'tax', 'family', 'cash', name='paymentchannel', native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column(
            'source',
            sa.Enum(
                'gateway',
                'reconciliation',
                'cash',
                name='paymentsource',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column('voucher_no', sa.String(length=64), nullable=True),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['recorded_by_id'], ['reviewers.id'], name=op.f('fk_payments_recorded_by_id_reviewers')
        ),
        sa.ForeignKeyConstraint(
            ['registration_id'], ['registrations.id'], name=op.f('fk_payments_registration_id_registrations')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
        sa.UniqueConstraint('voucher_no', name=op.f('uq_payments_voucher_no')),
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_registration_id'), ['registration_id'], unique=False)

    op.create_table(
        'school_classes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('college_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(['college_id'], ['colleges.id'], name=op.f('fk_school_classes_college_id_colleges')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_school_classes')),
        sa.UniqueConstraint('college_id', 'name', name=op.f('uq_school_classes_college_id')),
    )
    with op.batch_alter_table('school_classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_classes_college_id'), ['college_id'], unique=False)

    op.create_table(
        'import_row_errors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('row', sa.Integer(), nullable=False),
        sa.Column('column', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['import_jobs.id'], name=op.f('fk_import_row_errors_job_id_import_jobs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_import_row_errors')),
    )
    with op.batch_alter_table('import_row_errors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_row_errors_job_id'), ['job_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_row_errors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_row_errors_job_id'))

    op.drop_table('import_row_errors')
    with op.batch_alter_table('school_classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_classes_college_id'))

    op.drop_table('school_classes')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_registration_id'))

    op.drop_table('payments')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_student')
        batch_op.drop_index(
            'ix_notifications_due',
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )

    op.drop_table('notifications')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_zone_id'))

    op.drop_table('import_jobs')
    op.drop_table('documents')
    op.drop_table('commitment_letters')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_registration')
        batch_op.drop_index('ix_audit_events_at')

    op.drop_table('audit_events')
    with op.batch_alter_table('suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suspensions_student_id'))
        batch_op.drop_index(batch_op.f('ix_suspensions_id_index'))
        batch_op.drop_index(
            'ix_suspensions_due',
            postgresql_where=sa.text("status = 'submitted'"),
            sqlite_where=sa.text("status = 'submitted'"),
        )

    op.drop_table('suspensions')
    op.drop_table('subscription_quotas')
    with op.batch_alter_table('reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewers_zone_id'))

    op.drop_table('reviewers')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_registrations_active_person_year',
            postgresql_where=sa.text("status IN ('submitted', 'under_review', 'returned', 'approved', 'paid')"),
            sqlite_where=sa.text("status IN ('submitted', 'under_review', 'returned', 'approved', 'paid')"),
        )
        batch_op.drop_index('ix_registrations_zone_status')
        batch_op.drop_index(batch_op.f('ix_registrations_student_no'))
        batch_op.drop_index(batch_op.f('ix_registrations_student_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_school_id'))
        batch_op.drop_index(
            'ix_registrations_payment_due',
            postgresql_where=sa.text("status = 'approved'"),
            sqlite_where=sa.text("status = 'approved'"),
        )
        batch_op.drop_index(batch_op.f('ix_registrations_id_index'))

    op.drop_table('registrations')
    with op.batch_alter_table('colleges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_colleges_school_id'))

    op.drop_table('colleges')
    with op.batch_alter_table('subsidised_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subsidised_persons_id_index'))

    op.drop_table('subsidised_persons')
    op.drop_table('students')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schools_zone_id'))

    op.drop_table('schools')
    with op.batch_alter_table('insured_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_insured_persons_id_index'))

    op.drop_table('insured_persons')
    op.drop_table('zones')
