"""The cost of an idle poll (nothing pending) with 1,000,000 registrations in the table, and drain throughput."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

from bench.harness import Figure
from miniapp_backend.enrolment.messages import delivery
from miniapp_backend.enrolment.payment.polling import poll_payments
from miniapp_backend.extensions import db
from miniapp_backend.gateways import TaxGateway
from miniapp_backend.models import Notification, Student, SubscriptionQuota, Zone
from miniapp_backend.models.base import utcnow

ROWS = 1_000_000
ROOT = Path(__file__).resolve().parent.parent


def fill(zone_id: int, student_id: int) -> None:
    """A million paid registrations, written by the database itself (their ciphertexts are never read)."""
    db.session.execute(
        sa.text("""
        INSERT INTO registrations (student_id, zone_id, year, status, renewal, name, id_type, id_number, id_index,
            identity, created_at, updated_at)
        SELECT :student, :zone, 2027, 'paid', false, 'bench', 'resident_id', 'k1$x', md5(g::text) || md5(g::text),
            'college_student', now(), now()
        FROM generate_series(1, :rows) AS g"""),
        {'student': student_id, 'zone': zone_id, 'rows': ROWS},
    )
    db.session.commit()
    db.session.execute(sa.text('ANALYZE registrations'))


def idle_polls(tax_url: str) -> list[Figure]:
    gateway = TaxGateway(tax_url, 'unused')
    payment = _median_ms(lambda: poll_payments(gateway, utcnow()))
    drain = _median_ms(lambda: delivery.drain())
    return [
        Figure('idle poll_payments, 1,000,000 rows', payment, 'ms', target='≤ 20 ms', met=payment <= 20),
        Figure('idle drain_outbox, 1,000,000 rows', drain, 'ms', target='≤ 20 ms', met=drain <= 20),
    ]


def _median_ms(call, runs: int = 25) -> float:
    call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _outbox(count: int, run: str) -> None:
    """`count` due messages, each to a new student with one subscription for it."""
    zone = db.session.scalars(sa.select(Zone)).first()
    students = [Student(openid=f'bench-{run}-{n}') for n in range(count)]
    db.session.add_all(students)
    db.session.flush()
    for student in students:
        db.session.add(SubscriptionQuota(student_id=student.id, template_id='tpl-bench', remaining=1))
        db.session.add(
            Notification(
                student_id=student.id,
                kind='paid',
                event_key=f'bench:{student.id}',
                template_id='tpl-bench',
                page='pages/home/home',
                data={'thing1': zone.name},
                title='bench',
                body='',
            )
        )
    db.session.commit()


def _drain_processes(env: dict, processes: int) -> tuple[float, int]:
    """Seconds for `processes` drain processes (started and ready beforehand) to empty the outbox, and messages sent."""
    workers = [
        subprocess.Popen(
            [sys.executable, '-m', 'bench.drain_worker'],
            cwd=ROOT,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == 'ready'
    start = time.perf_counter()
    for worker in workers:
        worker.stdin.write('go\n')
        worker.stdin.flush()
    sent = sum(int(worker.stdout.readline().split()[1]) for worker in workers)
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.wait(timeout=60)
    return elapsed, sent


def drain_figures(app, environ: dict, count: int = 600) -> list[Figure]:
    """Messages/s drained by 1, 2 and 4 worker processes (each with its senders) to the threaded fake WeChat,
    next to bare sequential posts from one process."""
    from bench.api import fake_wechat, stop

    env = {**os.environ, **environ}
    fake, env['WECHAT_API_BASE'] = fake_wechat(env)
    try:
        rates = {}
        for processes in (1, 2, 4):
            _outbox(count, f'p{processes}')
            elapsed, sent = _drain_processes(env, processes)
            rates[processes] = sent / elapsed
            print(f'measured: drain with {processes} process(es): {sent} messages in {elapsed:.2f} s', flush=True)
        bare = _bare_posts(app, env['WECHAT_API_BASE'], count)
    finally:
        stop(fake)
    one = rates[1]
    return [
        Figure(
            'drain_outbox messages/s (one process, 4 senders)',
            one,
            'msg/s',
            round(bare, 1),
            '≥ 0.5 of bare posts',
            one >= 0.5 * bare,
        ),
        Figure('drain_outbox messages/s, 2 processes', rates[2], 'msg/s', round(one, 1), 'scaling over 1 process'),
        Figure(
            'drain_outbox messages/s, 4 processes',
            rates[4],
            'msg/s',
            round(one, 1),
            '≥ 1.6 of one process',
            rates[4] >= 1.6 * one,
        ),
    ]


def _bare_posts(app, wechat_url: str, count: int) -> float:
    token = requests.post(
        f'{wechat_url}/cgi-bin/stable_token',
        json={
            'grant_type': 'client_credential',
            'appid': app.config['WECHAT_APPID'],
            'secret': app.config['WECHAT_SECRET'],
        },
    ).json()
    session = requests.Session()
    start = time.perf_counter()
    for n in range(count):
        session.post(
            f'{wechat_url}/cgi-bin/message/subscribe/send',
            params={'access_token': token['access_token']},
            json={'touser': f'bench-{n}', 'template_id': 'tpl-bench', 'data': {'thing1': {'value': 'x'}}},
        )
    return count / (time.perf_counter() - start)
