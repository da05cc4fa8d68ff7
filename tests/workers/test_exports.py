"""Large admin exports run as jobs in a real worker: progress page, a workbook on disk streamed to the download,
a link only for its reviewer, and one that expires."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from miniapp_backend.enrolment.reports import exports
from miniapp_backend.extensions import db
from miniapp_backend.models import ExportJob
from miniapp_backend.models.base import utcnow


def _login(client, create_reviewer, username):
    create_reviewer(username, role='zone_admin')
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get('/admin/login').text).group(1)
    client.post('/admin/login', data={'username': username, 'password': 'review-pass-1', 'csrf_token': token})


def test_a_large_export_is_a_job_with_progress_and_an_expiring_download(
    app, client, create_reviewer, zone, create_student, create_registration, run_worker, monkeypatch
):
    monkeypatch.setattr(exports, 'INLINE_ROWS', 5)
    registrations = [create_registration(create_student(), zone, status='submitted') for _ in range(7)]
    _login(client, create_reviewer, 'exporter')
    started = client.get('/admin/?all=1&status=submitted&format=xlsx')
    assert started.status_code == 302 and '/admin/exports/' in started.headers['Location']
    status_page = started.headers['Location']
    assert '排队中' in client.get(status_page).text
    result = run_worker()
    assert result.returncode == 0, result.stderr[-2000:]
    page = client.get(status_page).text
    assert '已完成' in page and '7/7' in page
    link = re.search(r'id="export-download" href="([^"]+)"', page).group(1)
    download = client.get(link)
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.data)).active.values)
    assert rows[0][:3] == ('编号', '姓名', '证件号码') and len(rows) == 8
    assert sorted(row[0] for row in rows[1:]) == sorted(r.id for r in registrations)
    assert all('*' in row[2] and row[2] not in {r.id_number for r in registrations} for row in rows[1:])

    other = app.test_client()
    _login(other, create_reviewer, 'someone-else')
    assert other.get(link).status_code == 404 and other.get(status_page).status_code == 404

    job = db.session.get(ExportJob, int(status_page.rstrip('/').split('/')[-1]))
    job.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get(link)
    assert expired.status_code == 410 and '下载链接已过期' in expired.text
    assert '下载链接已过期' in client.get(status_page).text


def test_a_small_export_is_answered_at_once(client, create_reviewer, zone, create_student, create_registration):
    create_registration(create_student(), zone, status='submitted')
    _login(client, create_reviewer, 'small')
    response = client.get('/admin/?format=xlsx')
    assert response.status_code == 200 and response.data[:2] == b'PK'
    assert db.session.query(ExportJob).count() == 0


def test_an_export_whose_worker_died_is_failed_and_one_redis_lost_is_run_again(
    app, client, create_reviewer, zone, create_student, create_registration, run_worker, monkeypatch
):
    from miniapp_backend.extensions import get_queue
    from workers import jobs

    monkeypatch.setattr(exports, 'INLINE_ROWS', 1)
    for _ in range(3):
        create_registration(create_student(), zone, status='submitted')
    _login(client, create_reviewer, 'exporter')
    died = client.get('/admin/?all=1&format=xlsx').headers['Location']
    lost = client.get('/admin/?all=1&status=submitted&format=xlsx').headers['Location']
    get_queue('imports').empty()  # the first was taken by a worker that died; the second never reached Redis
    first, second = (db.session.get(ExportJob, int(page.rstrip('/').split('/')[-1])) for page in (died, lost))
    first.status, first.started_at = 'running', utcnow() - timedelta(hours=1)
    second.created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert jobs.sweep_stale_imports() == {'failed': 1, 'requeued': 1}
    assert '导出中断，请重新导出' in client.get(died).text
    result = run_worker()
    assert result.returncode == 0, result.stderr[-2000:]
    assert '已完成' in client.get(lost).text
