"""`flask` commands: seed-demo, create-reviewer, ops, resend-failed. Each runs as one unit of work, like a request or a job."""

from __future__ import annotations

import click
from flask import Flask
from werkzeug.security import generate_password_hash

from miniapp_backend.enrolment import accounts
from miniapp_backend.enrolment.accounts import MIN_PASSWORD
from miniapp_backend.extensions import db
from miniapp_backend.models import Reviewer, School, Zone
from miniapp_backend.models.enums import ReviewerRole
from miniapp_backend.unit_of_work import unit_of_work


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_reviewer_command)
    app.cli.add_command(operations_command)
    app.cli.add_command(resend_failed_command)


@click.command('seed-demo')
@click.option('--with-reviewer/--no-reviewer', default=True, help='Also create the demo reviewer.')
@click.option('--schools/--no-schools', default=True, help='Also fill 宣城市 with three schools of students.')
@unit_of_work
def seed_demo_command(with_reviewer: bool, schools: bool) -> None:
    """Create the demo zones (341800 宣城市, 530000 云南省本级, 370200 青岛市) with schools, once."""
    import time

    from miniapp_backend.demo import DEMO_REVIEWER, seed_demo
    from miniapp_backend.demo_school import populate

    started = time.monotonic()
    created = seed_demo()
    if with_reviewer and not db.session.query(Reviewer.id).filter_by(username=DEMO_REVIEWER['username']).first():
        create_reviewer(
            DEMO_REVIEWER['username'], DEMO_REVIEWER['password'], DEMO_REVIEWER['role'], DEMO_REVIEWER['zone']
        )
    students = 0
    if created and schools:
        students = populate(db.session.query(Zone).filter_by(code=DEMO_REVIEWER['zone']).one(), _now())
    click.echo(
        f'demo data created ({students} roster students, {time.monotonic() - started:.1f} s)'
        if created
        else 'demo data already present'
    )


def _now():
    from miniapp_backend.models.base import utcnow

    return utcnow()


@click.command('create-reviewer')
@click.option('--username', required=True)
@click.option('--password', required=True)
@click.option('--role', required=True, type=click.Choice([role.value for role in ReviewerRole]))
@click.option('--zone', 'zone_code', required=True, help='Zone division code, e.g. 341800.')
@click.option('--school', 'school_code', help='School code (school_admin, college_reviewer, counsellor).')
@click.option('--college', help='College name (college_reviewer, counsellor).')
@click.option('--class', 'class_name', help='Class name (counsellor).')
@unit_of_work
def create_reviewer_command(
    username: str,
    password: str,
    role: str,
    zone_code: str,
    school_code: str | None,
    college: str | None,
    class_name: str | None,
) -> None:
    """Create a reviewer account with a role and a scope."""
    try:
        reviewer = create_reviewer(username, password, role, zone_code, school_code, college, class_name)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f'reviewer {reviewer.username} ({reviewer.role.value}) created')


#: The command's option for each scope field a role needs (SCOPE_NEEDS, the same rule as the accounts page).
_OPTIONS = {'school_id': 'school', 'college': 'college', 'class_name': 'class'}


def create_reviewer(
    username: str,
    password: str,
    role: str,
    zone_code: str,
    school_code: str | None = None,
    college: str | None = None,
    class_name: str | None = None,
) -> Reviewer:
    """Add a reviewer after checking the scope its role needs; raises ValueError naming the problem."""
    role = ReviewerRole(role)
    if len(password) < MIN_PASSWORD:
        raise ValueError(f'password must have at least {MIN_PASSWORD} characters')
    zone = db.session.query(Zone).filter_by(code=zone_code).one_or_none()
    if zone is None:
        raise ValueError(f'no zone with code {zone_code}')
    school = None
    if school_code:
        school = db.session.query(School).filter_by(zone_id=zone.id, code=school_code).one_or_none()
        if school is None:
            raise ValueError(f'no school {school_code} in zone {zone_code}')
    missing = accounts.missing_scope(role, {'school_id': school, 'college': college, 'class_name': class_name})
    if missing:
        raise ValueError(f'role {role.value} needs --{" --".join(_OPTIONS[name] for name in missing)}')
    reviewer = Reviewer(
        username=username,
        password_hash=generate_password_hash(password),
        role=role,
        zone=zone,
        school=school,
        college=college,
        class_name=class_name,
    )
    try:
        return accounts.add(reviewer)
    except accounts.AccountError:
        raise ValueError(f'username {username!r} is taken') from None


@click.command('ops')
@unit_of_work
def operations_command() -> None:
    """For operators: backlogs and lags, failed rq jobs, stuck imports, messages failed or of unknown delivery."""
    from flask import current_app
    from rq import Queue
    from rq.registry import FailedJobRegistry

    from miniapp_backend.enrolment.reports import operations
    from miniapp_backend.models.base import utcnow
    from workers.registry import QUEUES, queue_name

    now = utcnow()
    numbers = operations.figures(now)
    click.echo(
        f'outbox: {numbers.outbox_by_status}; oldest due {numbers.oldest_pending_outbox_seconds:.0f} s; '
        f'payment poll behind {numbers.payment_poll_lag_seconds:.0f} s; imports: {numbers.imports_by_status}; '
        f'GET /me invalidations owed: {numbers.owed_bumps}'
    )
    for name in QUEUES:
        failed = FailedJobRegistry(
            queue=Queue(queue_name(current_app.config, name), connection=current_app.extensions['redis'])
        )
        for job_id in failed.get_job_ids():
            click.echo(f'failed job  {name}  {job_id}')
    for job in operations.stuck_imports(now, current_app.config['IMPORT_TIME_BUDGET']):
        click.echo(
            f'stuck import  #{job.id}  {job.kind.value}  {job.status.value}  since {job.created_at:%Y-%m-%d %H:%M}'
        )
    for row in operations.undeliverable():
        click.echo(
            f'message  #{row.id}  {row.kind.value}  {row.status.value}  student {row.student_id}  '
            f'{row.last_error or ""}  {row.created_at:%Y-%m-%d %H:%M}'
        )


@click.command('resend-failed')
@click.option('--since', required=True, type=click.DateTime(formats=['%Y-%m-%d']), help='First day (Beijing time).')
@unit_of_work
def resend_failed_command(since) -> None:
    """Send again the messages WeChat refused since a day, once the cause is fixed (never those of unknown delivery)."""
    from miniapp_backend.enrolment.messages import delivery
    from miniapp_backend.enrolment.zones import settings as zone_settings
    from miniapp_backend.models.base import utcnow

    count = delivery.send_failed_again(zone_settings.day_start(since.date()), utcnow())
    click.echo(f'{count} failed messages queued again')
