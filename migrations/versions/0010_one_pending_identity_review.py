"""One ID-photo request waiting for the centre per student and person, kept by a unique index: two requests (a second
phone, a page opened before the first was sent) put the same person twice in the reviewers' queue. Requests already
doubled are closed but the newest (the one the student's pages show), each with its audit row.

Revision ID: 0010_one_pending_review
Revises: 0009_one_pending_suspension
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0010_one_pending_review'
down_revision = '0009_one_pending_suspension'
branch_labels = None
depends_on = None

PENDING_REVIEW = sa.text("method = 'centre' AND status = 'pending'")
REASON = '同一证件重复提交审核，以最新一份为准'
proofs = sa.table(
    'identity_proofs',
    *(sa.column(name) for name in ('id', 'student_id', 'zone_id', 'id_index', 'method', 'status', 'review_reason')),
    sa.column('decided_at', sa.DateTime(timezone=True)),
)
audit_events = sa.table(
    'audit_events',
    sa.column('at', sa.DateTime(timezone=True)),
    *(sa.column(name) for name in ('actor_type', 'action', 'zone_id', 'reason')),
    sa.column('detail', sa.JSON().with_variant(JSONB(), 'postgresql')),
)


def upgrade():
    connection = op.get_bind()
    newer = proofs.alias('newer')
    waiting = sa.and_(proofs.c.method == 'centre', proofs.c.status == 'pending')
    doubled = connection.execute(
        sa.select(proofs.c.id, proofs.c.zone_id).where(
            waiting,
            sa.exists().where(
                newer.c.student_id == proofs.c.student_id,
                newer.c.id_index == proofs.c.id_index,
                newer.c.method == 'centre',
                newer.c.status == 'pending',
                newer.c.id > proofs.c.id,
            ),
        )
    ).all()
    now = datetime.now(UTC)
    for row in doubled:
        connection.execute(
            sa.update(proofs).where(proofs.c.id == row.id).values(status='failed', review_reason=REASON, decided_at=now)
        )
        connection.execute(
            sa.insert(audit_events).values(
                at=now,
                actor_type='system',
                action='identity_review_failed',
                zone_id=row.zone_id,
                reason=REASON,
                detail={'proof_id': row.id},
            )
        )
    op.create_index(
        'uq_identity_proofs_pending_review',
        'identity_proofs',
        ['student_id', 'id_index'],
        unique=True,
        postgresql_where=PENDING_REVIEW,
        sqlite_where=PENDING_REVIEW,
    )


def downgrade():
    op.drop_index('uq_identity_proofs_pending_review', table_name='identity_proofs')
