"""A zone may make the ID-card photo part of the registration's materials (登记材料: 上传参保人身份证照片): no submission
without it.

Revision ID: 0011_id_photo_required
Revises: 0010_one_pending_review
"""

import sqlalchemy as sa
from alembic import op

revision = '0011_id_photo_required'
down_revision = '0010_one_pending_review'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('zones') as batch_op:
        batch_op.add_column(sa.Column('id_photo_required', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('zones') as batch_op:
        batch_op.alter_column('id_photo_required', server_default=None)


def downgrade():
    with op.batch_alter_table('zones') as batch_op:
        batch_op.drop_column('id_photo_required')
