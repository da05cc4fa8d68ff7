"""Outbox rows whose delivery is unknown, and the moment their HTTP call left.

Revision ID: 0003_i14
Revises: 0002_i13
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_i14'
down_revision = '0002_i13'
branch_labels = None
depends_on = None

OLD = ('pending', 'waiting_quota', 'sending', 'sent', 'failed')
NEW = OLD + ('unknown',)


def _status_check(values):
    return 'status IN (' + ', '.join(f"'{value}'" for value in values) + ')'


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_notifications_notificationstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notificationstatus'), _status_check(NEW))


def downgrade():
    op.execute("UPDATE notifications SET status = 'failed' WHERE status = 'unknown'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notificationstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notificationstatus'), _status_check(OLD))
        batch_op.drop_column('send_started_at')
