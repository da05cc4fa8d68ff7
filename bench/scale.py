"""Admin pages at a province's size: zone 341800 filled to 10k, 100k and 300k registrations (each with an audit
event and an insured person), written by PostgreSQL itself; warm medians over HTTP against the Procfile's
gunicorn, logged in as the zone admin; then GET /me idle and with four export jobs running."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from bench.api import (
    fake_wechat,
    free_port,
    peak_worker_rss,
    serve,
    stop,
    students,
    wrk,
)
from bench.harness import Figure
from miniapp_backend.enrolment.reports import counts
from miniapp_backend.extensions import db
from miniapp_backend.security.crypto import EncryptedString

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000, 300_000)
RUNS = 5
#: Targets at 300k (ms): statistics, a list page (first or last), a search.
STATISTICS_MS, PAGE_MS, SEARCH_MS = 200, 100, 50


def _ciphertext(column: str, value: str) -> str:
    """One real ciphertext, reused for every generated row (the pages decrypt what they show)."""
    return EncryptedString(column).process_bind_param(value, db.engine.dialect)


def fill(zone_id: int, school_id: int, start: int, stop_at: int) -> None:
    """Registrations start+1 … stop_at of the zone: statuses spread as in a season, one audit row each, and
    a paid person on the register for every fifth."""
    id_number = _ciphertext('registrations.id_number', '340524200503140022')
    phone = _ciphertext('registrations.phone', '13912345205')
    register_id = _ciphertext('insured_persons.id_number', '340524200503140022')
    params = {
        'zone': zone_id,
        'school': school_id,
        'start': start + 1,
        'stop': stop_at,
        'id_number': id_number,
        'phone': phone,
        'register_id': register_id,
    }
    db.session.execute(
        sa.text("""
        INSERT INTO registrations (zone_id, year, status, stage, renewal, name, id_type, id_number, id_index, phone,
            identity, school_id, student_no, college, class_name, amount_due_fen, payment_channel, created_at,
            updated_at, submitted_at, paid_at)
        SELECT :zone, 2027, (ARRAY['submitted','under_review','approved','paid','paid','returned','draft'])[g % 7 + 1],
            CASE WHEN g % 7 IN (0, 1) THEN 'centre' END, false, '学生' || g, 'resident_id', :id_number,
            'bench-' || g, :phone, 'college_student', :school, 'S' || g, '学院' || (g % 12), '班' || (g % 300),
            40000, CASE WHEN g % 7 IN (3, 4) THEN 'tax' END,
            now() - (g || ' seconds')::interval, now(), now() - (g || ' seconds')::interval,
            CASE WHEN g % 7 IN (3, 4) THEN now() END
        FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g"""),
        params,
    )
    db.session.execute(
        sa.text("""
        INSERT INTO audit_events (at, actor_type, action, zone_id, registration_id, from_status, to_status, detail)
        SELECT now(), 'system', 'transition', :zone, r.id, 'draft', r.status, '{}'
        FROM registrations r WHERE r.zone_id = :zone AND r.id_index LIKE 'bench-%'
          AND substr(r.id_index, 7)::int BETWEEN CAST(:start AS integer) AND CAST(:stop AS integer)"""),
        params,
    )
    db.session.execute(
        sa.text("""
        INSERT INTO insured_persons (id_index, id_number, name, zone_id, insurance_type, status, since, source,
            paid_through_year, updated_at)
        SELECT 'bench-person-' || g, :register_id, '学生' || g, :zone, '390', 'normal', DATE '2026-01-01', 'payment', 2027,
            now()
        FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS g WHERE g % 5 = 0"""),
        params,
    )
    db.session.commit()
    counts.rebuild(db.session, zone_id)  # the rows above bypassed the ORM, which keeps the counts
    db.session.commit()
    for table in ('registrations', 'audit_events', 'insured_persons', 'registration_counts', 'registration_days'):
        db.session.execute(sa.text(f'ANALYZE {table}'))
    db.session.commit()


def _login(base: str) -> requests.Session:
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', session.get(f'{base}/admin/login').text).group(1)
    response = session.post(
        f'{base}/admin/login',
        data={'username': 'bench-scale', 'password': 'bench-pass-1', 'csrf_token': token},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:200]
    return session


def _median_ms(session: requests.Session, url: str) -> float:
    session.get(url).raise_for_status()  # warm
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        session.get(url).raise_for_status()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _pages(zone_id: int) -> dict[str, tuple[str, int]]:
    """Page label → (path, target ms). "last" opens the page after the zone's oldest rows but a few."""
    oldest = (
        db.session.scalar(
            sa.select(sa.func.min(sa.text('id')))
            .select_from(sa.text('registrations'))
            .where(sa.text(f'zone_id = {zone_id}'))
        )
        + 3
    )
    oldest_event = db.session.scalar(sa.text(f'SELECT min(id) + 3 FROM audit_events WHERE zone_id = {zone_id}'))
    oldest_person = db.session.scalar(sa.text(f'SELECT min(id) + 3 FROM insured_persons WHERE zone_id = {zone_id}'))
    return {
        'statistics': ('/admin/statistics', STATISTICS_MS),
        'queue, first page': ('/admin/', PAGE_MS),
        'queue, last page': (f'/admin/?after={oldest}', PAGE_MS),
        'all registrations, first page': ('/admin/?all=1', PAGE_MS),
        'all registrations, last page': (f'/admin/?all=1&after={oldest}', PAGE_MS),
        'payments, first page': ('/admin/payments', PAGE_MS),
        'payments, last page': (f'/admin/payments?after={oldest}', PAGE_MS),
        'register, first page': ('/admin/register', PAGE_MS),
        'register, last page': (f'/admin/register?after={oldest_person}', PAGE_MS),
        'audit, first page': ('/admin/audit', PAGE_MS),
        'audit, last page': (f'/admin/audit?after={oldest_event}', PAGE_MS),
        'search by name': ('/admin/?all=1&q=学生4321', SEARCH_MS),
        'search by ID number': ('/admin/?all=1&q=340524200503140022', SEARCH_MS),
    }


def figures(environ: dict) -> list[Figure]:
    from miniapp_backend.cli import create_reviewer
    from miniapp_backend.models import School, Zone

    zone = db.session.scalars(sa.select(Zone).where(Zone.code == '341800')).one()
    school = db.session.scalars(sa.select(School).where(School.zone_id == zone.id)).first()
    create_reviewer('bench-scale', 'bench-pass-1', 'zone_admin', '341800')
    db.session.commit()
    env = {**os.environ, **environ}
    fake, env['WECHAT_API_BASE'] = fake_wechat(env)
    times: dict[int, dict[str, float]] = {}
    filled = 0
    results: list[Figure] = []
    try:
        for size in SIZES:
            started = time.perf_counter()
            fill(zone.id, school.id, filled, size)
            filled = size
            print(
                f'measured: filled zone 341800 to {size:,} registrations in {time.perf_counter() - started:.1f} s',
                flush=True,
            )
            port = free_port()
            web = serve('miniapp_backend:create_app()', port, env)
            try:
                session = _login(f'http://127.0.0.1:{port}')
                times[size] = {
                    label: _median_ms(session, f'http://127.0.0.1:{port}{path}')
                    for label, (path, _) in _pages(zone.id).items()
                }
                for label, value in times[size].items():
                    print(f'measured: {size:,} rows, {label}: {value:.1f} ms', flush=True)
                if size == SIZES[-1]:
                    try:
                        results += _under_exports(f'http://127.0.0.1:{port}', session, web, env)
                    except Exception as exc:  # noqa: BLE001  (the page figures above still stand)
                        print(f'measured: GET /me with exports running failed: {exc!r}', flush=True)
            finally:
                stop(web)
    finally:
        stop(fake)
    largest, smallest = times[SIZES[-1]], times[SIZES[0]]
    for label, (_, target) in _pages(zone.id).items():
        growth = largest[label] / smallest[label]
        results.append(
            Figure(
                f'{label} at 300k',
                largest[label],
                'ms',
                round(smallest[label], 1),
                f'≤ {target} ms; ≤ 2× the 10k time (ratio)',
                largest[label] <= target and growth <= 2,
            )
        )
    return results


def _under_exports(base: str, admin: requests.Session, web, env: dict) -> list[Figure]:
    """GET /me idle, then while four exports of every registration run as jobs (one process each, started as four
    imports workers would be); each job's time and peak RSS, and the web worker's peak RSS."""
    [token] = students(f'{base}/api/v1', 1, 'scale')
    me = f'{base}/api/v1/me'
    idle = wrk(me, '-H', f'Authorization: Bearer {token}')
    ids = []
    for _ in range(4):
        response = admin.get(f'{base}/admin/?all=1&format=xlsx', allow_redirects=False)
        assert response.status_code == 302, response.status_code
        ids.append(int(response.headers['Location'].rstrip('/').split('/')[-1]))
    jobs = [
        subprocess.Popen(
            [sys.executable, '-m', 'bench.export_worker', str(i)],
            cwd=ROOT,
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            start_new_session=True,  # as a process manager starts the Procfile's imports process (honcho does)
        )
        for i in ids
    ]
    time.sleep(2)  # past their start-up, into the writing
    busy = wrk(me, '-H', f'Authorization: Bearer {token}')
    outcomes = [job.communicate(timeout=600)[0].split() for job in jobs]
    finished = [o for o in outcomes if o and o[0] == 'finished']
    seconds = max((float(o[2]) for o in finished), default=0.0)
    job_rss = max((float(o[3]) for o in finished), default=0.0)
    rows = finished[0][1] if finished else '0'
    web_rss = peak_worker_rss(web)
    return [
        Figure('GET /me req/s at 300k, idle', idle.rate, 'req/s', target=idle.latencies()),
        Figure(
            'GET /me req/s with 4 export jobs running',
            busy.rate,
            'req/s',
            round(idle.rate, 1),
            f'≥ 0.8 of idle; {busy.latencies()}{busy.failures()}',
            busy.rate >= 0.8 * idle.rate,
        ),
        Figure(
            f'export jobs finished ({rows} rows each)',
            len(finished),
            'of 4',
            target=f'slowest {seconds:.1f} s',
            met=len(finished) == 4,
        ),
        Figure('export job peak RSS', job_rss, 'MB', target='≤ 300 MB', met=0 < job_rss <= 300),
        Figure('web worker peak RSS (pages, exports started)', web_rss, 'MB', target='≤ 150 MB', met=web_rss <= 150),
    ]
