"""Every admin page, as every role, with data in every state: the visible text names things in Chinese only."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from miniapp_backend.enrolment import labels
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.payment.record import record_payment
from miniapp_backend.enrolment.registration.states import Action, transition
from miniapp_backend.extensions import db
from miniapp_backend.models import (
    ImportJob,
    ImportRowError,
    Registration,
    Reviewer,
    RosterEntry,
    SubsidisedPerson,
    Suspension,
    enums,
)
from miniapp_backend.models.base import utcnow
from tests.admin.pages import login

#: Every enumeration code, stage code and audit action code, and the English status words a raw value would show.
FORBIDDEN = (
    {
        m.value.lower()
        for enum in vars(enums).values()
        if isinstance(enum, type) and issubclass(enum, enums.LabelledEnum) and enum is not enums.LabelledEnum
        for m in enum
    }
    | set(labels.STAGE_NAMES)
    | set(labels.AUDIT_VERBS)
    | set(labels.ACTION_VERBS)
    | {
        'none',
        'null',
        'true',
        'false',
        'pending',
        'approve',
        'reject',
        'status',
        'stage',
        'error',
        'review',
        'under',
        'active',
        'disabled',
        'exempt',
        'registered',
        'unknown',
    }
)
SKIPPED = re.compile(r'format=xlsx|\.xlsx|\.pdf|/photo$|/signature$|/logout')


class VisibleText(HTMLParser):
    """The text a reader sees: element text, button labels, placeholders and typed-in values, not attributes."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ('script', 'style', 'title'):
            self._hidden += 1
        if tag == 'a' and attrs.get('href'):
            self.links.append(attrs['href'])
        if tag in ('input', 'textarea') and attrs.get('type') not in ('hidden', 'checkbox', 'radio', 'file'):
            self.parts += [attrs.get('placeholder') or '', attrs.get('value') or '']

    def handle_endtag(self, tag):
        if tag in ('script', 'style', 'title'):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _walk(client, start='/admin/'):
    """Follow every admin link from the start page; yields (path, visible text)."""
    seen, todo = set(), [start]
    while todo and len(seen) < 300:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow_redirects=True)  # 下一条 answers with the record it chose
        assert response.status_code in (200, 403), (path, response.status_code)
        if response.status_code != 200 or 'text/html' not in response.content_type:
            continue
        parser = VisibleText()
        parser.feed(response.text)
        yield path, ' '.join(parser.parts)
        for href in parser.links:
            target = urljoin(path, href)
            parts = urlsplit(target)
            if parts.path.startswith('/admin') and not SKIPPED.search(target) and not parts.netloc:
                todo.append(parts.path + (f'?{parts.query}' if parts.query else ''))


def _every_state(zone, create_student, create_registration):
    """Registrations in every status, reached through the state machine so the history is real."""
    centre = Actor.reviewer(
        db.session.scalar(sa.select(Reviewer.id).where(Reviewer.role == 'zone_admin')), 'zone_admin'
    )
    made = []
    for status in enums.RegistrationStatus:
        student = create_student()
        registration = create_registration(student, zone, status='draft', class_name='计算机22-1班')
        me = Actor.student(student.id)
        if status is not enums.RegistrationStatus.DRAFT:
            transition(registration, Action.SUBMIT, me)
        if status is enums.RegistrationStatus.UNDER_REVIEW:
            transition(registration, Action.APPROVE, centre)
        elif status is enums.RegistrationStatus.RETURNED:
            transition(registration, Action.RETURN, centre, reason='照片不清晰')
        elif status is enums.RegistrationStatus.REJECTED:
            transition(registration, Action.REJECT, centre, reason='不属于本专区')
        elif status is enums.RegistrationStatus.WITHDRAWN:
            transition(registration, Action.WITHDRAW, me)
        elif status is enums.RegistrationStatus.REVOKED:
            transition(registration, Action.REVOKE, centre, reason='学院重复导入')
        elif status in (
            enums.RegistrationStatus.APPROVED,
            enums.RegistrationStatus.PAID,
            enums.RegistrationStatus.EXPIRED,
        ):
            for _ in zone.review_stages:
                transition(registration, Action.APPROVE, centre)
            if status is enums.RegistrationStatus.PAID:
                record_payment(
                    registration,
                    amount_fen=9000,
                    paid_at=utcnow(),
                    voucher_no=f'V{registration.id}',
                    channel='tax',
                    source='gateway',
                )
            if status is enums.RegistrationStatus.EXPIRED:
                transition(registration, Action.EXPIRE, Actor.system())
        db.session.commit()
        assert registration.status is status
        made.append(registration)
    return made


@pytest.fixture
def busy_zone(create_zone, create_reviewer, create_student, create_registration):
    zone = create_zone('370200', '青岛市', review_stages=['counsellor', 'college', 'school'], premium_fen=9000)
    school = zone.schools[0].code
    create_reviewer('wang', role='zone_admin', zone_code='370200')
    create_reviewer('liu', role='centre_reviewer', zone_code='370200')
    create_reviewer('zhao', role='school_admin', zone_code='370200', school_code=school)
    create_reviewer('sun', role='college_reviewer', zone_code='370200', school_code=school, college='计算机与信息学院')
    create_reviewer(
        'zhou',
        role='counsellor',
        zone_code='370200',
        school_code=school,
        college='计算机与信息学院',
        class_name='计算机22-1班',
    )
    made = _every_state(zone, create_student, create_registration)
    for number, (registration, mode) in enumerate(zip(made, list(enums.StudyMode) * 9, strict=False)):
        db.session.add(
            RosterEntry(
                zone_id=zone.id,
                year=zone.year,
                school_id=zone.schools[0].id,
                student_no=f'2022{number:04d}',
                name=registration.name,
                id_number=registration.id_number,
                id_index=registration.id_index,
                college='计算机与信息学院',
                class_name='计算机22-1班',
                enrolment_year=2022,
                study_mode=mode,
                exempt_reason='已毕业或离校' if number == 0 else None,
            )
        )
    db.session.add(
        RosterEntry(
            zone_id=zone.id,
            year=zone.year,
            school_id=zone.schools[0].id,
            student_no='20229999',
            name='未办理学生',
            id_number='370202200501010011',
            id_index='ix-pending',
            college='计算机与信息学院',
            class_name='计算机22-1班',
            enrolment_year=2022,
        )
    )
    db.session.add_all(
        SubsidisedPerson(
            id_index=r.id_index,
            zone_id=zone.id,
            year=zone.year,
            name=r.name,
            id_number=r.id_number,
            category=category,
            source='民政局',
        )
        for r, category in zip(made, enums.SpecialIdentity, strict=False)
    )
    admin = db.session.scalar(sa.select(Reviewer).where(Reviewer.username == 'wang'))
    for status in enums.ImportStatus:
        job = ImportJob(
            kind=enums.ImportKind.REGISTRATIONS,
            zone_id=zone.id,
            reviewer_id=admin.id,
            filename='名单.xlsx',
            status=status,
            total_rows=3,
            processed_rows=3,
            ok_rows=2,
            error_rows=1,
        )
        db.session.add(job)
        db.session.flush()
        db.session.add(ImportRowError(job_id=job.id, row=3, column='证件号码', reason='证件号码校验位不正确'))
    for status in enums.SuspensionStatus:
        db.session.add(
            Suspension(
                origin_zone_code='370200',
                origin_zone_id=zone.id,
                id_index=f'ix-{status.value}',
                id_number='370202200501010011',
                name='孙悦',
                reason='在学籍地参保',
                suspend_from=utcnow().date(),
                consent_at=utcnow(),
                status=status,
            )
        )
    db.session.commit()
    return zone


@pytest.mark.parametrize('username', ['wang', 'liu', 'zhao', 'sun', 'zhou'])
def test_no_admin_page_shows_a_code_or_an_english_status_word(client, busy_zone, username):
    login(client, username)
    pages = 0
    for path, text in _walk(client):
        pages += 1
        words = {word.lower() for word in re.findall(r'[A-Za-z0-9_\-./{}?=&:]+', text)}
        assert not words & FORBIDDEN, f'{path} shows {sorted(words & FORBIDDEN)}'
    assert pages >= 6


def test_record_page_reads_as_sentences(client, busy_zone):
    login(client, 'wang')
    paid = db.session.scalar(sa.select(Registration).where(Registration.status == 'paid'))
    submitted = db.session.scalar(sa.select(Registration).where(Registration.status == 'submitted'))
    page = client.get(f'/admin/registrations/{paid.id}').text
    assert f'{paid.name}于 ' in page and '提交了参保登记' in page
    assert '审核员 wang 于' in page and '在辅导员审核环节审核通过' in page and '汉族' in page
    assert '¥90.00' in page
    page = client.get(f'/admin/registrations/{submitted.id}').text
    assert '应缴金额</dt><dd>¥90.00' in page and '（辅导员审核）' in page
    assert '审核员 wang 于' in client.get(f'/admin/registrations/{submitted.id}').text
    assert '查看了记录' in client.get(f'/admin/registrations/{submitted.id}').text


def test_stage_names_come_from_the_zone(client, busy_zone):
    busy_zone.stage_names = {'counsellor': '班级辅导员初审'}
    db.session.commit()
    login(client, 'wang')
    submitted = db.session.scalar(sa.select(Registration).where(Registration.status == 'submitted'))
    assert '（班级辅导员初审）' in client.get(f'/admin/registrations/{submitted.id}').text


def _audit_actions_written() -> set[str]:
    """The action of every audit.record / record_refusal call and AuditEvent(action=…) in the application code."""
    import ast
    from pathlib import Path

    actions = set()
    for path in Path(labels.__file__).resolve().parents[1].rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, 'attr', getattr(node.func, 'id', ''))
            on_audit = getattr(getattr(node.func, 'value', None), 'id', '') == 'audit'
            if name in ('record', 'record_refusal') and on_audit and isinstance(node.args[1], ast.Constant):
                actions.add(node.args[1].value)
            if name == 'AuditEvent':
                for keyword in node.keywords:
                    if keyword.arg == 'action' and isinstance(keyword.value, ast.Constant):
                        actions.add(keyword.value.value)
    return actions


def test_every_audit_action_the_code_writes_has_its_chinese_words():
    written = _audit_actions_written()
    assert {'payment_unreadable', 'letter_voided', 'transition'} <= written  # the scan finds them
    assert written - set(labels.AUDIT_VERBS) == set()
