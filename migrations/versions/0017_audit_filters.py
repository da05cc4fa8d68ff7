"""The audit page filtered by action or by the person who acted reads its own rows, newest first, instead of every
event of the zone

Revision ID: 0017_audit_filters
Revises: 0016_suspension_decided_by
"""

from alembic import op

revision = '0017_audit_filters'
down_revision = '0016_suspension_decided_by'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_events_zone_action', 'audit_events', ['zone_id', 'action', 'id'])
    op.create_index('ix_audit_events_zone_actor', 'audit_events', ['zone_id', 'actor_id', 'id'])


def downgrade():
    op.drop_index('ix_audit_events_zone_actor', table_name='audit_events')
    op.drop_index('ix_audit_events_zone_action', table_name='audit_events')
