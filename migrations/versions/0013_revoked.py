"""A record staff take back (撤销) is 已撤销 with its reason, no longer 已撤回 as if the student had withdrawn it, and
the student is told by a message of its own kind

Revision ID: 0013_revoked
Revises: 0012_owed_bumps
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0013_revoked'
down_revision = '0012_owed_bumps'
branch_labels = None
depends_on = None

STATUSES = ('draft', 'submitted', 'under_review', 'returned', 'rejected', 'approved', 'paid', 'withdrawn', 'expired')
KINDS = (
    'approved',
    'returned',
    'rejected',
    'paid',
    'suspension_confirmed',
    'suspension_refused',
    'window_closing',
    'submitted',
    'expired',
    'renewal',
    'roster_reminder',
)


_CELL = ('zone_id', 'school_id', 'college', 'class_name', 'payment_channel', 'amount_due_fen')
registrations = sa.table('registrations', *(sa.column(name) for name in ('id', 'status', 'review_reason', *_CELL)))
audit_events = sa.table(
    'audit_events',
    *(sa.column(name) for name in ('id', 'action', 'registration_id', 'reason')),
    sa.column('detail', sa.JSON().with_variant(JSONB(), 'postgresql')),
)
count_deltas = sa.table(
    'registration_count_deltas',
    *(sa.column(name) for name in ('zone_id', 'school_id', 'college', 'class_name', 'status', 'payment_channel')),
    *(sa.column(name) for name in ('count', 'due_fen', 'paid_fen')),
)
notifications = sa.table('notifications', sa.column('kind'))


def _check(column, values):
    return '{} IN ({})'.format(column, ', '.join(f"'{value}'" for value in values))


def _constrain(statuses, kinds):
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_constraint(op.f('ck_registrations_registrationstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_registrations_registrationstatus'), _check('status', statuses))
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notificationkind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notificationkind'), _check('kind', kinds))


def _move(connection, rows, before: str, after: str, reasons: dict) -> None:
    """Each row's status, and its statistics from one cell to the other (the counts fold the deltas)."""
    for row in rows:
        values = {'status': after}
        if row.id in reasons:
            values['review_reason'] = reasons[row.id]
        connection.execute(sa.update(registrations).where(registrations.c.id == row.id).values(**values))
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
                {**cell, 'status': before, 'count': -1, 'due_fen': -due},
                {**cell, 'status': after, 'count': 1, 'due_fen': due},
            ],
        )


def _rows(connection, status: str):
    return connection.execute(
        sa.select(*(registrations.c[name] for name in ('id', *_CELL))).where(registrations.c.status == status)
    ).all()


def upgrade():
    _constrain(STATUSES + ('revoked',), KINDS + ('revoked',))
    # Records revoked before this revision were stored as withdrawn; their audit rows name the revoke and its reason.
    connection = op.get_bind()
    reasons = {}
    for event in connection.execute(
        sa.select(audit_events.c.registration_id, audit_events.c.reason, audit_events.c.detail)
        .where(
            audit_events.c.action == 'transition',
            audit_events.c.registration_id.is_not(None),
            sa.cast(audit_events.c.detail, sa.Text).like('%revoke%'),
        )
        .order_by(audit_events.c.id)
    ):
        if (event.detail or {}).get('action') == 'revoke':
            reasons[event.registration_id] = event.reason
    revoked = [row for row in _rows(connection, 'withdrawn') if row.id in reasons]
    _move(connection, revoked, 'withdrawn', 'revoked', reasons)


def downgrade():
    connection = op.get_bind()
    _move(connection, _rows(connection, 'revoked'), 'revoked', 'withdrawn', {})
    # Their messages stay in the students' lists, under the nearest kind the older schema knows.
    connection.execute(sa.update(notifications).where(notifications.c.kind == 'revoked').values(kind='rejected'))
    _constrain(STATUSES, KINDS)
