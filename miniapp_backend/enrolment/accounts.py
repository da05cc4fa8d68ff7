"""Reviewer accounts a zone administrator manages (seed 001: each school configures its people): create with a
role and a scope, disable and enable, reset a password that must be changed at the next login. All audited."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, Reviewer, School
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ActorType, ReviewerRole
from miniapp_backend.unit_of_work import commit_batch

MIN_PASSWORD = 8
#: The scope fields each role needs, with the form's names for them (the form checks they are given).
SCOPE_NEEDS = {
    ReviewerRole.SCHOOL_ADMIN: ('school_id',),
    ReviewerRole.COLLEGE_REVIEWER: ('school_id', 'college'),
    ReviewerRole.COUNSELLOR: ('school_id', 'college', 'class_name'),
}
FIELD_NAMES = {'school_id': '学校', 'college': '学院', 'class_name': '班级'}


class AccountError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__('invalid account')
        self.errors = errors


def temporary_password() -> str:
    """Shown once to the administrator; the reviewer must replace it at the next login."""
    return secrets.token_urlsafe(9)


def create(admin: Reviewer, values: dict[str, Any]) -> tuple[Reviewer, str]:
    """A reviewer in the admin's zone from a validated form (schemas.admin.ReviewerForm); returns it with its
    one-time password. A name already taken or a school outside the zone is named by field; nothing is added."""
    username, role = values['username'], ReviewerRole(values['role'])
    needs = SCOPE_NEEDS.get(role, ())
    errors: dict[str, str] = {}
    if db.session.scalar(sa.select(Reviewer.id).where(Reviewer.username == username)):
        errors['username'] = '该用户名已被使用'
    school = None
    if 'school_id' in needs:
        school = db.session.scalar(
            sa.select(School).where(School.id == values['school_id'], School.zone_id == admin.zone_id)
        )
        if school is None:
            errors['school_id'] = '请选择本专区的学校'
        else:
            errors.update(_scope_problems(school, values, needs))
    if errors:
        raise AccountError(errors)
    password = temporary_password()
    reviewer = add(
        Reviewer(
            username=username,
            display_name=values['display_name'] or username,
            role=role,
            zone_id=admin.zone_id,
            school=school,
            college=values['college'] if 'college' in needs else None,
            class_name=values['class_name'] if 'class_name' in needs else None,
            password_hash=generate_password_hash(password),
            must_change_password=True,
        )
    )
    audit.record(_actor(admin), 'reviewer_created', zone_id=admin.zone_id, role=role.value, **_named(reviewer))
    return reviewer, password


def _scope_problems(school: School, values: dict[str, Any], needs: tuple[str, ...]) -> dict[str, str]:
    """A college or class the school does not have would give an account that sees nothing: named by field. A
    school whose colleges were never entered is taken at its word."""
    colleges = {college.name: college for college in school.colleges}
    if not colleges or 'college' not in needs:
        return {}
    college = colleges.get(values['college'])
    if college is None:
        return {'college': f'{school.name}没有这个学院，请按学校的学院名称填写'}
    if 'class_name' in needs and values['class_name'] not in {c.name for c in college.classes}:
        return {'class_name': f'{college.name}没有这个班级，请按学校的班级名称填写'}
    return {}


def add(reviewer: Reviewer) -> Reviewer:
    """Insert a new account, from the admin page or the operators' command; a username taken, also a moment ago
    by someone else after any check of the caller's, raises AccountError and adds nothing."""
    try:
        with db.session.begin_nested():
            db.session.add(reviewer)
    except sa.exc.IntegrityError:
        raise AccountError({'username': '该用户名已被使用'}) from None
    return reviewer


def missing_scope(role: ReviewerRole, given: dict[str, Any]) -> list[str]:
    """The scope fields (SCOPE_NEEDS) the role needs and `given` lacks."""
    return [name for name in SCOPE_NEEDS.get(role, ()) if not given.get(name)]


def set_active(admin: Reviewer, reviewer: Reviewer, active: bool) -> None:
    """Disabling also ends the reviewer's open sessions."""
    if reviewer.id == admin.id:
        raise AccountError({'active': '不能停用自己的账号'})
    if not active and reviewer.role is ReviewerRole.ZONE_ADMIN and not _another_active_admin(admin.zone_id, reviewer):
        raise AccountError({'active': '不能停用本专区最后一个在用的专区管理员账号'})
    reviewer.active = active
    reviewer.session_version += 1
    audit.record(
        _actor(admin),
        'reviewer_enabled' if active else 'reviewer_disabled',
        zone_id=admin.zone_id,
        **_named(reviewer),
    )


def _named(reviewer: Reviewer) -> dict[str, str]:
    """The account an audit row is about, as the audit page names it (the display name as it was then)."""
    return {'reviewer': reviewer.username, 'display_name': reviewer.display_name}


def _another_active_admin(zone_id: int, leaving: Reviewer) -> bool:
    """Whether a zone admin other than `leaving` stays active. The zone's admins are read under their row locks, as
    they are now: two admins disabling each other at once would otherwise leave the zone with none."""
    admins = db.session.scalars(
        sa.select(Reviewer)
        .where(Reviewer.zone_id == zone_id, Reviewer.role == ReviewerRole.ZONE_ADMIN)
        .order_by(Reviewer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return any(other.active and other.id != leaving.id for other in admins)


def reset_password(admin: Reviewer, reviewer: Reviewer, seen: int) -> str:
    """A one-time password; the reviewer's sessions end and the next login must set a new one.

    `seen` is the account's session version the admin's list showed. Under the account's row lock: of two admins
    resetting at once, the second is told the first did, rather than handed a password the first one's replaced."""
    db.session.refresh(reviewer, with_for_update=True)
    if reviewer.session_version != seen:
        raise AccountError({'seen': f'账号 {reviewer.username} 刚刚已被重置密码或停用、启用，请查看后再操作'})
    password = temporary_password()
    reviewer.password_hash = generate_password_hash(password)
    reviewer.must_change_password = True
    reviewer.failed_logins, reviewer.locked_until = 0, None
    reviewer.session_version += 1
    audit.record(_actor(admin), 'reviewer_password_reset', zone_id=admin.zone_id, **_named(reviewer))
    return password


class WrongPassword(Exception):
    """The current password given with a change is not the account's; `ends_session` after too many in a row."""

    def __init__(self, ends_session: bool):
        super().__init__()
        self.ends_session = ends_session


#: Wrong current passwords within WRONG_WINDOW before the session that sends them is ended (then the login form's
#: own lockout applies): a taken session cannot guess the password at leisure.
WRONG_LIMIT, WRONG_WINDOW = 5, timedelta(minutes=10)


def change_own_password(reviewer: Reviewer, current: str, new: str) -> None:
    """The reviewer's own new password (after a reset, or any time), checked by schemas.admin.PasswordForm. The
    current one is asked for, so a session left open (or taken) cannot keep the account; every other session of
    the account ends (the caller keeps its own with the new session version). Under the account's row lock: of
    two changes at once the second checks its current password against the first's new one."""
    db.session.refresh(reviewer, with_for_update=True)
    wrong = _recent_wrong_passwords(reviewer)
    if wrong >= WRONG_LIMIT or not check_password_hash(reviewer.password_hash, current):
        audit.record_refusal(_actor(reviewer), 'password_change_refused', zone_id=reviewer.zone_id)
        if wrong + 1 < WRONG_LIMIT:
            raise WrongPassword(ends_session=False)
        # Every session of the account ends, a kept copy of this one's cookie included (sessions are signed
        # cookies: only the version they carry can be refused); the owner signs in again, under the login lockout.
        db.session.execute(
            sa.update(Reviewer).where(Reviewer.id == reviewer.id).values(session_version=Reviewer.session_version + 1)
        )
        commit_batch()
        raise WrongPassword(ends_session=True)
    reviewer.password_hash = generate_password_hash(new)
    reviewer.must_change_password = False
    reviewer.session_version += 1
    audit.record(_actor(reviewer), 'password_changed', zone_id=reviewer.zone_id)


def _recent_wrong_passwords(reviewer: Reviewer) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.actor_type == ActorType.REVIEWER,
            AuditEvent.actor_id == reviewer.id,
            AuditEvent.action == 'password_change_refused',
            AuditEvent.at > utcnow() - WRONG_WINDOW,
        )
    )


def in_zone(admin: Reviewer) -> sa.Select:
    return sa.select(Reviewer).where(Reviewer.zone_id == admin.zone_id).order_by(Reviewer.role, Reviewer.username)


def _actor(reviewer: Reviewer) -> Actor:
    return Actor.reviewer(reviewer.id, reviewer.role)
