"""GET /me invalidations owed: a change committed while Redis was unavailable is recorded here and its answers are
invalidated by the scheduler once Redis is back, instead of being served stale until they expire.

Revision ID: 0012_owed_bumps
Revises: 0011_id_photo_required
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_owed_bumps'
down_revision = '0011_id_photo_required'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'owed_bumps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('owed_bumps')
