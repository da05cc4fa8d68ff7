"""One payment per registration per voucher, and the cash form's idempotency token.

Revision ID: 0002_i13
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_i13'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_payments_idempotency_key'), ['idempotency_key'])
        batch_op.create_unique_constraint(
            batch_op.f('uq_payments_registration_id'),
            ['registration_id', 'voucher_no'],
            postgresql_nulls_not_distinct=True,
        )


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payments_registration_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_payments_idempotency_key'), type_='unique')
        batch_op.drop_column('idempotency_key')
