"""Row importers per kind (DESIGN §7): each row is applied whole in its own savepoint, or not at all."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta, timezone

import sqlalchemy as sa

from miniapp_backend.enrolment import duplicates, registrations
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.excel.reading import CellError, day, id_number, moment, text
from miniapp_backend.enrolment.payments import Outcome, record_payment
from miniapp_backend.enrolment.states import Action, TransitionRefused, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import InsuredPerson, Registration, SubsidisedPerson, Suspension, Zone
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import (
    IdType, InsuredStatus, MaritalStatus, PaymentSource, RegistrationStatus, SpecialIdentity,
)
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number

SHANGHAI = timezone(timedelta(hours=8))
NONE = '无'


@dataclass(frozen=True)
class Importer:
    headers: list[str]
    apply: Callable[[Zone, Actor, dict], None]
    #: Dropdown choices per column for the template.
    choices: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


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


def import_registration(zone: Zone, actor: Actor, row: dict) -> None:
    """A school registers a student and submits on their behalf."""
    id_type, number = _person(row)
    data = {'name': text(row, '姓名'), 'id_type': id_type, 'id_number': number, 'ethnicity': _ethnicity(row),
            'marital_status': _choice(row, '婚姻状况', MaritalStatus).value, 'phone': text(row, '手机号码'),
            'residence_address': text(row, '居住地址'), 'hukou_address': text(row, '户籍地址'),
            'hukou_region_code': text(row, '户籍地区划'), 'school_code': text(row, '学校代码'),
            'student_no': text(row, '学号'), 'college': text(row, '学院', False), 'class_name': text(row, '班级', False),
            'special_identity': _choice(row, '特殊身份', SpecialIdentity, required=False)}
    if data['special_identity'] is not None:
        raise CellError('特殊身份', '资助参保对象须本人在小程序签署承诺书，不能批量导入')
    if not (data['phone'] or '').isdigit() or len(data['phone']) != 11:
        raise CellError('手机号码', '请填写11位手机号码')
    registration = Registration(zone=zone, year=zone.year, status=RegistrationStatus.DRAFT)
    try:
        registrations.apply_fields(registration, data)
        duplicates.check(registration.id_index, zone, zone.year, utcnow().date())
    except EnrolmentError as error:
        column = {'school_code': '学校代码', 'id_number': '证件号码'}.get(next(iter(error.errors), ''), '证件号码')
        raise CellError(column, error.message) from None
    db.session.add(registration)
    db.session.flush()
    transition(registration, Action.SUBMIT, actor)


def import_suspension(zone: Zone, actor: Actor, row: dict) -> None:
    """A home-town suspension requested for a student (confirmed by the worker like any other)."""
    _, number = _person(row)
    origin_code = text(row, '原参保地区划')
    if not origin_code.isdigit() or len(origin_code) != 6:
        raise CellError('原参保地区划', '应为6位行政区划代码')
    origin = db.session.scalars(sa.select(Zone).where(Zone.code == origin_code)).first()
    in_platform = origin is not None and origin.in_platform
    now = utcnow()
    db.session.add(Suspension(
        origin_zone_code=origin_code, origin_zone=origin if in_platform else None, id_index=blind_index(number),
        id_number=number, name=text(row, '姓名'), reason=text(row, '暂停原因'), suspend_from=day(row, '暂停日期'),
        consent_at=now, message='已提交，等待原参保地确认',
        next_check_at=now + timedelta(minutes=origin.suspension_delay_minutes) if in_platform else now))


def import_roster(zone: Zone, actor: Actor, row: dict) -> None:
    """Who is insured in this zone (参保名册)."""
    _, number = _person(row)
    index = blind_index(number)
    person = db.session.scalars(sa.select(InsuredPerson).where(InsuredPerson.id_index == index,
                                                               InsuredPerson.zone_id == zone.id)).first()
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


def import_reconciliation(zone: Zone, actor: Actor, row: dict) -> None:
    """The tax bureau's reconciliation: the same rules as the payment poll."""
    _, number = _person(row)
    try:
        amount_fen = round(float(text(row, '缴费金额（元）')) * 100)
    except ValueError:
        raise CellError('缴费金额（元）', '应为金额数字') from None
    paid_at = moment(row, '缴费时间').replace(tzinfo=SHANGHAI).astimezone(timezone.utc)
    registration = db.session.scalars(sa.select(Registration).where(
        Registration.id_index == blind_index(number), Registration.zone_id == zone.id, Registration.year == zone.year,
        Registration.status.in_((RegistrationStatus.APPROVED, RegistrationStatus.PAID)))).first()
    if registration is None:
        raise CellError('证件号码', '本专区本年度没有待缴费的参保登记')
    result = record_payment(registration, amount_fen=amount_fen, paid_at=paid_at, voucher_no=text(row, '电子税票号码'),
                            channel='tax', source=PaymentSource.RECONCILIATION, actor=actor)
    if result.outcome in (Outcome.AMOUNT_MISMATCH, Outcome.NOT_PAYABLE):
        raise CellError('缴费金额（元）' if result.outcome is Outcome.AMOUNT_MISMATCH else '证件号码', result.message)


def import_subsidised(zone: Zone, actor: Actor, row: dict) -> None:
    """A civil-affairs list of subsidised persons, shown on matching records."""
    _, number = _person(row)
    index = blind_index(number)
    category = _choice(row, '资助类别', SpecialIdentity)
    entry = db.session.scalars(sa.select(SubsidisedPerson).where(
        SubsidisedPerson.id_index == index, SubsidisedPerson.zone_id == zone.id, SubsidisedPerson.year == zone.year)).first()
    if entry is None:
        entry = SubsidisedPerson(id_index=index, zone=zone, year=zone.year)
        db.session.add(entry)
    entry.category, entry.source = category, text(row, '认定部门', required=False) or ''


ID_TYPES = [member.label for member in IdType]
KINDS: dict[str, Importer] = {
    'registrations': Importer(
        ['姓名', '证件类型', '证件号码', '民族', '婚姻状况', '手机号码', '居住地址', '户籍地址', '户籍地区划', '学校代码', '学号',
         '学院', '班级', '特殊身份'], import_registration,
        {'证件类型': ID_TYPES, '婚姻状况': [m.label for m in MaritalStatus], '特殊身份': [NONE]},
        {'证件号码': '文本格式，字母X大写', '民族': '如 01-汉族'}),
    'suspensions': Importer(['姓名', '证件类型', '证件号码', '原参保地区划', '暂停原因', '暂停日期'], import_suspension,
                            {'证件类型': ID_TYPES}, {'暂停日期': 'YYYY-MM-DD 或 YYYYMMDD'}),
    'roster': Importer(['姓名', '证件类型', '证件号码', '参保状态', '参保日期', '缴费至年度'], import_roster,
                       {'证件类型': ID_TYPES, '参保状态': [m.label for m in InsuredStatus]}, {'参保日期': 'YYYY-MM-DD'}),
    'reconciliation': Importer(['证件类型', '证件号码', '缴费金额（元）', '电子税票号码', '缴费时间'], import_reconciliation,
                               {'证件类型': ID_TYPES}, {'缴费时间': 'YYYY-MM-DD HH:MM:SS（北京时间）'}),
    'subsidised': Importer(['姓名', '证件类型', '证件号码', '资助类别', '认定部门'], import_subsidised,
                           {'证件类型': ID_TYPES, '资助类别': [m.label for m in SpecialIdentity]}),
}


def apply_row(importer: Importer, zone: Zone, actor: Actor, row: dict) -> CellError | None:
    """Apply one row in a savepoint; any refusal rolls back the whole row."""
    try:
        with db.session.begin_nested():
            importer.apply(zone, actor, row)
    except CellError as error:
        return error
    except TransitionRefused as refused:
        return CellError('证件号码', refused.message)
    except sa.exc.IntegrityError:
        return CellError('证件号码', '该人员本年度已有有效的参保登记或该凭证已登记')
    return None


