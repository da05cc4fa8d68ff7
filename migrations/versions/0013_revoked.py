"""A record staff take back (撤销) is 已撤销 with its reason, no longer 已撤回 as if the student had withdrawn it, and
the student is told by a message of its own kind

Revision ID: 0013_revoked
Revises: 0012_owed_bumps
"""

from alembic import op

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


def _check(column, values):
    return '{} IN ({})'.format(column, ', '.join(f"'{value}'" for value in values))


def _constrain(statuses, kinds):
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_constraint(op.f('ck_registrations_registrationstatus'), type_='check')
        batch_op.create_check_constraint(op.f('ck_registrations_registrationstatus'), _check('status', statuses))
    with op.batch_alter_table('notifications') as batch_op:
        batch_op.drop_constraint(op.f('ck_notifications_notificationkind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notifications_notificationkind'), _check('kind', kinds))


def upgrade():
    _constrain(STATUSES + ('revoked',), KINDS + ('revoked',))
    # Records revoked before this revision were stored as withdrawn; their audit rows name the revoke.
    op.execute(
        "UPDATE registrations SET status = 'revoked' WHERE status = 'withdrawn' AND id IN "
        "(SELECT registration_id FROM audit_events WHERE action = 'transition' AND CAST(detail AS TEXT) LIKE '%\"revoke\"%')"
    )


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind = 'revoked'")
    op.execute("UPDATE registrations SET status = 'withdrawn' WHERE status = 'revoked'")
    _constrain(STATUSES, KINDS)
