"""Export jobs: large admin exports written by a worker, with progress and an expiring download.

Revision ID: 0004_i16
Revises: 0003_i16
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004_i16'
down_revision = '0003_i16'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'finished', 'failed', name='importstatus', native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
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


def downgrade():
    op.drop_index('ix_export_jobs_zone_id', 'export_jobs')
    op.drop_table('export_jobs')
