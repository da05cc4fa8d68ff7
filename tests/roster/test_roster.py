"""学籍名单: import per year, progress per class against it, the 未办理 list and its export, exemptions, reminders."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, ImportJob, Notification, RosterEntry, SubscriptionQuota
from tests.admin.pages import csrf_token, login
from tests.admin.test_imports import upload, workbook
from tests.factories import make_id_number

CLASS_A, CLASS_B = '计算机22-1班', '计算机22-2班'


def roster_rows(zone, count_a=3, count_b=2):
    school = zone.schools[0].name
    rows = [
        [
            school,
            f'2022{i:04d}',
            f'学生甲{i}',
            '居民身份证',
            make_id_number(),
            '计算机与信息学院',
            CLASS_A,
            2022,
            '全日制',
        ]
        for i in range(count_a)
    ]
    rows += [
        [
            school,
            f'2022{i + 50:04d}',
            f'学生乙{i}',
            '居民身份证',
            make_id_number(),
            '计算机与信息学院',
            CLASS_B,
            2022,
            '非全日制',
        ]
        for i in range(count_b)
    ]
    return rows


def import_roster(client, zone, rows):
    assert '排队中' in upload(client, 'school_roster', workbook(KINDS['school_roster'].headers, rows)).text
    job = db.session.scalars(sa.select(ImportJob).order_by(ImportJob.id.desc())).first()
    runner.run(job.id)
    db.session.expire_all()
    return db.session.get(ImportJob, job.id)


def _progress(client):
    page = client.get('/admin/progress').text
    cells = {}
    for row in page.split('<tr data-class="')[1:]:
        name = row.split('"', 1)[0]
        cells[name] = [re.sub(r'<[^>]+>', '', cell).strip() for cell in row.split('</tr>')[0].split('</td>')[:-1]]
    return cells


def test_roster_import_keeps_the_year_and_refuses_bad_rows(admin, zone):
    rows = roster_rows(zone)
    rows.append(
        ['不存在的大学', '20229999', '王五', '居民身份证', make_id_number(), '文学院', '中文22-1班', 2022, '全日制']
    )
    rows.append([zone.schools[0].name, '20229998', '赵六', '居民身份证', '123', '文学院', '中文22-1班', 2022, '全日制'])
    job = import_roster(admin, zone, rows)
    assert (job.ok_rows, job.error_rows) == (5, 2)
    assert {(e.row, e.column) for e in job.errors} == {(7, '学校'), (8, '证件号码')}
    entries = db.session.scalars(sa.select(RosterEntry)).all()
    assert {e.year for e in entries} == {zone.year} and len(entries) == 5
    assert {e.study_mode.label for e in entries} == {'全日制', '非全日制'}
    # The ID number is encrypted at rest and indexed blind.
    raw = db.session.execute(sa.text('SELECT id_number FROM roster_entries')).scalars().all()
    assert not set(raw) & {r[4] for r in rows}
    # Importing again updates instead of duplicating.
    rows[0][2] = '学生甲改名'
    import_roster(admin, zone, rows[:5])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry)) == 5
    assert (
        db.session.scalars(sa.select(RosterEntry.name).where(RosterEntry.student_no == rows[0][1])).one()
        == '学生甲改名'
    )


def test_progress_counts_per_class_and_the_pending_list(admin, zone, create_student, create_registration):
    rows = roster_rows(zone)
    import_roster(admin, zone, rows)
    create_registration(create_student(), zone, status='submitted', id_number=rows[0][4], class_name=CLASS_A)
    create_registration(
        create_student(), zone, status='paid', id_number=rows[1][4], class_name=CLASS_A, amount_due_fen=40000
    )
    create_registration(create_student(), zone, status='withdrawn', id_number=rows[3][4], class_name=CLASS_B)
    # 名单 无需 应参保 已登记 审核中 已通过 已缴费 未办理
    assert _progress(admin)[CLASS_A][3:11] == ['3', '0', '3', '2', '1', '1', '1', '1']
    assert _progress(admin)[CLASS_B][3:11] == ['2', '0', '2', '0', '0', '0', '0', '2']
    by_mode = admin.get('/admin/progress').text.split('id="by-mode"')[1].split('</table>')[0]
    assert '<td>全日制</td><td>3</td><td>0</td><td>3</td><td>2</td>' in by_mode
    assert '<td>非全日制</td><td>2</td><td>0</td><td>2</td><td>0</td>' in by_mode
    pending = admin.get(f'/admin/roster?state=pending&class_name={CLASS_A}').text
    assert rows[2][2] in pending and rows[0][2] not in pending and rows[1][2] not in pending
    assert rows[2][4] not in pending and rows[2][4][:6] + '********' in pending
    export = admin.get('/admin/roster?state=pending&format=xlsx')
    sheet = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert sheet[0][:5] == ('学校', '学院', '班级', '学号', '姓名')
    assert sorted(r[4] for r in sheet[1:]) == sorted([rows[2][2], rows[3][2], rows[4][2]])
    assert all('********' in r[5] for r in sheet[1:])


def test_marking_exempt_changes_the_counts_and_is_audited(admin, zone):
    rows = roster_rows(zone)
    import_roster(admin, zone, rows)
    entry = db.session.scalars(sa.select(RosterEntry).where(RosterEntry.student_no == rows[3][1])).one()
    token = csrf_token(admin, '/admin/roster')
    refused = admin.post(
        f'/admin/roster/{entry.id}/exempt', data={'reason': '其他', 'csrf_token': token}, follow_redirects=True
    )
    assert '选择“其他”时请填写具体原因' in refused.text
    done = admin.post(
        f'/admin/roster/{entry.id}/exempt',
        data={'reason': '已参加职工基本医疗保险', 'csrf_token': token},
        follow_redirects=True,
    )
    assert f'已将{entry.name}标记为无需参保' in done.text
    assert _progress(admin)[CLASS_B][3:11] == ['2', '1', '1', '0', '0', '0', '0', '1']
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'roster_exempt')).one()
    assert event.reason == '已参加职工基本医疗保险' and event.detail['student_no'] == entry.student_no
    admin.post(f'/admin/roster/{entry.id}/unexempt', data={'csrf_token': token})
    assert _progress(admin)[CLASS_B][3:11] == ['2', '0', '2', '0', '0', '0', '0', '2']


def test_a_counsellor_sees_and_marks_only_their_class(client, admin, zone, create_reviewer):
    rows = roster_rows(zone)
    import_roster(admin, zone, rows)
    create_reviewer(
        'zhou', role='counsellor', school_code=zone.schools[0].code, college='计算机与信息学院', class_name=CLASS_A
    )
    client.post('/admin/logout', data={'csrf_token': csrf_token(client, '/admin/')})
    login(client, 'zhou')
    assert set(_progress(client)) == {CLASS_A}
    other = db.session.scalars(sa.select(RosterEntry).where(RosterEntry.class_name == CLASS_B)).first()
    response = client.post(
        f'/admin/roster/{other.id}/exempt', data={'reason': '已毕业或离校', 'csrf_token': csrf_token(client, '/admin/')}
    )
    assert response.status_code == 404
    assert rows[3][2] not in client.get('/admin/roster').text


def test_reminders_go_only_to_linked_students_who_accepted(admin, zone, create_student, create_registration):
    zone.message_templates = {'roster_reminder': {'template_id': 'tpl-remind', 'fields': {'thing1': 'title'}}}
    db.session.commit()
    rows = roster_rows(zone, count_a=3, count_b=0)
    import_roster(admin, zone, rows)
    accepted, declined = create_student(), create_student()
    # Linked through drafts of theirs; the third roster student never used the mini-program.
    create_registration(accepted, zone, status='draft', id_number=rows[0][4])
    create_registration(declined, zone, status='draft', id_number=rows[1][4])
    db.session.add(SubscriptionQuota(student_id=accepted.id, template_id='tpl-remind', remaining=1))
    db.session.commit()
    response = admin.post(
        '/admin/roster/remind',
        data={'csrf_token': csrf_token(admin, '/admin/roster'), 'class_name': CLASS_A},
        follow_redirects=True,
    )
    assert '已发送参保提醒1人；2人未关联微信或未订阅提醒' in response.text
    notices = db.session.scalars(sa.select(Notification)).all()
    assert [(n.student_id, n.kind.value) for n in notices] == [(accepted.id, 'roster_reminder')]
    # A second click the same day sends nothing more.
    admin.post('/admin/roster/remind', data={'csrf_token': csrf_token(admin, '/admin/roster'), 'class_name': CLASS_A})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
