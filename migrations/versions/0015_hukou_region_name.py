"""The hukou county's name as the student picked it, shown back instead of its six-digit code

Revision ID: 0015_hukou_region_name
Revises: 0014_job_started_at
"""

import sqlalchemy as sa
from alembic import op

revision = '0015_hukou_region_name'
down_revision = '0014_job_started_at'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('hukou_region_name', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('hukou_region_name')
