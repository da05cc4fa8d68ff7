"""One draft per student, zone and year, kept by a unique index: two requests of one student (a double tap on
save) could each pass the check and create a draft. Drafts already doubled this way are withdrawn but the newest
(the one the student's home page shows), each with its audit row and its statistics delta.

Revision ID: 0008_one_draft
Revises: 0007_i16
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0008_one_draft'
down_revision = '0007_i16'
branch_labels = None
depends_on = None

DRAFT = sa.text("status = 'draft'")
REASON = '同一学生同一年度的重复草稿，保留最新一份'
_CELL = ('zone_id', 'school_id', 'college', 'class_name', 'payment_channel', 'amount_due_fen')
registrations = sa.table('registrations', *(sa.column(name) for name in ('id', 'student_id', 'year', 'status', *_CELL)))
audit_events = sa.table(
    'audit_events',
    sa.column('at', sa.DateTime(timezone=True)),
    *(sa.column(name) for name in ('actor_type', 'action', 'zone_id', 'registration_id', 'from_status', 'to_status')),
    sa.column('reason'),
    sa.column('detail', sa.JSON().with_variant(JSONB(), 'postgresql')),
)
count_deltas = sa.table(
    'registration_count_deltas',
    *(sa.column(name) for name in ('zone_id', 'school_id', 'college', 'class_name', 'status', 'payment_channel')),
    *(sa.column(name) for name in ('count', 'due_fen', 'paid_fen')),
)


def upgrade():
    connection = op.get_bind()
    newer = registrations.alias('newer')
    doubled = connection.execute(
        sa.select(*(registrations.c[name] for name in ('id', *_CELL))).where(
            registrations.c.status == 'draft',
            registrations.c.student_id.is_not(None),
            sa.exists().where(
                newer.c.student_id == registrations.c.student_id,
                newer.c.zone_id == registrations.c.zone_id,
                newer.c.year == registrations.c.year,
                newer.c.status == 'draft',
                newer.c.id > registrations.c.id,
            ),
        )
    ).all()
    now = datetime.now(UTC)
    for row in doubled:
        connection.execute(sa.update(registrations).where(registrations.c.id == row.id).values(status='withdrawn'))
        connection.execute(
            sa.insert(audit_events).values(
                at=now,
                actor_type='system',
                action='transition',
                zone_id=row.zone_id,
                registration_id=row.id,
                from_status='draft',
                to_status='withdrawn',
                reason=REASON,
                detail={'action': 'withdraw'},
            )
        )
        cell = {
            'zone_id': row.zone_id,
            'school_id': row.school_id or 0,
            'college': row.college or '',
            'class_name': row.class_name or '',
            'payment_channel': row.payment_channel or '',
            'paid_fen': 0,
        }
        due = row.amount_due_fen or 0
        connection.execute(
            sa.insert(count_deltas),
            [
                {**cell, 'status': 'draft', 'count': -1, 'due_fen': -due},
                {**cell, 'status': 'withdrawn', 'count': 1, 'due_fen': due},
            ],
        )
    op.create_index(
        'uq_registrations_student_draft',
        'registrations',
        ['student_id', 'zone_id', 'year'],
        unique=True,
        postgresql_where=DRAFT,
        sqlite_where=DRAFT,
    )


def downgrade():
    op.drop_index('uq_registrations_student_draft', table_name='registrations')
