"""Demo data for `flask seed-demo`: three real zones with schools and open windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from miniapp_backend.extensions import db
from miniapp_backend.models import College, InsuredPerson, Registration, School, SchoolClass, Student, Zone
from miniapp_backend.security.blind_index import blind_index

#: The demo reviewer printed by `make run`.
DEMO_REVIEWER = {'username': 'demo', 'password': 'demo-2026', 'role': 'zone_admin', 'zone': '341800'}

#: The demo zones' subscription-message templates (the fake WeChat server accepts these ids).
MESSAGE_TEMPLATES = {
    'approved': {
        'template_id': 'tpl-approved',
        'page': 'pages/payment/payment',
        'fields': {'thing1': 'zone_name', 'phrase2': 'status', 'amount3': 'amount', 'date4': 'deadline'},
    },
    'returned': {
        'template_id': 'tpl-returned',
        'page': 'pages/register/register',
        'fields': {'thing1': 'zone_name', 'phrase2': 'status', 'thing3': 'reason'},
    },
    'rejected': {
        'template_id': 'tpl-rejected',
        'page': 'pages/home/home',
        'fields': {'thing1': 'zone_name', 'phrase2': 'status', 'thing3': 'reason'},
    },
    'paid': {
        'template_id': 'tpl-paid',
        'page': 'pages/receipts/receipts',
        'fields': {'thing1': 'zone_name', 'phrase2': 'status', 'amount3': 'amount'},
    },
    'suspension_confirmed': {
        'template_id': 'tpl-suspension',
        'page': 'pages/suspension/suspension',
        'fields': {'thing1': 'title', 'phrase2': 'status'},
    },
    'suspension_refused': {
        'template_id': 'tpl-suspension',
        'page': 'pages/suspension/suspension',
        'fields': {'thing1': 'title', 'phrase2': 'status'},
    },
    'window_closing': {
        'template_id': 'tpl-window-closing',
        'page': 'pages/payment/payment',
        'fields': {'thing1': 'zone_name', 'amount2': 'amount', 'date3': 'deadline'},
    },
    'submitted': {
        'template_id': 'tpl-submitted',
        'page': 'pages/home/home',
        'fields': {'thing1': 'zone_name', 'phrase2': 'status', 'character_string3': 'registration_no'},
    },
    'expired': {
        'template_id': 'tpl-expired',
        'page': 'pages/home/home',
        'fields': {'thing1': 'zone_name', 'phrase2': 'status', 'date3': 'deadline'},
    },
    'renewal': {
        'template_id': 'tpl-renewal',
        'page': 'pages/payment/payment',
        'fields': {'thing1': 'zone_name', 'amount2': 'amount', 'date3': 'deadline'},
    },
    'roster_reminder': {
        'template_id': 'tpl-roster-reminder',
        'page': 'pages/home/home',
        'fields': {'thing1': 'zone_name', 'thing2': 'title', 'date3': 'deadline'},
    },
}

ZONES = [
    {
        'code': '341800',
        'name': '宣城市',
        'premium_fen': 40000,
        'review_stages': ['centre'],
        'agency_name': '宣城市医疗保障局',
        'tax_authority_name': '国家税务总局宣城市税务局',
        'family_channel': True,
        'service_phone': '0563-3022563',
        'schools': {
            '10359X': (
                '合肥工业大学（宣城校区）',
                {'计算机与信息学院': ['计算机22-1班', '计算机22-2班'], '经济与管理学院': ['会计22-1班']},
            ),
            '14336': ('宣城职业技术学院', {'护理学院': ['护理23-1班']}),
        },
    },
    {
        'code': '530000',
        'name': '云南省本级',
        'premium_fen': 40000,
        'review_stages': ['centre'],
        'agency_name': '云南省医疗保险基金管理中心',
        'tax_authority_name': '国家税务总局云南省税务局',
        'family_channel': False,
        'service_phone': '0871-63216126',
        'schools': {
            '10678': ('昆明医科大学', {'基础医学院': ['临床医学2023级1班']}),
            '10673': ('云南大学', {'软件学院': ['软件工程2023级1班']}),
        },
    },
    {
        'code': '370200',
        'name': '青岛市',
        'premium_fen': 9000,
        'review_stages': ['counsellor', 'college', 'school'],
        'agency_name': '青岛市医疗保险事业中心',
        'tax_authority_name': '国家税务总局青岛市税务局',
        'family_channel': False,
        'service_phone': '0532-12393',
        'schools': {
            '10423': ('中国海洋大学', {'信息科学与工程学部': ['计算机2023级1班']}),
            '11065': ('青岛大学', {'医学部': ['临床2023级2班']}),
        },
    },
]

#: People already insured, so the duplicate refusal and the renewal can be tried on a fresh install.
INSURED = [
    {'id_number': '530102199901010023', 'name': '李云', 'zone': '530000', 'paid_through_year': None},
    {'id_number': '34052419800101001X', 'name': '王宣', 'zone': '341800', 'paid_through_year': 'last'},
]


def seed_demo(now: datetime | None = None) -> bool:
    """Create the demo zones once; returns False when they already exist."""
    if db.session.query(Zone.id).filter_by(code=ZONES[0]['code']).first():
        return False
    now = now or datetime.now(UTC)
    year = now.year + 1
    zones = {}
    for spec in ZONES:
        zone = Zone(
            code=spec['code'],
            name=spec['name'],
            year=year,
            premium_fen=spec['premium_fen'],
            window_opens_at=now - timedelta(days=30),
            window_closes_at=now + timedelta(days=45),
            review_stages=spec['review_stages'],
            pay_appid='wx-tax-demo-appid',
            pay_path_template='pages/pay/index?zone={zone_code}&year={year}&ref={ref}',
            family_channel=spec['family_channel'],
            family_appid='wx-family-demo-appid',
            family_path_template='pages/family/index?zone={zone_code}&year={year}&ref={ref}',
            agency_name=spec['agency_name'],
            tax_authority_name=spec['tax_authority_name'],
            service_phone=spec['service_phone'],
            in_platform=True,
            message_templates=MESSAGE_TEMPLATES,
            notices=[f'{year}年度城乡居民医保集中缴费期进行中，请在截止日前完成缴费。'],
        )
        db.session.add(zone)
        _add_schools(zone, spec['schools'])
        zones[zone.code] = zone
    for person in INSURED:
        paid = year - 1 if person['paid_through_year'] == 'last' else None
        db.session.add(
            InsuredPerson(
                id_index=blind_index(person['id_number']),
                id_number=person['id_number'],
                name=person['name'],
                zone=zones[person['zone']],
                since=date(year - 3, 1, 1),
                paid_through_year=paid,
                source='demo',
            )
        )
    _demo_registration(zones['341800'])
    db.session.flush()
    return True


def _demo_registration(zone: Zone) -> None:
    """One submitted registration, so a reviewer can walk it to paid on a fresh install."""
    from miniapp_backend.enrolment.actors import Actor
    from miniapp_backend.enrolment.registration.states import Action, transition

    student = Student(openid='openid-demo-student')
    id_number = '340103200503140021'
    registration = Registration(
        student=student,
        zone=zone,
        year=zone.year,
        name='陈思雨',
        id_number=id_number,
        id_index=blind_index(id_number),
        birth_date=date(2005, 3, 14),
        sex='F',
        ethnicity='01',
        marital_status='unmarried',
        phone='13912345205',
        residence_address='安徽省宣城市宣州区薰化路301号',
        hukou_address='安徽省合肥市庐阳区',
        hukou_region_code='340103',
        hukou_region_name='安徽省 合肥市 庐阳区',
        school=zone.schools[0],
        student_no='2023217001',
        college='计算机与信息学院',
        class_name='计算机22-1班',
    )
    db.session.add_all([student, registration])
    db.session.flush()
    transition(registration, Action.SUBMIT, Actor.student(student.id))


def _add_schools(zone: Zone, schools: dict) -> None:
    for code, (name, colleges) in schools.items():
        school = School(code=code, name=name, zone=zone)
        db.session.add(school)
        for college_name, classes in colleges.items():
            college = College(name=college_name, school=school)
            db.session.add(college)
            db.session.add_all(SchoolClass(name=class_name, college=college) for class_name in classes)
