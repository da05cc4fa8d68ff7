"""A demo worth looking at: three schools of ~2,000 students in the 宣城市 zone, with a roster, registrations in
every state the zone's one-stage review allows, payments spread over the last weeks, exemptions, a few suspensions
and imports with errors. Deterministic (a fixed seed) and written with bulk inserts, so it takes seconds."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from miniapp_backend.enrolment.reports import counts
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    AuditEvent,
    College,
    ImportJob,
    ImportRowError,
    InsuredPerson,
    Payment,
    Registration,
    Reviewer,
    RosterEntry,
    School,
    SchoolClass,
    Student,
    SubscriptionQuota,
    SubsidisedPerson,
    Suspension,
    Zone,
)
from miniapp_backend.models.enums import RegistrationStatus as S
from miniapp_backend.security.blind_index import blind_index
from miniapp_backend.security.idnumbers import check_digit

SEED = 2026
SURNAMES = (
    '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈'
    '姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
)
GIVEN = (
    '子涵欣怡梓萱思远浩然宇轩雨桐佳琪一诺明轩俊杰婉清若曦嘉怡晨阳梦瑶志强文博安琪雅婷天佑语嫣铭泽诗涵皓轩乐萱睿哲心悦'
)
#: Home counties, as WeChat's region picker names them (342501, the abolished 宣州市, as an older ID keeps it).
REGIONS = {
    '340103': '安徽省 合肥市 庐阳区',
    '340202': '安徽省 芜湖市 镜湖区',
    '340302': '安徽省 蚌埠市 龙子湖区',
    '340403': '安徽省 淮南市 田家庵区',
    '341802': '安徽省 宣城市 宣州区',
    '341881': '安徽省 宣城市 宁国市',
    '340824': '安徽省 安庆市 潜山市',
    '342501': '安徽省 宣城市 宣州区',
    '341602': '安徽省 亳州市 谯城区',
    '410102': '河南省 郑州市 中原区',
}
#: Registration outcomes by weight; None: on the roster but nothing done yet (未办理).
OUTCOMES = (
    (None, 14),
    ('exempt', 3),
    (S.DRAFT, 4),
    (S.SUBMITTED, 11),
    (S.RETURNED, 3),
    (S.REJECTED, 1),
    (S.WITHDRAWN, 1),
    (S.REVOKED, 1),
    (S.APPROVED, 15),
    (S.PAID, 45),
    (S.EXPIRED, 2),
)
REASONS = {S.RETURNED: '证件照片不清晰，请重新上传', S.REJECTED: '非本专区在校学生', S.REVOKED: '学院重复导入，已撤销'}
SCHOOLS = {
    '10359X': ('合肥工业大学（宣城校区）', ('计算机与信息学院', '经济与管理学院', '机械工程学院', '化学与化工学院')),
    '14336': ('宣城职业技术学院', ('护理学院', '信息工程学院', '经贸学院', '机电学院')),
    '13613': ('宣城理工学院', ('土木工程学院', '电子信息学院', '外国语学院', '艺术学院')),
}
CLASSES_PER_COLLEGE, STUDENTS_PER_CLASS = 5, 100
CHANNELS = ('tax',) * 8 + ('family',) * 2 + ('cash',)


def _hours(since: datetime, now: datetime) -> float:
    """Hours from `since` to a few minutes before now (at least a quarter of an hour)."""
    return max((now - since).total_seconds() / 3600 - 0.1, 0.25)


def _insert_ids(model, rows: list[dict]):
    """A multi-row INSERT … RETURNING id (rows batched by the driver), the ids in the rows' order."""
    table = model.__table__
    return db.session.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars()


def populate(zone: Zone, now: datetime) -> int:
    """Fill the zone; returns the number of roster students written."""
    rng = random.Random(SEED)
    admin_id = db.session.scalar(sa.select(Reviewer.id).where(Reviewer.zone_id == zone.id))
    schools = _schools(zone)
    roster, registrations, people = [], [], []
    serial = 0
    for school, colleges in schools:
        for college, classes in colleges:
            for class_name in classes:
                for seat in range(STUDENTS_PER_CLASS):
                    serial += 1
                    person = _person(rng, serial, school, college, class_name, seat)
                    outcome = _pick(rng)
                    roster.append(_roster_row(zone, school, person, outcome, admin_id, now))
                    if outcome not in (None, 'exempt'):
                        registrations.append((person, outcome))
                    elif outcome is None and rng.random() < 0.3:
                        people.append(person)  # opened the mini-program, saved nothing yet
    db.session.execute(sa.insert(RosterEntry.__table__), roster)
    _registrations(zone, registrations, rng, now, admin_id)
    _linked_without_registration(zone, people, now)
    _suspensions(zone, admin_id, now)
    _imports(zone, admin_id, now)
    # The registrations went in past the ORM, which keeps the statistics: counted afresh (the queue showed -3).
    counts.rebuild(db.session(), zone.id)
    return len(roster)


def _schools(zone: Zone) -> list[tuple[School, list[tuple[str, list[str]]]]]:
    existing = {school.code: school for school in zone.schools}
    result = []
    for code, (name, colleges) in SCHOOLS.items():
        school = existing.get(code) or School(code=code, name=name, zone=zone)
        db.session.add(school)
        known = {college.name: college for college in school.colleges}
        layout = []
        for college_name in colleges:
            college = known.get(college_name) or College(name=college_name, school=school)
            db.session.add(college)
            short = college_name[:2]
            names = [f'{short}2{year}-{number}班' for year in (3, 4, 5) for number in (1, 2)][:CLASSES_PER_COLLEGE]
            have = {c.name for c in college.classes}
            db.session.add_all(SchoolClass(name=n, college=college) for n in names if n not in have)
            layout.append((college_name, names))
        result.append((school, layout))
    db.session.flush()
    return result


def _person(rng: random.Random, serial: int, school: School, college: str, class_name: str, seat: int) -> dict:
    # Birth date and order number both follow the serial, so no two demo students share an ID number.
    birth = date(2003, 1, 1) + timedelta(days=serial % 1095)
    first17 = f'{rng.choice(list(REGIONS))}{birth:%Y%m%d}{500 + serial // 1095:03d}'
    number = first17 + check_digit(first17)
    enrolled = 2000 + int(class_name[2:4]) if class_name[2:4].isdigit() else 2024
    return {
        'name': rng.choice(SURNAMES) + rng.choice(GIVEN[::2]) + (rng.choice(GIVEN[1::2]) if rng.random() < 0.7 else ''),
        'id_number': number,
        'id_index': blind_index(number),
        'birth': birth,
        'sex': 'M' if int(number[16]) % 2 else 'F',
        'region': number[:6],
        'school': school,
        'college': college,
        'class_name': class_name,
        'student_no': f'{enrolled}{school.id:02d}{serial:05d}',
        'enrolled': enrolled,
        'serial': serial,
    }


def _pick(rng: random.Random):
    return rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]


def _roster_row(zone: Zone, school: School, person: dict, outcome, admin_id: int | None, now: datetime) -> dict:
    exempt = outcome == 'exempt'
    return {
        'zone_id': zone.id,
        'year': zone.year,
        'school_id': school.id,
        'student_no': person['student_no'],
        'name': person['name'],
        'id_number': person['id_number'],
        'id_index': person['id_index'],
        'college': person['college'],
        'class_name': person['class_name'],
        'enrolment_year': person['enrolled'],
        'study_mode': 'part_time' if person['serial'] % 37 == 0 else 'full_time',
        'exempt_reason': ('已在户籍地或其他地区参加城乡居民医保' if person['serial'] % 2 else '已参加职工基本医疗保险')
        if exempt
        else None,
        'exempt_by_id': admin_id if exempt else None,
        'exempt_at': now - timedelta(days=3) if exempt else None,
        'imported_at': now - timedelta(days=35),
    }


def _registrations(
    zone: Zone, chosen: list[tuple[dict, S]], rng: random.Random, now: datetime, admin_id: int | None
) -> None:
    students = _insert_ids(
        Student,
        [
            {'openid': f'openid-demo-{p["serial"]}', 'zone_id': zone.id, 'created_at': now - timedelta(days=40)}
            for p, _ in chosen
        ],
    ).all()
    rows, timeline = [], []
    for (person, status), student_id in zip(chosen, students, strict=True):
        submitted = now - timedelta(days=rng.uniform(1, 34) ** 0.9, minutes=rng.randrange(600))
        # Decisions and payments follow within the time there was, so no day collects a pile of them.
        approved = submitted + timedelta(hours=rng.uniform(0.2, min(60, _hours(submitted, now))))
        paid = approved + timedelta(hours=rng.uniform(0.1, min(200, _hours(approved, now))))
        reached = status not in (S.DRAFT,)
        passed = status in (S.APPROVED, S.PAID, S.EXPIRED)
        rows.append(
            {
                'student_id': student_id,
                'zone_id': zone.id,
                'year': zone.year,
                'status': status.value,
                'stage': zone.review_stages[0] if status is S.SUBMITTED else None,
                'review_reason': REASONS.get(status),
                'name': person['name'],
                'id_type': 'resident_id',
                'id_number': person['id_number'],
                'id_index': person['id_index'],
                'birth_date': person['birth'],
                'sex': person['sex'],
                'ethnicity': '01' if rng.random() < 0.9 else rng.choice(('03', '04', '05', '08', '11', '15')),
                'marital_status': 'unmarried',
                'phone': f'139{person["serial"]:08d}',
                'residence_address': f'安徽省宣城市宣州区薰化路{person["serial"] % 400 + 1}号',
                'hukou_address': '户籍地址（演示）',
                'hukou_region_code': person['region'],
                'hukou_region_name': REGIONS[person['region']],
                'school_id': person['school'].id,
                'student_no': person['student_no'],
                'college': person['college'],
                'class_name': person['class_name'],
                'identity': 'college_student',
                'special_identity': 'subsistence_allowance' if person['serial'] % 53 == 0 else None,
                'amount_due_fen': zone.premium_fen if passed else None,
                'payment_channel': rng.choice(CHANNELS) if status is S.PAID else None,
                'payment_check_at': now + timedelta(hours=1) if status is S.APPROVED else None,
                'created_at': submitted - timedelta(minutes=20),
                'updated_at': now,
                'submitted_at': submitted if reached else None,
                'approved_at': approved if passed else None,
                'paid_at': paid if status is S.PAID else None,
            }
        )
        timeline.append((status, submitted, approved, paid, student_id))
    ids = _insert_ids(Registration, rows).all()
    events, payments, insured = [], [], []
    for registration_id, row, (status, submitted, approved, paid, student_id) in zip(ids, rows, timeline, strict=True):
        events += _history(zone, registration_id, status, submitted, approved, paid, student_id, admin_id)
        if status is S.PAID:
            payments.append(
                {
                    'registration_id': registration_id,
                    'amount_fen': zone.premium_fen,
                    'channel': row['payment_channel'],
                    'source': 'cash' if row['payment_channel'] == 'cash' else 'gateway',
                    'voucher_no': f'3341800{registration_id:011d}',
                    'paid_at': paid,
                    'recorded_by_id': admin_id if row['payment_channel'] == 'cash' else None,
                }
            )
            insured.append(
                {
                    'id_index': row['id_index'],
                    'id_number': row['id_number'],
                    'name': row['name'],
                    'zone_id': zone.id,
                    'since': date(zone.year, 1, 1),
                    'paid_through_year': zone.year,
                    'source': 'registration',
                }
            )
    db.session.execute(
        sa.insert(SubsidisedPerson.__table__),
        [
            {
                'id_index': row['id_index'],
                'zone_id': zone.id,
                'year': zone.year,
                'name': row['name'],
                'id_number': row['id_number'],
                'source': '宣城市民政局',
                'imported_at': now - timedelta(days=30),
                # Some on the list did not declare it: the page shows the disagreement.
                'category': row['special_identity'] or 'extreme_poverty',
            }
            for number, row in enumerate(rows)
            if row['special_identity'] or number % 97 == 0
        ],
    )
    db.session.execute(sa.insert(AuditEvent.__table__), events)
    db.session.execute(sa.insert(Payment.__table__), payments)
    db.session.execute(sa.insert(InsuredPerson.__table__), insured)


def _history(
    zone: Zone,
    registration_id: int,
    status: S,
    submitted: datetime,
    approved: datetime,
    paid: datetime,
    student_id: int,
    admin_id: int | None,
) -> list[dict]:
    def event(at, actor_type, actor_id, action, before, after, reason=None):
        return {
            'at': at,
            'actor_type': actor_type,
            'actor_id': actor_id,
            'action': 'transition',
            'zone_id': zone.id,
            'registration_id': registration_id,
            'from_status': before,
            'to_status': after,
            'stage': zone.review_stages[0] if action in ('approve', 'return', 'reject', 'revoke') else None,
            'reason': reason,
            'detail': {'action': action},
        }

    if status is S.DRAFT:
        return []
    events = [event(submitted, 'student', student_id, 'submit', 'draft', 'submitted')]
    if status is S.WITHDRAWN:
        events.append(
            event(submitted + timedelta(hours=1), 'student', student_id, 'withdraw', 'submitted', 'withdrawn')
        )
    elif status in (S.RETURNED, S.REJECTED, S.REVOKED):
        action = {S.RETURNED: 'return', S.REJECTED: 'reject', S.REVOKED: 'revoke'}[status]
        events.append(event(approved, 'reviewer', admin_id, action, 'submitted', status.value, REASONS[status]))
    elif status in (S.APPROVED, S.PAID, S.EXPIRED):
        events.append(event(approved, 'reviewer', admin_id, 'approve', 'submitted', 'approved'))
        if status is S.PAID:
            events.append(event(paid, 'system', None, 'mark_paid', 'approved', 'paid'))
        if status is S.EXPIRED:
            events.append(event(approved + timedelta(days=1), 'system', None, 'expire', 'approved', 'expired'))
    return events


def _linked_without_registration(zone: Zone, people: list[dict], now: datetime) -> None:
    """Roster students who logged in and left a draft: reachable by a reminder when they accepted it."""
    students = _insert_ids(
        Student,
        [
            {'openid': f'openid-demo-{p["serial"]}', 'zone_id': zone.id, 'created_at': now - timedelta(days=5)}
            for p in people
        ],
    ).all()
    db.session.execute(
        sa.insert(Registration.__table__),
        [
            {
                'student_id': student_id,
                'zone_id': zone.id,
                'year': zone.year,
                'status': 'draft',
                'name': p['name'],
                'id_type': 'resident_id',
                'id_number': p['id_number'],
                'id_index': p['id_index'],
                'identity': 'college_student',
                'school_id': p['school'].id,
                'student_no': p['student_no'],
                'college': p['college'],
                'class_name': p['class_name'],
                'created_at': now - timedelta(days=5),
                'updated_at': now - timedelta(days=5),
            }
            for p, student_id in zip(people, students, strict=True)
        ],
    )
    template = ((zone.message_templates or {}).get('roster_reminder') or {}).get('template_id')
    if template:
        db.session.execute(
            sa.insert(SubscriptionQuota.__table__),
            [
                {'student_id': student_id, 'template_id': template, 'remaining': 1}
                for number, student_id in enumerate(students)
                if number % 2 == 0
            ],
        )


def _suspensions(zone: Zone, admin_id: int | None, now: datetime) -> None:
    rows = [
        ('周子涵', '340403200404040022', '340400', 'submitted', '已提交，等待原参保地确认（一般需要10–30分钟）'),
        ('吴浩然', '410102200305050031', '410100', 'submitted', '已提交，等待原参保地确认（一般需要10–30分钟）'),
        ('郑雨桐', '342501200406060048', '342500', 'confirmed', '已电话办理停保：宣城市郎溪县医保中心 受理号 LX-0931'),
        ('孙明轩', '340202200307070057', '340200', 'refused', '原参保地未收到本人申请，请本人致电原参保地'),
    ]
    for number, (name, id_number, origin, status, message) in enumerate(rows):
        first17 = id_number[:17]
        id_number = first17 + check_digit(first17)
        db.session.add(
            Suspension(
                origin_zone_code=origin,
                id_index=blind_index(id_number),
                id_number=id_number,
                name=name,
                reason='在学籍地（外地）参加城乡居民医保',
                suspend_from=now.date(),
                consent_at=now - timedelta(days=number + 1),
                status=status,
                message=message,
                handled_by_zone_id=zone.id,
                created_at=now - timedelta(days=number + 1),
                decided_at=None if status == 'submitted' else now - timedelta(days=number),
                # The phone suspension was recorded by the centre's staff; the refusal came from the home town.
                decided_by_id=admin_id if message.startswith('已电话办理停保') else None,
            )
        )


def _imports(zone: Zone, admin_id: int | None, now: datetime) -> None:
    if admin_id is None:
        return
    jobs = [
        ('school_roster', '2026级学籍名单.xlsx', 6000, 6000, 0, now - timedelta(days=35), []),
        (
            'registrations',
            '护理学院批量登记.xlsx',
            120,
            117,
            3,
            now - timedelta(days=12),
            [
                (14, '证件号码', '证件号码校验位不正确'),
                (37, '民族', '应为GB 3304民族代码，如“01-汉族”'),
                (88, '学校代码', '不是本专区的学校'),
            ],
        ),
        (
            'reconciliation',
            '税务对账2026-11.xlsx',
            800,
            798,
            2,
            now - timedelta(days=2),
            [(203, '缴费金额（元）', '缴费金额与应缴金额不符'), (511, '证件号码', '本专区本年度没有待缴费的参保登记')],
        ),
    ]
    for kind, filename, total, ok, bad, at, errors in jobs:
        job = ImportJob(
            kind=kind,
            zone_id=zone.id,
            reviewer_id=admin_id,
            filename=filename,
            status='finished',
            total_rows=total,
            processed_rows=total,
            ok_rows=ok,
            error_rows=bad,
            created_at=at,
            finished_at=at + timedelta(minutes=1),
            message=f'完成：成功{ok}行，失败{bad}行' if bad else f'完成：成功{ok}行',
        )
        db.session.add(job)
        db.session.flush()
        db.session.add_all(
            ImportRowError(job_id=job.id, row=row, column=column, reason=reason) for row, column, reason in errors
        )
