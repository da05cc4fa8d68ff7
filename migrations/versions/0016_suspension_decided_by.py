"""Who decided a suspension by hand (suspensions.decided_by_id)

The desk said a suspension staff confirmed by hand had been confirmed by the home town. Suspensions already decided
by a reviewer get their reviewer from the audit log, and a confirmation by hand that carries the home town's wording
gets the staff's.

Revision ID: 0016_suspension_decided_by
Revises: 0015_hukou_region_name
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0016_suspension_decided_by'
down_revision = '0015_hukou_region_name'
branch_labels = None
depends_on = None

HOME_TOWN = '原参保地已确认暂停参保，请返回继续参保登记'
STAFF = '医保中心工作人员已人工确认暂停参保，请返回继续参保登记'
suspensions = sa.table('suspensions', *(sa.column(name) for name in ('id', 'status', 'message', 'decided_by_id')))
audit_events = sa.table(
    'audit_events',
    *(sa.column(name) for name in ('id', 'actor_type', 'actor_id', 'action')),
    sa.column('detail', sa.JSON().with_variant(JSONB(), 'postgresql')),
)


def upgrade():
    with op.batch_alter_table('suspensions') as batch_op:
        batch_op.add_column(sa.Column('decided_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_suspensions_decided_by_id_reviewers', 'reviewers', ['decided_by_id'], ['id'])
    connection = op.get_bind()
    decisions = connection.execute(
        sa.select(audit_events.c.actor_id, audit_events.c.detail)
        .where(
            audit_events.c.actor_type == 'reviewer',
            audit_events.c.action.in_(('suspension_confirmed', 'suspension_refused')),
        )
        .order_by(audit_events.c.id)
    ).all()
    reviewers = set(connection.scalars(sa.text('SELECT id FROM reviewers')))
    for actor_id, detail in decisions:
        suspension_id = (detail or {}).get('suspension_id')
        if suspension_id is None:
            continue
        target = suspensions.c.id == suspension_id
        if actor_id in reviewers:  # the foreign key needs the account to exist
            connection.execute(sa.update(suspensions).where(target).values(decided_by_id=actor_id))
        connection.execute(
            sa.update(suspensions)
            .where(target, suspensions.c.status == 'confirmed', suspensions.c.message.startswith(HOME_TOWN))
            .values(message=sa.func.replace(suspensions.c.message, HOME_TOWN, STAFF))
        )


def downgrade():
    with op.batch_alter_table('suspensions') as batch_op:
        batch_op.drop_constraint('fk_suspensions_decided_by_id_reviewers', type_='foreignkey')
        batch_op.drop_column('decided_by_id')
