"""A web process keeps a PostgreSQL connection for each of its threads, so a busy process never closes one at
check-in only to open another at the next checkout (a new backend, its statements prepared again)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from miniapp_backend.config import DEFAULTS
from miniapp_backend.extensions import db

PROCFILE = Path(__file__).resolve().parents[2] / 'Procfile'
#: The threads of a web process, as the Procfile starts it.
WEB_THREADS = int(
    re.search(r'--threads (\d+)', next(line for line in PROCFILE.read_text().splitlines() if line.startswith('web:')))[
        1
    ]
)


def test_the_pool_holds_a_connection_for_every_web_thread():
    assert DEFAULTS['DATABASE_POOL_SIZE'] == WEB_THREADS


def test_threads_busy_at_once_open_no_connection_after_their_first(app):
    threads, rounds, opened = WEB_THREADS, 20, []
    engine = db.engine
    together = threading.Barrier(threads)

    def count(dbapi_connection, record):
        opened.append(1)

    def serve():
        for _ in range(rounds):
            with engine.connect() as connection:
                assert connection.execute(sa.text('SELECT 1')).scalar() == 1
                together.wait(timeout=30)  # every thread holds its connection at this moment
            together.wait(timeout=30)  # and every one has given it back: a burst of requests, then a pause

    event.listen(engine, 'connect', count)
    try:
        workers = [threading.Thread(target=serve) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        event.remove(engine, 'connect', count)
    assert not any(worker.is_alive() for worker in workers)
    assert len(opened) <= threads, f'{len(opened)} connections opened for {threads} threads over {rounds} rounds'
