"""`make bench`: every benchmark, one table. Figures are ratios against references measured in this run."""

from __future__ import annotations

import logging
import os
import platform
import re
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from bench import api, excel, polls, scale, uploads
from bench.harness import Figure, scratch_app


class Results(list):
    """Figures, each also printed the moment it is measured (a later failure loses none)."""

    def __iadd__(self, figures):
        for figure in figures:
            print('measured:', figure.row(), flush=True)
        return super().__iadd__(figures)


def machine() -> str:
    """CPU model, cores and memory, as /proc reports them."""
    cpuinfo = Path('/proc/cpuinfo').read_text() if Path('/proc/cpuinfo').exists() else ''
    model = re.search(r'model name\s*:\s*(.+)', cpuinfo)
    memory = (
        re.search(r'MemTotal:\s+(\d+)', Path('/proc/meminfo').read_text()) if Path('/proc/meminfo').exists() else None
    )
    return f'{model.group(1).strip() if model else platform.machine()}, {os.cpu_count()} cores' + (
        f', {int(memory.group(1)) / 1024 / 1024:.0f} GiB' if memory else ''
    )


def main() -> int:
    """All stages, or those named on the command line (api, excel, drain, scale, polls, uploads)."""
    stages = set(sys.argv[1:]) or {'api', 'excel', 'drain', 'scale', 'polls', 'uploads'}
    started = time.perf_counter()
    results: list[Figure] = Results()
    with scratch_app() as (app, environ):
        from miniapp_backend.demo import seed_demo
        from miniapp_backend.extensions import db
        from miniapp_backend.models import ImportJob, Student, Zone

        seed_demo()
        db.session.commit()
        if 'api' in stages:
            results += api.figures(environ)
        if 'uploads' in stages:
            results += uploads.figures(environ)
        zone = db.session.scalars(sa.select(Zone).where(Zone.code == '341800')).one()
        if 'excel' in stages:
            from miniapp_backend.cli import create_reviewer

            reviewer = create_reviewer('bench', 'bench-pass-1', 'zone_admin', '341800')
            data = excel.registration_workbook()
            job = ImportJob(
                kind='registrations', zone=zone, reviewer_id=reviewer.id, filename='bench.xlsx', workbook=data
            )
            db.session.add(job)
            db.session.commit()
            results += excel.import_figures(job.id, data)
            results += excel.export_figures(zone.id)
        logging.getLogger('werkzeug').setLevel(logging.WARNING)
        if 'drain' in stages:
            results += polls.drain_figures(app, environ)
        if 'scale' in stages:
            results += scale.figures(environ)
        if 'polls' in stages:
            from tests.fakes.tax import FakeTaxBureau

            student = db.session.scalars(sa.select(Student)).first()
            polls.fill(zone.id, student.id)
            tax = FakeTaxBureau().start()
            results += polls.idle_polls(tax.url)
    print(
        f'\nMachine: {machine()}, Python {platform.python_version()}; run took {time.perf_counter() - started:.0f} s\n'
    )
    print('| figure | value | reference | ratio | target | |')
    print('|---|---|---|---|---|---|')
    for figure in results:
        print(figure.row())
    return 0


if __name__ == '__main__':
    sys.exit(main())
