"""One pending suspension request per person and home town, kept by a unique index: two requests (a double tap, a
second device, an import beside the student's own) asked the home town twice and were decided twice. Requests
already doubled are closed but the newest (the one the student's home page shows), each with its audit row.

Revision ID: 0009_one_pending_suspension
Revises: 0008_one_draft
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0009_one_pending_suspension'
down_revision = '0008_one_draft'
branch_labels = None
depends_on = None

SUBMITTED = sa.text("status = 'submitted'")
MESSAGE = '同一人员向同一原参保地重复申请，以最新一份申请为准'
suspensions = sa.table(
    'suspensions',
    *(sa.column(name) for name in ('id', 'id_index', 'origin_zone_code', 'origin_zone_id', 'status', 'message')),
    sa.column('decided_at', sa.DateTime(timezone=True)),
    sa.column('next_check_at', sa.DateTime(timezone=True)),
)
audit_events = sa.table(
    'audit_events',
    sa.column('at', sa.DateTime(timezone=True)),
    *(sa.column(name) for name in ('actor_type', 'action', 'zone_id', 'reason')),
    sa.column('detail', sa.JSON().with_variant(JSONB(), 'postgresql')),
)


def upgrade():
    connection = op.get_bind()
    newer = suspensions.alias('newer')
    doubled = connection.execute(
        sa.select(suspensions.c.id, suspensions.c.origin_zone_id).where(
            suspensions.c.status == 'submitted',
            sa.exists().where(
                newer.c.id_index == suspensions.c.id_index,
                newer.c.origin_zone_code == suspensions.c.origin_zone_code,
                newer.c.status == 'submitted',
                newer.c.id > suspensions.c.id,
            ),
        )
    ).all()
    now = datetime.now(UTC)
    for row in doubled:
        connection.execute(
            sa.update(suspensions)
            .where(suspensions.c.id == row.id)
            .values(status='refused', message=MESSAGE, decided_at=now, next_check_at=None)
        )
        connection.execute(
            sa.insert(audit_events).values(
                at=now,
                actor_type='system',
                action='suspension_refused',
                zone_id=row.origin_zone_id,
                reason=MESSAGE,
                detail={'suspension_id': row.id},
            )
        )
    op.create_index(
        'uq_suspensions_pending',
        'suspensions',
        ['id_index', 'origin_zone_code'],
        unique=True,
        postgresql_where=SUBMITTED,
        sqlite_where=SUBMITTED,
    )


def downgrade():
    op.drop_index('uq_suspensions_pending', table_name='suspensions')
