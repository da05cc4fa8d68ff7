"""Creating, editing, submitting and withdrawing a student's registration (DESIGN §1.5, §4)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError, field_error
from miniapp_backend.enrolment.registration import duplicates, rows
from miniapp_backend.enrolment.registration.states import Action, TransitionRefused, lock, transition, transition_row
from miniapp_backend.enrolment.reports import counts
from miniapp_backend.enrolment.students import cached_view, tokens
from miniapp_backend.enrolment.zones.availability import check_window, not_open
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, School, Student, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import ACTIVE_STATUSES, Identity, IdType, RegistrationStatus as S
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number
from miniapp_backend.unit_of_work import autocommitted, leave_autocommit

EDITABLE = rows.EDITABLE
#: Fields a submission needs, with their Chinese names for the completeness message.
REQUIRED = {
    'name': '姓名',
    'id_number': '证件号码',
    'ethnicity': '民族',
    'marital_status': '婚姻状况',
    'phone': '手机号码',
    'residence_address': '居住地址',
    'hukou_address': '户籍地址',
    'hukou_region_code': '户籍地区划',
    'school_id': '学校',
    'student_no': '学号',
}
_PLAIN = (
    'name',
    'ethnicity',
    'marital_status',
    'phone',
    'residence_address',
    'hukou_address',
    'hukou_region_code',
    'hukou_region_name',
    'student_no',
    'college',
    'class_name',
    'identity',
    'special_identity',
)


def create(claims: tokens.Claims, data: dict[str, Any], now: datetime | None = None) -> rows.Row | Registration:
    """A draft, after the window, ID and duplicate checks; one open draft per student, zone and year. The checks are
    one statement with the token's version (rows.create_checks), the draft and its statistics delta another
    (rows.insert); a request sends both in autocommit, with no BEGIN or COMMIT."""
    now = now or utcnow()
    checked = {
        'zone_code': data['zone_code'],
        'school_code': data.get('school_code'),
        'id_index': _id_index(data),
        'today': now.date(),
    }
    checks = rows.create_checks(claims, checked)
    if checks is None:
        raise not_open()
    zone = checks.zone
    if data.get('year') not in (None, zone.year):
        raise field_error('year', f'{zone.name}当前办理的是{zone.year}年度参保')
    check_window(zone, now)
    if checks.draft_id is not None:
        raise _draft_exists(checks.draft_id)
    registration = rows.Row(**dict.fromkeys(rows.COLUMNS))
    registration.__dict__.update(
        student_id=claims.student_id,
        zone_id=zone.id,
        zone=zone,
        year=zone.year,
        status=S.DRAFT,
        renewal=False,
        id_type=IdType.RESIDENT_ID,
        identity=Identity.COLLEGE_STUDENT,
        created_at=now,
        updated_at=now,
    )
    found = (checks.school_id, rows.school(data.get('school_code'))) if checks.school_id is not None else None
    _apply_fields(registration, data, lambda code: found)
    try:
        duplicates.refuse_if_enrolled(registration.id_index, checks.enrolled_zone_id, registration.name)
    except EnrolmentError:
        # A school may have imported this person here, or another WeChat user filed them without ever proving to
        # be them: with proof, the student takes that record over (several writes: in a transaction).
        leave_autocommit()
        claimable = _claimable(registration.id_index, zone, claims.student_id)
        if claimable is None:
            raise
        return _claim(db.session.get(Student, claims.student_id), claimable, registration.name)
    try:
        with _one_statement():
            registration.id = rows.insert(registration, counts.delta_rows(None, registration.values(counts.WATCHED)))
    except IntegrityError:
        # Another request of the same student (a double tap on save) created the draft first: the unique index
        # uq_registrations_student_draft refused this one, which wrote nothing. The checks, asked again, find it.
        again = rows.create_checks(claims, checked)
        if again is None or again.draft_id is None:
            raise
        raise _draft_exists(again.draft_id) from None
    # A new registration has no history, photo or letter yet: known without asking the database.
    registration.history, registration.photo_uploaded, registration.letter_signed = [], False, False
    cached_view.student_changed(db.session(), claims.student_id)
    return registration


def _draft_exists(draft_id: int) -> EnrolmentError:
    return EnrolmentError(
        'draft_exists', '您已有一份未提交的参保登记，请继续填写', details={'registration_id': draft_id}
    )


def _one_statement() -> contextlib.AbstractContextManager:
    """Where a request's one write may be refused by a unique index: in autocommit a failed statement leaves
    nothing behind; a caller inside a transaction (a test, a command) writes under a savepoint, so its transaction
    stays usable."""
    return contextlib.nullcontext() if autocommitted(db.session.connection()) else db.session.begin_nested()


def _id_index(data: dict[str, Any]) -> str | None:
    """The blind index of the ID number given, for the duplicate check (None when invalid: refused in its turn)."""
    try:
        return blind_index(validate_id_number(str(data.get('id_type')), data.get('id_number') or '').number)
    except InvalidIdNumber:
        return None


def _claimable(id_index: str, zone: Zone, student_id: int) -> Registration | None:
    """The active registration here for this person that the student may take over once proved to be them: one a
    school imported (no student has it yet), or one another student filed and never proved to be the person
    (someone typing a stranger's ID number must not lock the person out of their own enrolment). Never one
    that is paid, nor one whose student proved to be the person or had them reviewed before."""
    from miniapp_backend.enrolment.students import identity

    candidates = db.session.scalars(
        sa.select(Registration).where(
            Registration.id_index == id_index,
            Registration.zone_id == zone.id,
            Registration.year == zone.year,
            Registration.status.in_(ACTIVE_STATUSES),
            Registration.status != S.PAID,
            sa.or_(Registration.student_id.is_(None), Registration.student_id != student_id),
        )
    ).all()
    for candidate in candidates:
        if candidate.student is None or not identity.proven(candidate.student, id_index):
            return candidate
    return None


def _claim(student: Student, claimed: Registration, name: str) -> Registration:
    """The student takes over the record, once proved to be that person; the student who had it (if any) is told
    by their GET /me, which no longer shows it. Over another student's record only a proof of the person counts
    (face or the centre's review), under the name the claimant gives: that record's name may be invented."""
    from miniapp_backend.enrolment import audit
    from miniapp_backend.enrolment.students import identity

    previous = claimed.student_id
    held = previous is not None
    identity.require(
        student,
        claimed.id_number,
        name,
        action='claim',
        zone=claimed.zone,
        names_on_file=[] if held else [claimed.name],
        proofs_only=held,
    )
    # Under the row lock, what made it claimable must still hold: another claim, a decision or a withdrawal may
    # have come first.
    lock(claimed)
    still = claimed.student_id == previous and claimed.status in ACTIVE_STATUSES and claimed.status is not S.PAID
    if not still or (held and identity.proven(claimed.student, claimed.id_index)):
        raise EnrolmentError('claim_changed', '该登记刚刚被办理或变更，请返回首页查看后再试', status=409)
    claimed.student = student
    audit.record(
        Actor.student(student.id), 'claim', zone_id=claimed.zone_id, registration_id=claimed.id, previous=previous
    )
    db.session.flush()
    if previous is not None:
        cached_view.student_changed(db.session(), previous)
    cached_view.student_changed(db.session(), student.id)
    return claimed


def update(registration: Registration, data: dict[str, Any], now: datetime | None = None) -> Registration:
    """Edit while draft or returned; a changed ID number is checked again."""
    if registration.status not in EDITABLE:
        raise EnrolmentError('invalid_state', f'登记状态为「{registration.status.label}」，不能修改')
    from miniapp_backend.enrolment.registration import letters

    # The form sends its zone and year again with every save; another is a move, which a PATCH cannot make.
    if data.get('zone_code', registration.zone.code) != registration.zone.code:
        raise field_error('zone_code', '登记的专区不能修改；请撤回本登记后在新专区重新登记')
    if data.get('year', registration.year) != registration.year:
        raise field_error('year', f'本登记是{registration.year}年度的参保登记，年度不能修改')
    data = {key: value for key, value in data.items() if key not in ('zone_code', 'year')}
    printed = letters.printed(registration)
    apply_fields(registration, data)
    letters.void_if_changed(registration, printed)
    duplicates.check(
        registration.id_index,
        registration.zone,
        registration.year,
        (now or utcnow()).date(),
        name=registration.name,
        excluding=registration.id,
    )
    return registration


def submit(registration_id: int, claims: tokens.Claims, now: datetime | None = None) -> rows.Row:
    """The student's own registration, complete → submitted: read with its duplicate check in one statement, written
    by another (states.transition_row); a request sends both in autocommit, with no BEGIN, SAVEPOINT or COMMIT. The
    partial unique index is the last word on duplicates under concurrency."""
    now = now or utcnow()
    registration = rows.for_submit(registration_id, claims, now.date())
    if registration is None:
        raise EnrolmentError('not_found', '记录不存在', status=404)
    if registration.status not in EDITABLE:
        raise EnrolmentError('invalid_state', f'登记状态为「{registration.status.label}」，不能提交')
    check_window(registration.zone, now)
    missing = [field for field in REQUIRED if getattr(registration, field) in (None, '')]
    if missing:
        raise EnrolmentError(
            'incomplete',
            '请补充：' + '、'.join(REQUIRED[field] for field in missing),
            status=422,
            errors={field: ['必填'] for field in missing},
        )
    if registration.zone.id_photo_required and not registration.photo_uploaded:
        raise EnrolmentError(
            'photo_required', '请上传参保人身份证照片后再提交', status=422, errors={'id_photo': ['请上传身份证照片']}
        )
    if registration.letter_required:
        _check_letter(registration)
    from miniapp_backend.enrolment.registration import subsidised

    mismatch = subsidised.mismatch(registration)
    if mismatch and registration.zone.subsidised_match_required:
        raise EnrolmentError(
            'subsidised_mismatch',
            f'{mismatch}，请核对资助身份或联系学校',
            status=422,
            errors={'special_identity': [mismatch]},
        )
    duplicates.refuse_if_enrolled(registration.id_index, registration.enrolled_zone_id, registration.name)
    try:
        with _one_statement():
            transition_row(registration, Action.SUBMIT, Actor.student(claims.student_id), now=now)
    except TransitionRefused as refused:
        raise EnrolmentError('invalid_state', refused.message) from None
    except IntegrityError:
        # Another submission for the same person won the race: this one wrote nothing (a failed statement in
        # autocommit, or undone to the savepoint), the caller's transaction stays usable.
        zone = _zone_of_active(registration.id_index, registration.year) or registration.zone
        raise duplicates.refusal(registration.id_index, zone, registration.name) from None
    return registration


def _check_letter(registration: rows.Row) -> None:
    """A subsidised student's sealed letter must exist and still say what the registration says."""
    from miniapp_backend.enrolment.registration import letters

    if not registration.letter_signed:
        raise field_error('letter', '资助参保对象须先签署承诺书', code='letter_required')
    if not letters.follows_data(db.session.get(Registration, registration.id)):
        raise field_error('letter', '登记信息已修改，请重新签署承诺书后再提交', code='letter_required')


def withdraw(registration: Registration, student: Student) -> Registration:
    """Under the registration's row lock, as a reviewer's decision takes it: a withdrawal that arrives during a
    decision waits and is judged on what the decision left."""
    _transition(lock(registration), Action.WITHDRAW, Actor.student(student.id))
    return registration


def _transition(registration: Registration, action: Action, actor: Actor) -> None:
    try:
        transition(registration, action, actor)
    except TransitionRefused as refused:
        raise EnrolmentError('invalid_state', refused.message) from None


def _zone_of_active(id_index: str, year: int) -> Zone | None:
    query = (
        sa.select(Zone)
        .join(Registration, Registration.zone_id == Zone.id)
        .where(Registration.id_index == id_index, Registration.year == year, Registration.status.in_(ACTIVE_STATUSES))
    )
    return db.session.scalars(query.limit(1)).first()


def apply_fields(registration: Registration, data: dict[str, Any]) -> None:
    """Set form fields on a registration, validating the ID number and the school."""

    def find_school(code: str) -> tuple[int, School] | None:
        zone_id = registration.zone_id or registration.zone.id
        school = db.session.scalars(sa.select(School).where(School.zone_id == zone_id, School.code == code)).first()
        return (school.id, school) if school is not None else None

    _apply_fields(registration, data, find_school)


def _apply_fields(registration, data: dict[str, Any], find_school: Callable[[str], tuple[int, Any] | None]) -> None:
    """`apply_fields` for a Registration or a `rows.Row`; `find_school` gives the (id, school) of a code in the
    registration's zone, or None."""
    for field in _PLAIN:
        if field in data:
            setattr(registration, field, data[field])
    if 'school_code' in data:
        found = find_school(data['school_code'])
        if found is None:
            raise field_error('school_code', '请选择本专区的学校')
        registration.school_id, registration.school = found
    if 'bank' in data:
        bank = data['bank'] or {}
        registration.bank_name = bank.get('bank_name')
        registration.bank_account_name = bank.get('account_name')
        registration.bank_account_no = bank.get('account_no')
    if 'id_number' in data or 'id_type' in data:
        id_type = data.get('id_type', registration.id_type)
        try:
            info = validate_id_number(str(id_type), data.get('id_number', registration.id_number or ''))
        except InvalidIdNumber as exc:
            raise field_error('id_number', exc.message, 'invalid_id_number') from None
        registration.id_type = id_type
        registration.id_number = info.number
        registration.id_index = blind_index(info.number)
        registration.birth_date = info.birth_date
        registration.sex = info.sex
