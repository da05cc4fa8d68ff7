"""Admin pages at a province's size: indexes for keyset paging by zone, the review queue and name search;
registration counts kept current for statistics (filled here from the existing rows), with the insert-only deltas
writers add and the scheduler folds in; export jobs (large admin exports written by a worker).

Revision ID: 0004_i16
Revises: 0003_i14
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004_i16'
down_revision = '0003_i14'
branch_labels = None
depends_on = None

QUEUE = "status IN ('submitted', 'under_review')"


def upgrade():
    # pg_trgm ships with PostgreSQL (contrib); on SQLite the name index is a plain one.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index('ix_registrations_zone_id', 'registrations', ['zone_id', 'id'])
    op.create_index(
        'ix_registrations_queue',
        'registrations',
        ['zone_id', 'id'],
        postgresql_where=sa.text(QUEUE),
        sqlite_where=sa.text(QUEUE),
    )
    op.create_index(
        'ix_registrations_name_trgm',
        'registrations',
        ['name'],
        postgresql_using='gin',
        postgresql_ops={'name': 'gin_trgm_ops'},
    )
    op.create_index('ix_audit_events_zone', 'audit_events', ['zone_id', 'id'])
    op.create_index('ix_insured_persons_zone', 'insured_persons', ['zone_id', 'id'])
    op.create_table(
        'registration_counts',
        *_cell('registration_counts'),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('payment_channel', sa.String(length=16), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('due_fen', sa.BigInteger(), nullable=False),
        sa.Column('paid_fen', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            'zone_id', 'school_id', 'college', 'class_name', 'status', 'payment_channel', name='pk_registration_counts'
        ),
    )
    op.create_table(
        'registration_days',
        *_cell('registration_days'),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('submitted', sa.Integer(), nullable=False),
        sa.Column('paid', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('zone_id', 'school_id', 'college', 'class_name', 'day', name='pk_registration_days'),
    )
    for table, columns in (
        (
            'registration_count_deltas',
            [
                sa.Column('status', sa.String(length=32), nullable=False),
                sa.Column('payment_channel', sa.String(length=16), nullable=False),
                sa.Column('count', sa.Integer(), nullable=False),
                sa.Column('due_fen', sa.BigInteger(), nullable=False),
                sa.Column('paid_fen', sa.BigInteger(), nullable=False),
            ],
        ),
        (
            'registration_day_deltas',
            [
                sa.Column('day', sa.Date(), nullable=False),
                sa.Column('submitted', sa.Integer(), nullable=False),
                sa.Column('paid', sa.Integer(), nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            *_cell(table),
            *columns,
            sa.PrimaryKeyConstraint('id', name=f'pk_{table}'),
        )
    _count_existing()
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column(
            'filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False
        ),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
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
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('processed_rows', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=255), nullable=True),
        sa.Column('message', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], name='fk_export_jobs_reviewer_id_reviewers'),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name='fk_export_jobs_zone_id_zones'),
        sa.PrimaryKeyConstraint('id', name='pk_export_jobs'),
    )
    op.create_index('ix_export_jobs_zone_id', 'export_jobs', ['zone_id'])


def _cell(table: str) -> list[sa.Column]:
    """The scope cell every count row is kept for."""
    return [
        sa.Column('zone_id', sa.Integer(), sa.ForeignKey('zones.id', name=f'fk_{table}_zone_id_zones'), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('college', sa.String(length=128), nullable=False),
        sa.Column('class_name', sa.String(length=128), nullable=False),
    ]


CELL = "zone_id, coalesce(school_id, 0), coalesce(college, ''), coalesce(class_name, '')"


def _count_existing():
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.execute(f"""
        INSERT INTO registration_counts (zone_id, school_id, college, class_name, status, payment_channel, count,
            due_fen, paid_fen)
        SELECT {CELL}, status, coalesce(payment_channel, ''), count(*), sum(coalesce(amount_due_fen, 0)),
            sum(CASE WHEN status = 'paid' THEN coalesce(amount_due_fen, 0) ELSE 0 END)
        FROM registrations GROUP BY {CELL}, status, coalesce(payment_channel, '')""")
    day = "CAST(timezone('UTC', {}) AS date)" if postgres else 'date({})'
    submitted, paid = day.format('submitted_at'), day.format('paid_at')
    aliased = "zone_id AS z, coalesce(school_id, 0) AS s, coalesce(college, '') AS c, coalesce(class_name, '') AS k"
    op.execute(f"""
        INSERT INTO registration_days (zone_id, school_id, college, class_name, day, submitted, paid)
        SELECT z, s, c, k, d, sum(sub), sum(pay) FROM (
            SELECT {aliased}, {submitted} AS d, 1 AS sub, 0 AS pay FROM registrations WHERE submitted_at IS NOT NULL
            UNION ALL
            SELECT {aliased}, {paid} AS d, 0 AS sub, 1 AS pay FROM registrations WHERE paid_at IS NOT NULL
        ) AS parts GROUP BY z, s, c, k, d""")


def downgrade():
    op.drop_index('ix_export_jobs_zone_id', 'export_jobs')
    op.drop_table('export_jobs')
    op.drop_table('registration_day_deltas')
    op.drop_table('registration_count_deltas')
    op.drop_table('registration_days')
    op.drop_table('registration_counts')
    op.drop_index('ix_insured_persons_zone', 'insured_persons')
    op.drop_index('ix_audit_events_zone', 'audit_events')
    op.drop_index('ix_registrations_name_trgm', 'registrations')
    op.drop_index('ix_registrations_queue', 'registrations')
    op.drop_index('ix_registrations_zone_id', 'registrations')
