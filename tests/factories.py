"""Factories as fixtures: `create_*` callables that add rows and commit, and ready-made `zone`, `student` …"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

_sequence = itertools.count(1)


def make_id_number(
    serial: int | None = None, birth: date = date(2005, 3, 14), region: str = '340524', sex: str = 'F'
) -> str:
    """A valid 18-digit resident ID number, unique per serial."""
    from miniapp_backend.security.idnumbers import check_digit

    serial = next(_sequence) if serial is None else serial
    order = (serial * 2) % 1000 if sex == 'F' else (serial * 2 + 1) % 1000
    first17 = f'{region}{birth:%Y%m%d}{order:03d}'
    return first17 + check_digit(first17)


def registration_fields(**overrides) -> dict:
    """A complete, valid set of registration fields as the mini-program sends them."""
    fields = {
        'zone_code': '341800',
        'name': '张晓雨',
        'id_type': 'resident_id',
        'id_number': make_id_number(),
        'ethnicity': '01',
        'marital_status': 'unmarried',
        'phone': '13912345205',
        'residence_address': '安徽省宣城市宣州区薰化路301号',
        'hukou_address': '安徽省淮南市田家庵区洞山路12号',
        'hukou_region_code': '340403',
        'hukou_region_name': '安徽省 淮南市 田家庵区',
        'school_code': '10359X',
        'student_no': '2022217001',
        'college': '计算机与信息学院',
        'class_name': '计算机22-1班',
        'identity': 'college_student',
        'special_identity': None,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def create_zone(app):
    from miniapp_backend.extensions import db
    from miniapp_backend.models import College, School, SchoolClass, Zone

    def create(code: str = '341800', name: str = '宣城市', **overrides) -> Zone:
        now = datetime.now(UTC)
        values = dict(
            code=code,
            name=name,
            year=now.year + 1,
            premium_fen=40000,
            window_opens_at=now - timedelta(days=30),
            window_closes_at=now + timedelta(days=30),
            review_stages=['centre'],
            pay_appid='wx-tax-appid',
            pay_path_template='pages/pay/index?zone={zone_code}&year={year}&ref={ref}',
            agency_name=f'{name}医疗保障局',
            tax_authority_name=f'{name}税务局',
            in_platform=True,
            message_templates={},
        )
        values.update(overrides)
        zone = Zone(**values)
        school = School(code='10359X' if code == '341800' else f'S{code}', name=f'{name}大学', zone=zone)
        college = College(name='计算机与信息学院', school=school)
        db.session.add_all([zone, school, college, SchoolClass(name='计算机22-1班', college=college)])
        db.session.commit()
        return zone

    return create


@pytest.fixture
def zone(create_zone):
    return create_zone()


@pytest.fixture
def create_student(app):
    from miniapp_backend.extensions import db
    from miniapp_backend.models import Student

    def create(openid: str | None = None, **overrides) -> Student:
        student = Student(openid=openid or f'openid-{next(_sequence)}', **overrides)
        db.session.add(student)
        db.session.commit()
        return student

    return create


@pytest.fixture
def student(create_student):
    return create_student()


@pytest.fixture
def create_registration(app):
    """A registration row in any status, written directly (the journey tests go through the API instead)."""
    from miniapp_backend.extensions import db
    from miniapp_backend.models import Registration
    from miniapp_backend.security.blind_index import blind_index

    def create(student, zone, status: str = 'draft', **overrides) -> Registration:
        fields = registration_fields()
        id_number = overrides.pop('id_number', fields['id_number'])
        year = overrides.pop('year', zone.year)
        stage = overrides.pop('stage', zone.review_stages[0] if status in ('submitted', 'under_review') else None)
        values = dict(
            student=student,
            zone=zone,
            year=year,
            status=status,
            name=fields['name'],
            id_number=id_number,
            id_index=blind_index(id_number),
            phone=fields['phone'],
            ethnicity='01',
            school=zone.schools[0],
            student_no=fields['student_no'],
            college=fields['college'],
            class_name=fields['class_name'],
            residence_address=fields['residence_address'],
            hukou_address=fields['hukou_address'],
            stage=stage,
        )
        values.update(overrides)
        registration = Registration(**values)
        db.session.add(registration)
        db.session.commit()
        return registration

    return create


@pytest.fixture
def prove(app):
    """Record that a student proved (by WeChat face verification) to be the person with this ID number and name."""
    from miniapp_backend.enrolment.students.identity import name_index
    from miniapp_backend.extensions import db
    from miniapp_backend.models import IdentityProof
    from miniapp_backend.security.blind_index import blind_index

    def prove(student, id_number: str, name: str) -> IdentityProof:
        proof = IdentityProof(
            student_id=student.id,
            method='face',
            status='passed',
            id_index=blind_index(id_number),
            name_index=name_index(name),
            id_number=id_number,
            name=name,
        )
        db.session.add(proof)
        db.session.commit()
        return proof

    return prove


@pytest.fixture
def create_reviewer(app):
    from miniapp_backend.cli import create_reviewer as add_reviewer
    from miniapp_backend.extensions import db

    def create(
        username: str | None = None,
        role: str = 'centre_reviewer',
        zone_code: str = '341800',
        password: str = 'review-pass-1',
        **scope,
    ):
        reviewer = add_reviewer(username or f'reviewer{next(_sequence)}', password, role, zone_code, **scope)
        db.session.commit()
        return reviewer

    return create
