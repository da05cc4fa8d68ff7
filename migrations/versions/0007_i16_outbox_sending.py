"""Rows left sending past their lease are found through a partial index: the outbox keeps every message it
sent, and the drain's sweep for them, run before every drain, read the whole table.

Revision ID: 0007_i16
Revises: 0006_i13
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_i16'
down_revision = '0006_i13'
branch_labels = None
depends_on = None

SENDING = sa.text("status = 'sending'")


def upgrade():
    op.create_index(
        'ix_notifications_sending',
        'notifications',
        ['next_attempt_at'],
        postgresql_where=SENDING,
        sqlite_where=SENDING,
    )


def downgrade():
    op.drop_index('ix_notifications_sending', table_name='notifications')
