"""Imports and exports record when a worker started them: a job waiting in a busy queue is not a stale one

Revision ID: 0014_job_started_at
Revises: 0013_revoked
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_job_started_at'
down_revision = '0013_revoked'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('import_jobs', 'export_jobs'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table in ('import_jobs', 'export_jobs'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('started_at')
