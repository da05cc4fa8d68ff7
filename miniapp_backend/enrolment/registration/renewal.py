"""Renewal (续保): paid up last year in this zone → approved for this year, without review."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from miniapp_backend.enrolment.errors import EnrolmentError, field_error
from miniapp_backend.enrolment.registration import duplicates
from miniapp_backend.enrolment.registration.states import start_renewal
from miniapp_backend.enrolment.students import identity
from miniapp_backend.enrolment.zones.availability import check_window, find_zone
from miniapp_backend.extensions import db
from miniapp_backend.models import InsuredPerson, Registration, Student
from miniapp_backend.models.base import utcnow
from miniapp_backend.models.enums import RegistrationStatus
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import InvalidIdNumber, validate_id_number

#: Columns carried over from last year's registration, when there is one.
_CARRIED = (
    'ethnicity',
    'marital_status',
    'phone',
    'residence_address',
    'hukou_address',
    'hukou_region_code',
    'hukou_region_name',
    'school_id',
    'student_no',
    'college',
    'class_name',
    'identity',
    'special_identity',
    'bank_name',
    'bank_account_name',
    'bank_account_no',
)


def renew(
    student: Student,
    zone_code: str,
    *,
    id_type: str | None = None,
    id_number: str | None = None,
    now: datetime | None = None,
) -> Registration:
    """The person is named in the request, or taken from the student's last registration in this zone."""
    now = now or utcnow()
    zone = find_zone(zone_code)
    check_window(zone, now)
    previous = db.session.scalars(
        sa.select(Registration)
        .where(Registration.student_id == student.id, Registration.zone_id == zone.id, Registration.year < zone.year)
        .order_by(
            Registration.year.desc(), (Registration.status == RegistrationStatus.PAID).desc(), Registration.id.desc()
        )
    ).first()
    if id_number:
        try:
            info = validate_id_number(id_type or 'resident_id', id_number)
        except InvalidIdNumber as exc:
            raise field_error('id_number', exc.message, 'invalid_id_number') from None
        id_index, number, id_type = blind_index(info.number), info.number, info.id_type
    elif previous is not None:
        id_index, number, id_type = previous.id_index, previous.id_number, previous.id_type
    else:
        raise EnrolmentError('not_eligible', f'未找到您在{zone.name}的往年参保记录，请填写证件号码或办理参保登记')
    insured = db.session.scalars(
        sa.select(InsuredPerson).where(InsuredPerson.id_index == id_index, InsuredPerson.zone_id == zone.id)
    ).first()
    # Proof comes first: before it, the answer is the same whether or not the person is insured here.
    identity.require(
        student, number, None, action='renewal', zone=zone, names_on_file=[insured.name] if insured else []
    )
    if insured is None or insured.paid_through_year != zone.year - 1:
        raise EnrolmentError('not_eligible', f'{zone.year - 1}年度未在{zone.name}缴费参保，不能续保，请办理参保登记')
    duplicates.check(id_index, zone, zone.year, now.date(), name=insured.name)
    info = validate_id_number(str(id_type), number)
    registration = Registration(
        student=student,
        zone=zone,
        year=zone.year,
        name=insured.name,
        id_type=id_type,
        id_number=number,
        id_index=id_index,
        birth_date=info.birth_date,
        sex=info.sex,
    )
    if previous is not None and previous.id_index == id_index:
        for column in _CARRIED:
            setattr(registration, column, getattr(previous, column))
    try:
        with db.session.begin_nested():
            db.session.add(registration)
            start_renewal(registration, now)
    except IntegrityError:
        # A concurrent registration or renewal of the same person won the unique index.
        raise duplicates.already_enrolled(zone) from None
    return registration
