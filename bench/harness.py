"""A scratch database and Redis DB for one benchmark run, and the result table."""

from __future__ import annotations

import os
import resource
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    reference: float | None = None
    target: str = ''
    met: bool | None = None

    def row(self) -> str:
        ratio = f'{self.value / self.reference:.2f}×' if self.reference else ''
        met = {True: 'met', False: 'MISSED', None: ''}[self.met]
        reference = f'{self.reference:,}' if self.reference else ''
        return f'| {self.name} | {self.value:,.1f} {self.unit} | {reference} | {ratio} | {self.target} | {met} |'


@contextmanager
def scratch_app():
    """An app on a fresh PostgreSQL database (dropped afterwards) and Redis DB 15."""
    from flask_migrate import upgrade

    from miniapp_backend import create_app
    from miniapp_backend.security.keys import generate_dev_keys

    base = make_url(os.environ.get('BENCH_DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')).set(
        drivername='postgresql+psycopg'
    )
    name = f'miniapp_bench_{uuid.uuid4().hex[:8]}'
    admin = sa.create_engine(base, isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE {name}'))
    environ = {
        **generate_dev_keys(),
        'DATABASE_URL': base.set(database=name).render_as_string(hide_password=False),
        'REDIS_URL': os.environ.get('BENCH_REDIS_URL', 'redis://127.0.0.1:6379/15'),
        'REDIS_KEY_PREFIX': 'bench',
    }
    app = create_app(environ=environ)
    try:
        with app.app_context():
            upgrade()
            yield app, environ
            from miniapp_backend.extensions import db

            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n'), {'n': name}
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS {name}'))


def timed(func, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - start, result


_TICKS = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process on this machine (0 when it is not here)."""
    try:
        fields = Path(f'/proc/{pid}/stat').read_text().rpartition(')')[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # fields 14 and 15 of stat


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
