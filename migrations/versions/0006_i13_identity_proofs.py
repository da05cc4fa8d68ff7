"""Identity proofs (face verification, centre review) and the zone settings for face verification and the
subsidised-list match.

Revision ID: 0006_i13
Revises: 0005_i15
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_i13'
down_revision = '0005_i15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('face_verification', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(
            sa.Column('subsidised_match_required', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.alter_column('face_verification', server_default=None)
        batch_op.alter_column('subsidised_match_required', server_default=None)
    op.create_table(
        'identity_proofs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column(
            'method',
            sa.Enum(
                'face',
                'earlier_registration',
                'phone',
                'centre',
                name='proofmethod',
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            'status',
            sa.Enum(
                'pending', 'passed', 'failed', name='proofstatus', native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column('id_index', sa.String(length=64), nullable=False),
        sa.Column('name_index', sa.String(length=64), nullable=False),
        sa.Column('id_number', sa.Text(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('verify_id', sa.String(length=256), nullable=True),
        sa.Column('out_seq_no', sa.String(length=32), nullable=True),
        sa.Column('verify_ret', sa.Integer(), nullable=True),
        sa.Column('photo', sa.Text(), nullable=True),
        sa.Column('photo_type', sa.String(length=64), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('review_reason', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['reviewed_by_id'], ['reviewers.id'], name=op.f('fk_identity_proofs_reviewed_by_id_reviewers')
        ),
        sa.ForeignKeyConstraint(['student_id'], ['students.id'], name=op.f('fk_identity_proofs_student_id_students')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_identity_proofs_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_proofs')),
        sa.UniqueConstraint('out_seq_no', name=op.f('uq_identity_proofs_out_seq_no')),
        sa.UniqueConstraint('verify_id', name=op.f('uq_identity_proofs_verify_id')),
    )
    with op.batch_alter_table('identity_proofs', schema=None) as batch_op:
        batch_op.create_index('ix_identity_proofs_student_person', ['student_id', 'id_index'], unique=False)


def downgrade():
    op.drop_table('identity_proofs')
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_column('subsidised_match_required')
        batch_op.drop_column('face_verification')
