"""Zone stage names and muted message kinds; message kinds for 受理, expiry, renewal and roster reminders

Revision ID: 0002_i15
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002_i15'
down_revision = '0001'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
OLD_KINDS = ('approved', 'returned', 'rejected', 'paid', 'suspension_confirmed', 'suspension_refused',
             'window_closing')
NEW_KINDS = OLD_KINDS + ('submitted', 'expired', 'renewal', 'roster_reminder')


def _kind_check(kinds):
    values = ', '.join(f"'{kind}'" for kind in kinds)
    return f'kind IN ({values})'


def upgrade():
    with op.batch_alter_table('zones') as batch_op:
        batch_op.add_column(sa.Column('stage_names', JSON, nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('muted_kinds', JSON, nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('zones') as batch_op:
        batch_op.alter_column('stage_names', server_default=None)
        batch_op.alter_column('muted_kinds', server_default=None)
    op.drop_constraint(op.f('ck_notifications_notificationkind'), 'notifications', type_='check')
    op.create_check_constraint(op.f('ck_notifications_notificationkind'), 'notifications', _kind_check(NEW_KINDS))


def downgrade():
    op.drop_constraint(op.f('ck_notifications_notificationkind'), 'notifications', type_='check')
    op.create_check_constraint(op.f('ck_notifications_notificationkind'), 'notifications', _kind_check(OLD_KINDS))
    with op.batch_alter_table('zones') as batch_op:
        batch_op.drop_column('muted_kinds')
        batch_op.drop_column('stage_names')
