"""The audit log: each line names what was acted on (an account, a file, the settings), and the list is filtered by
Beijing days and by the staff member who acted, the export carrying the same filters."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from openpyxl import load_workbook

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.enrolment.reports import exports
from miniapp_backend.enrolment.zones.settings import SHANGHAI
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent, College, ExportJob, School
from tests.admin.pages import error_under, list_head, login, page_form, search, submit
from tests.admin.test_imports import upload, workbook


def _lines(page: str) -> list[str]:
    return re.findall(r'<td>([^<]*)</td></tr>', page)


def _exported(client, **query) -> list[tuple]:
    response = client.get('/admin/audit', query_string={**query, 'format': 'xlsx'})
    assert response.status_code == 200, response.text[:300]
    return list(load_workbook(io.BytesIO(response.data)).active.values)[1:]


def test_account_lines_name_the_account_by_display_and_login_name(client, create_reviewer, zone):
    create_reviewer('wang', role='zone_admin')
    login(client, 'wang')
    form = page_form(client, '/admin/accounts')
    submit(client, form, username='li', display_name='李老师', role='centre_reviewer')
    li = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == 'reviewer_created')).one()
    reviewer_id = re.search(r'/admin/accounts/(\d+)/active', client.get('/admin/accounts').text).group(1)
    submit(client, page_form(client, '/admin/accounts', f'/admin/accounts/{reviewer_id}/active'))
    submit(client, page_form(client, '/admin/accounts', f'/admin/accounts/{reviewer_id}/reset'))
    # A row written before events kept the display name names the account by its login name.
    audit.record(Actor.reviewer(li.actor_id, 'zone_admin'), 'reviewer_enabled', zone_id=zone.id, reviewer='zhao')
    db.session.commit()
    lines = _lines(client.get('/admin/audit').text)
    for verb in ('创建了审核账号', '停用了审核账号', '重置了审核账号密码'):
        assert any(line.endswith(f'{verb}（账号 李老师，登录名 li）') for line in lines), (verb, lines)
    assert any(line.endswith('启用了审核账号（账号 zhao）') for line in lines), lines
    assert any(row[8].endswith('停用了审核账号（账号 李老师，登录名 li）') for row in _exported(client))


def test_file_lines_name_the_file_imported_or_exported(client, create_reviewer, zone):
    create_reviewer('wang', role='zone_admin')
    login(client, 'wang')
    upload(client, 'subsidised', workbook(['姓名'], [['张三']]), filename='2026资助名单.xlsx')
    client.get('/admin/payments?format=xlsx')
    client.get('/admin/statistics?format=xlsx')
    # An import audited before events kept its file name is named by its number.
    audit.record(Actor.reviewer(1, 'zone_admin'), 'import', zone_id=zone.id, import_id=7, kind='roster')
    db.session.commit()
    lines = _lines(client.get('/admin/audit').text)
    assert any(line.endswith('上传了Excel导入（文件“2026资助名单.xlsx”）') for line in lines), lines
    day = f'{datetime.now(SHANGHAI):%Y%m%d}'
    assert any(line.endswith(f'导出了Excel（缴费，文件“缴费-{day}.xlsx”）') for line in lines), lines
    assert any(line.endswith(f'导出了Excel（统计，文件“统计-{day}.xlsx”）') for line in lines), lines
    assert any(line.endswith('上传了Excel导入（导入编号 7）') for line in lines), lines


def _at(zone, reviewer, moment: datetime, action: str = 'login') -> None:
    event = audit.record(Actor.reviewer(reviewer.id, reviewer.role), action, zone_id=zone.id)
    event.at = moment


def test_the_audit_log_is_filtered_by_beijing_days_and_by_who_acted(client, create_reviewer, zone):
    wang = create_reviewer('wang', role='zone_admin')
    li = create_reviewer('li')
    _at(zone, li, datetime(2026, 11, 1, 15, 59, tzinfo=UTC))  # 11-01 23:59 in Beijing
    _at(zone, li, datetime(2026, 11, 1, 16, 0, tzinfo=UTC))  # 11-02 00:00 in Beijing
    _at(zone, wang, datetime(2026, 11, 2, 15, 59, tzinfo=UTC), 'password_changed')  # 11-02 23:59
    _at(zone, li, datetime(2026, 11, 2, 16, 0, tzinfo=UTC), 'password_changed')  # 11-03 00:00
    db.session.commit()
    login(client, 'wang')
    day = search(client, '/admin/audit', since='2026-11-02', until='2026-11-02').text
    assert re.findall(r'<td>(2026-11-0\d [\d:]+)</td>', day) == ['2026-11-02 23:59:00', '2026-11-02 00:00:00']
    assert list_head(day).startswith('共 2 条 筛选条件：日期：2026-11-02 至 2026-11-02（北京时间）')
    theirs = search(client, '/admin/audit', person=str(li.id), until='2026-11-02').text
    assert re.findall(r'<td>(2026-11-0\d [\d:]+)</td>', theirs) == ['2026-11-02 00:00:00', '2026-11-01 23:59:00']
    assert '操作人：li；日期：最早 至 2026-11-02' in list_head(theirs)
    # The form keeps what was chosen, and the export carries the same filters.
    assert re.search(rf'<option value="{li.id}" selected>li</option>', theirs)
    assert [row[0] for row in _exported(client, person=li.id, until='2026-11-02')] == [
        '2026-11-01 23:59:00',
        '2026-11-02 00:00:00',
    ]
    assert [row[0] for row in _exported(client, since='2026-11-02', until='2026-11-02', action='password_changed')] == [
        '2026-11-02 23:59:00'
    ]


def test_bad_audit_filters_are_named_at_their_field_and_list_nothing(client, create_reviewer, create_zone, zone):
    create_reviewer('wang', role='zone_admin')
    create_zone('370200', '青岛市')
    elsewhere = create_reviewer('qd', zone_code='370200')
    login(client, 'wang')
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for field, value, message in (
        ('since', '2026-13-40', '开始日期不是有效日期，格式应为YYYY-MM-DD'),
        ('until', '2026-02-30', '结束日期不是有效日期，格式应为YYYY-MM-DD'),
        ('since', '2026-11-02T00:00:00', '日期格式应为YYYY-MM-DD'),
        ('since', '0001-01-01', '日期超出范围'),
        ('person', 'abc', '操作人不正确，请从列表中选择'),
        ('person', '99999999999', '操作人不正确，请从列表中选择'),
        ('person', str(elsewhere.id), '所选操作人不在您可查看的范围内，请从列表中选择'),
        ('registration', '12x', '登记编号应为数字'),
    ):
        response = search(client, '/admin/audit', **{field: value})
        assert response.status_code == 400, (field, value)
        assert error_under(response.text, field) == message, (field, value)
        assert '<table>' not in response.text and '导出Excel' not in response.text
        assert f'value="{value}"' in response.text or field == 'person'  # kept to be corrected
        exported = client.get('/admin/audit', query_string={field: value, 'format': 'xlsx'})
        assert exported.status_code == 400 and message in exported.text
    reversed_days = search(client, '/admin/audit', since='2026-11-03', until='2026-11-02')
    assert error_under(reversed_days.text, 'until') == '开始日期不能晚于结束日期'
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_school_admin_chooses_among_the_people_who_act_on_their_records(client, create_reviewer, zone):
    other = School(code='10360', name='第二大学', zone=zone)
    db.session.add_all([other, College(name='文学院', school=other)])
    db.session.commit()
    create_reviewer('centre')
    create_reviewer('mine', role='school_admin', school_code=zone.schools[0].code)
    create_reviewer('theirs', role='school_admin', school_code='10360')
    login(client, 'mine')
    page = client.get('/admin/audit').text
    people = re.findall(
        r'<option value="\d+"[^>]*>([^<]+)</option>', page.split('name="person"')[1].split('</select>')[0]
    )
    assert people == ['centre', 'mine']


def test_a_large_audit_export_is_a_job_that_keeps_the_days_and_the_person(client, create_reviewer, zone, monkeypatch):
    monkeypatch.setattr(exports, 'INLINE_ROWS', 0)
    wang = create_reviewer('wang', role='zone_admin')
    li = create_reviewer('li')
    for moment in (datetime(2026, 11, 1, 16, 0, tzinfo=UTC), datetime(2026, 11, 2, 16, 0, tzinfo=UTC)):
        _at(zone, li, moment)
        _at(zone, wang, moment)
    db.session.commit()
    login(client, 'wang')
    started = client.get(
        '/admin/audit', query_string={'since': '2026-11-02', 'until': '2026-11-02', 'person': li.id, 'format': 'xlsx'}
    )
    assert started.status_code == 302 and '/admin/exports/' in started.headers['Location']
    job = db.session.scalars(sa.select(ExportJob)).one()
    assert (job.filters['since'], job.filters['until'], job.filters['person']) == ('2026-11-02', '2026-11-02', li.id)
    job = exports.run(job.id)  # what the rq worker runs
    db.session.commit()
    rows = list(load_workbook(job.path).active.values)[1:]
    assert [(row[0], row[2]) for row in rows] == [('2026-11-02 00:00:00', 'li')]
