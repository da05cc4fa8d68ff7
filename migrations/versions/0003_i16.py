"""Indexes for admin lists at a province's size: keyset paging by zone, the review queue, name search.

Revision ID: 0003_i16
Revises: 0002_i13
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_i16'
down_revision = '0002_i13'
branch_labels = None
depends_on = None

QUEUE = "status IN ('submitted', 'under_review')"


def upgrade():
    # pg_trgm ships with PostgreSQL (contrib); on SQLite the name index is a plain one.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index('ix_registrations_zone_id', 'registrations', ['zone_id', 'id'])
    op.create_index('ix_registrations_queue', 'registrations', ['zone_id', 'id'],
                    postgresql_where=sa.text(QUEUE), sqlite_where=sa.text(QUEUE))
    op.create_index('ix_registrations_name_trgm', 'registrations', ['name'], postgresql_using='gin',
                    postgresql_ops={'name': 'gin_trgm_ops'})
    op.create_index('ix_audit_events_zone', 'audit_events', ['zone_id', 'id'])
    op.create_index('ix_insured_persons_zone', 'insured_persons', ['zone_id', 'id'])


def downgrade():
    op.drop_index('ix_insured_persons_zone', 'insured_persons')
    op.drop_index('ix_audit_events_zone', 'audit_events')
    op.drop_index('ix_registrations_name_trgm', 'registrations')
    op.drop_index('ix_registrations_queue', 'registrations')
    op.drop_index('ix_registrations_zone_id', 'registrations')
