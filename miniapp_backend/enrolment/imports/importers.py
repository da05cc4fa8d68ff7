"""Row importers per kind (DESIGN §7.5): each row is applied whole in its own savepoint, or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone

import sqlalchemy as sa

from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.imports.reading import (
    CellError,
    day,
    id_number,
    moment,
    text,
)
from miniapp_backend.enrolment.payment.record import Outcome, record_payment
from miniapp_backend.enrolment.registration import duplicates, filing
from miniapp_backend.enrolment.registration.rows import Row, new_row
from miniapp_backend.enrolment.registration.states import (
    Action,
    TransitionRefused,
    insert_transitioned,
)
from miniapp_backend.enrolment.scope import Scope, scope_of
from miniapp_backend.enrolment.suspension import request as suspension_request
from miniapp_backend.extensions import db
from miniapp_backend.inputs import InputRefused, parse_money, yuan_to_fen
from miniapp_backend.models import InsuredPerson, Registration, Reviewer, RosterEntry, School, SubsidisedPerson, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import (
    ActorType,
    Identity,
    IdType,
    InsuredStatus,
    MaritalStatus,
    PaymentSource,
    RegistrationStatus,
    SpecialIdentity,
    StudyMode,
)
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number

SHANGHAI = timezone(timedelta(hours=8))
NONE = '无'


#: Rows as (Excel row number, {header: value}) → the refused rows' errors by row number.
ChunkApplier = Callable[[Zone, Actor, list[tuple[int, dict]]], dict[int, CellError]]


@dataclass(frozen=True)
class Importer:
    headers: list[str]
    apply: ChunkApplier
    #: Dropdown choices per column for the template.
    choices: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    #: Tables the import fills, whose planner statistics it keeps fresh.
    tables: tuple[str, ...] = ()
    #: Columns that name one entry of the file: a second row with the same values is reported, not applied.
    repeat_columns: tuple[str, ...] = ('证件号码',)


def _choice(row: dict, column: str, enum, required: bool = True):
    value = text(row, column, required)
    if value in (None, NONE):
        return None
    for member in enum:
        if value in (member.value, member.label):
            return member
    raise CellError(column, f'应为：{"、".join(m.label for m in enum)}')


def _person(row: dict) -> tuple[str, str]:
    id_type = _choice(row, '证件类型', IdType, required=False) or IdType.RESIDENT_ID
    try:
        return id_type.value, validate_id_number(id_type.value, id_number(row)).number
    except InvalidIdNumber as exc:
        raise CellError('证件号码', exc.message) from None


def _ethnicity(row: dict) -> str:
    value = text(row, '民族')
    code = value[:2]
    if not code.isdigit() or not (1 <= int(code) <= 56 or code in ('97', '98')):
        raise CellError('民族', '应为GB 3304民族代码，如“01-汉族”')
    return code


def import_registrations(zone: Zone, actor: Actor, rows: list[tuple[int, dict]]) -> dict[int, CellError]:
    """A school registers students and submits on their behalf: a chunk of rows checked with two queries."""
    schools = {school.code: school for school in db.session.scalars(sa.select(School).where(School.zone_id == zone.id))}
    errors: dict[int, CellError] = {}
    built: list[tuple[int, Registration]] = []
    scope = uploader_scope(actor)
    for number, row in rows:
        try:
            registration = registration_from_row(zone, row, schools)
            _check_scope(scope, registration)
            built.append((number, registration))
        except CellError as error:
            errors[number] = error
    enrolled = duplicates.enrolled_zones({r.id_index for _, r in built}, zone, zone.year, utcnow().date())
    accepted: dict[str, Registration] = {}
    for number, registration in built:
        if registration.id_index in enrolled:
            errors[number] = CellError('证件号码', duplicates.already_enrolled(enrolled[registration.id_index]).message)
        elif registration.id_index in accepted:
            errors[number] = CellError('证件号码', '与本表前面的行是同一人')
        else:
            accepted[registration.id_index] = registration
    insert_transitioned(list(accepted.values()), Action.SUBMIT, actor)
    return errors


def uploader_scope(actor: Actor) -> Scope | None:
    """The scope of the reviewer who uploaded the file (None for the system)."""
    reviewer = db.session.get(Reviewer, actor.id) if actor.type is ActorType.REVIEWER else None
    return scope_of(reviewer) if reviewer is not None else None


_SCOPE_COLUMNS = {'不属于您管理的学校': '学校代码', '不属于您管理的学院': '学院', '不属于您管理的班级': '班级'}


def _check_scope(scope: Scope | None, registration: Row) -> None:
    """A row outside the uploader's school / college / class is refused, naming why."""
    refusal = (
        scope.refusal(
            registration.zone_id,
            registration.school.id if registration.school else None,
            registration.college,
            registration.class_name,
        )
        if scope
        else None
    )
    if refusal:
        raise CellError(_SCOPE_COLUMNS.get(refusal, '学校代码'), f'该行{refusal}，不能导入')


def registration_from_row(zone: Zone, row: dict, schools: dict[str, School]) -> Row:
    """A draft registration from one workbook row, its cells checked (raises CellError); not yet written. A `Row`,
    not a mapped object: a chunk's rows are written by a few Core statements (states.insert_transitioned)."""
    id_type = _choice(row, '证件类型', IdType, required=False) or IdType.RESIDENT_ID
    data = {
        'name': text(row, '姓名'),
        'id_type': id_type.value,
        'id_number': id_number(row),
        'ethnicity': _ethnicity(row),
        'marital_status': _choice(row, '婚姻状况', MaritalStatus).value,
        'phone': text(row, '手机号码'),
        'residence_address': text(row, '居住地址'),
        'hukou_address': text(row, '户籍地址'),
        'hukou_region_code': text(row, '户籍地区划'),
        'student_no': text(row, '学号'),
        'college': text(row, '学院', False),
        'class_name': text(row, '班级', False),
        'special_identity': _choice(row, '特殊身份', SpecialIdentity, required=False),
    }
    if data['special_identity'] is not None:
        raise CellError('特殊身份', '资助参保对象须本人在小程序签署承诺书，不能批量导入')
    if not (data['phone'] or '').isdigit() or len(data['phone']) != 11:
        raise CellError('手机号码', '请填写11位手机号码')
    # The template's dropdown offers "代码-名称"; the code before the dash is what counts.
    school = schools.get(text(row, '学校代码').split('-', 1)[0].strip())
    if school is None:
        raise CellError('学校代码', '本专区没有该学校代码')
    now = utcnow()
    registration = new_row(
        zone=zone,
        zone_id=zone.id,
        school=school,
        school_id=school.id,
        year=zone.year,
        status=RegistrationStatus.DRAFT,
        renewal=False,
        identity=Identity.COLLEGE_STUDENT,
        created_at=now,
        updated_at=now,
    )
    try:
        filing.apply_fields(registration, data)
    except EnrolmentError as error:
        raise CellError('证件号码', error.message) from None
    return registration


def import_suspension(zone: Zone, actor: Actor, row: dict) -> None:
    """A home-town suspension requested for a student (confirmed by the worker like any other)."""
    _, number = _person(row)
    origin_code = text(row, '原参保地区划')
    if not origin_code.isdigit() or len(origin_code) != 6:
        raise CellError('原参保地区划', '应为6位行政区划代码')
    if origin_code == zone.code:
        raise CellError('原参保地区划', '原参保地不能是本专区')
    reason = text(row, '暂停原因')
    if not 2 <= len(reason) <= 100:
        raise CellError('暂停原因', '应为2至100个字')
    now = utcnow()
    suspend_from = day(row, '暂停日期')
    if not suspension_request.plausible_start(suspend_from, now):
        raise CellError('暂停日期', '暂停日期不合理（应在去年初至明年底之间）')
    try:
        suspension = suspension_request.record(origin_code, number, text(row, '姓名'), reason, suspend_from, now)
    except EnrolmentError as error:
        raise CellError('证件号码', error.message) from None
    # Shown on this zone's suspension desk, which imported it, whatever the home town.
    suspension.handled_by_zone_id = zone.id


def import_roster(zone: Zone, actor: Actor, row: dict) -> None:
    """Who is insured in this zone (参保名册)."""
    _, number = _person(row)
    index = blind_index(number)
    person = db.session.scalars(
        sa.select(InsuredPerson).where(InsuredPerson.id_index == index, InsuredPerson.zone_id == zone.id)
    ).first()
    if person is None:
        person = InsuredPerson(id_index=index, id_number=number, zone=zone, source='roster')
        db.session.add(person)
    person.name = text(row, '姓名')
    person.status = _choice(row, '参保状态', InsuredStatus)
    person.since = day(row, '参保日期')
    paid = text(row, '缴费至年度', required=False)
    if paid and not (paid.isdigit() and 2000 <= int(paid) <= 2100):
        raise CellError('缴费至年度', '应为四位年份')
    person.paid_through_year = int(paid) if paid else None


def import_school_roster(zone: Zone, actor: Actor, row: dict) -> None:
    """One student of a school's roster (学籍名单) for the zone's year; a second import updates the entry."""
    _, number = _person(row)
    school_text = text(row, '学校')
    school = db.session.scalars(
        sa.select(School).where(
            School.zone_id == zone.id, sa.or_(School.name == school_text, School.code == school_text)
        )
    ).first()
    if school is None:
        raise CellError('学校', '不是本专区的学校，请从下拉列表中选择')
    enrolled = text(row, '入学年份')
    if not (enrolled.isdigit() and 2000 <= int(enrolled) <= 2100):
        raise CellError('入学年份', '应为四位年份，如 2024')
    index = blind_index(number)
    entry = db.session.scalars(
        sa.select(RosterEntry).where(
            RosterEntry.zone_id == zone.id, RosterEntry.year == zone.year, RosterEntry.id_index == index
        )
    ).first()
    if entry is None:
        entry = RosterEntry(zone_id=zone.id, year=zone.year, id_index=index, id_number=number)
        db.session.add(entry)
    entry.school_id, entry.name, entry.student_no = school.id, text(row, '姓名'), text(row, '学号')
    entry.college, entry.class_name, entry.enrolment_year = text(row, '学院'), text(row, '班级'), int(enrolled)
    entry.study_mode = _choice(row, '学习形式', StudyMode, required=False) or StudyMode.FULL_TIME
    entry.imported_at = utcnow()


def import_reconciliation(zone: Zone, actor: Actor, row: dict) -> None:
    """The tax bureau's reconciliation: the same rules as the payment poll."""
    _, number = _person(row)
    try:
        amount_fen = yuan_to_fen(parse_money(text(row, '缴费金额（元）')))
    except InputRefused:
        raise CellError('缴费金额（元）', '应为大于0的金额数字，最多两位小数') from None
    paid_at = moment(row, '缴费时间').replace(tzinfo=SHANGHAI).astimezone(UTC)
    registration = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.id_index == blind_index(number),
            Registration.zone_id == zone.id,
            Registration.year == zone.year,
            # Expired too: a payment made before the close that reached the bureau's records after the expiry.
            Registration.status.in_((RegistrationStatus.APPROVED, RegistrationStatus.PAID, RegistrationStatus.EXPIRED)),
        )
        .order_by(Registration.status == RegistrationStatus.EXPIRED, Registration.id.desc())
    ).first()
    if registration is None:
        raise CellError('证件号码', '本专区本年度没有待缴费的参保登记')
    scope = uploader_scope(actor)
    if scope is not None and not scope.covers(registration):
        raise CellError('证件号码', '该人员的参保登记不在您的管理范围内，不能登记缴费')
    result = record_payment(
        registration,
        amount_fen=amount_fen,
        paid_at=paid_at,
        voucher_no=text(row, '电子税票号码'),
        channel='tax',
        source=PaymentSource.RECONCILIATION,
        actor=actor,
    )
    if result.outcome in (Outcome.AMOUNT_MISMATCH, Outcome.NOT_PAYABLE):
        raise CellError('缴费金额（元）' if result.outcome is Outcome.AMOUNT_MISMATCH else '证件号码', result.message)


def import_subsidised(zone: Zone, actor: Actor, row: dict) -> None:
    """A civil-affairs list of subsidised persons, shown on matching records."""
    _, number = _person(row)
    index = blind_index(number)
    category = _choice(row, '资助类别', SpecialIdentity)
    entry = db.session.scalars(
        sa.select(SubsidisedPerson).where(
            SubsidisedPerson.id_index == index, SubsidisedPerson.zone_id == zone.id, SubsidisedPerson.year == zone.year
        )
    ).first()
    if entry is None:
        entry = SubsidisedPerson(id_index=index, zone_id=zone.id, year=zone.year)
        db.session.add(entry)
    entry.category, entry.source = category, text(row, '认定部门', required=False) or ''
    entry.name, entry.id_number = text(row, '姓名'), number


def chunk_at_once(apply_many: ChunkApplier) -> ChunkApplier:
    """A chunk applied in one savepoint; if the database refuses it (a concurrent registration of someone in it won
    the unique index), the chunk is applied again row by row so that only that row is refused."""

    def apply(zone: Zone, actor: Actor, rows: list[tuple[int, dict]]) -> dict[int, CellError]:
        try:
            with db.session.begin_nested():
                errors = apply_many(zone, actor, rows)
            return errors
        except (sa.exc.IntegrityError, sa.exc.DataError):
            return row_by_row(lambda z, a, row: _raise_first(apply_many(z, a, [(0, row)])))(zone, actor, rows)

    return apply


def row_by_row(apply_one: Callable[[Zone, Actor, dict], None]) -> ChunkApplier:
    """Each row in its own savepoint: any refusal rolls back that whole row and nothing else."""

    def apply(zone: Zone, actor: Actor, rows: list[tuple[int, dict]]) -> dict[int, CellError]:
        errors = {}
        for number, row in rows:
            error = _apply_one(apply_one, zone, actor, row)
            if error is not None:
                errors[number] = error
        return errors

    return apply


def _apply_one(apply_one: Callable[[Zone, Actor, dict], None], zone: Zone, actor: Actor, row: dict) -> CellError | None:
    try:
        with db.session.begin_nested():
            apply_one(zone, actor, row)
    except CellError as error:
        return error
    except TransitionRefused as refused:
        return CellError('证件号码', refused.message)
    except sa.exc.IntegrityError:
        return CellError('证件号码', '该人员本年度已有有效的参保登记或该凭证已登记')
    except sa.exc.DataError:  # a value past a column's length or range that no check above caught
        return CellError('整行', '内容超出长度或范围，请检查本行')
    except (ValueError, ArithmeticError) as error:
        return CellError('整行', f'内容无法识别（{type(error).__name__}）')
    return None


def _raise_first(errors: dict[int, CellError]) -> None:
    for error in errors.values():
        raise error


ID_TYPES = [member.label for member in IdType]
KINDS: dict[str, Importer] = {
    'school_roster': Importer(
        ['学校', '学号', '姓名', '证件类型', '证件号码', '学院', '班级', '入学年份', '学习形式'],
        row_by_row(import_school_roster),
        {'证件类型': ID_TYPES, '学习形式': [m.label for m in StudyMode]},
        {'学校': '本专区学校名称或代码', '入学年份': '四位年份，如 2024'},
        ('roster_entries',),
    ),
    'registrations': Importer(
        [
            '姓名',
            '证件类型',
            '证件号码',
            '民族',
            '婚姻状况',
            '手机号码',
            '居住地址',
            '户籍地址',
            '户籍地区划',
            '学校代码',
            '学号',
            '学院',
            '班级',
            '特殊身份',
        ],
        chunk_at_once(import_registrations),
        {'证件类型': ID_TYPES, '婚姻状况': [m.label for m in MaritalStatus], '特殊身份': [NONE]},
        {'证件号码': '文本格式，字母X大写', '民族': '如 01-汉族'},
        ('registrations', 'audit_events'),
    ),
    'suspensions': Importer(
        ['姓名', '证件类型', '证件号码', '原参保地区划', '暂停原因', '暂停日期'],
        row_by_row(import_suspension),
        {'证件类型': ID_TYPES},
        {'暂停日期': 'YYYY-MM-DD 或 YYYYMMDD'},
        ('suspensions',),
    ),
    'roster': Importer(
        ['姓名', '证件类型', '证件号码', '参保状态', '参保日期', '缴费至年度'],
        row_by_row(import_roster),
        {'证件类型': ID_TYPES, '参保状态': [m.label for m in InsuredStatus]},
        {'参保日期': 'YYYY-MM-DD'},
        ('insured_persons',),
    ),
    'reconciliation': Importer(
        ['证件类型', '证件号码', '缴费金额（元）', '电子税票号码', '缴费时间'],
        row_by_row(import_reconciliation),
        {'证件类型': ID_TYPES},
        {'缴费时间': 'YYYY-MM-DD HH:MM:SS（北京时间）'},
        repeat_columns=('证件号码', '电子税票号码'),
    ),
    'subsidised': Importer(
        ['姓名', '证件类型', '证件号码', '资助类别', '认定部门'],
        row_by_row(import_subsidised),
        {'证件类型': ID_TYPES, '资助类别': [m.label for m in SpecialIdentity]},
        tables=('subsidised_persons',),
    ),
}
