"""The audit log: each line names what was acted on (an account, a file, the settings)."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from openpyxl import load_workbook

from miniapp_backend.enrolment import audit
from miniapp_backend.enrolment.actors import Actor
from miniapp_backend.extensions import db
from miniapp_backend.models import AuditEvent
from tests.admin.pages import login, page_form, submit
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
    assert any(line.endswith('导出了Excel（缴费，文件“payments.xlsx”）') for line in lines), lines
    assert any(line.endswith('导出了Excel（统计，文件“statistics.xlsx”）') for line in lines), lines
    assert any(line.endswith('上传了Excel导入（导入编号 7）') for line in lines), lines
