"""Excel import of 50,000 rows and export of 100,000, each next to a bare openpyxl pass over the same data."""

from __future__ import annotations

import io
import multiprocessing
import random
from datetime import date, timedelta

from openpyxl import Workbook, load_workbook

from bench.harness import Figure, peak_rss_mb, timed
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.security.idnumbers import check_digit

IMPORT_ROWS = 50_000
EXPORT_ROWS = 100_000


def registration_workbook(rows: int = IMPORT_ROWS, seed: int = 2026) -> bytes:
    """A deterministic batch-registration workbook (same seed, same bytes of data)."""
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet('导入数据')
    sheet.append(KINDS['registrations'].headers)
    for n in range(rows):
        # Unique people: one birth date per thousand rows, the sequence number within it.
        first17 = f'340524{date(2003, 1, 1) + timedelta(days=n // 1000):%Y%m%d}{n % 1000:03d}'
        sheet.append(
            [
                '学生' + str(n),
                '居民身份证',
                first17 + check_digit(first17),
                '01-汉族',
                '未婚',
                f'139{rng.randrange(10**8):08d}',
                '安徽省宣城市宣州区薰化路301号',
                '安徽省合肥市庐阳区',
                '340103',
                '10359X',
                f'2023{n:06d}',
                '计算机与信息学院',
                '计算机22-1班',
                '无',
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bare_read(data: bytes) -> int:
    book = load_workbook(io.BytesIO(data), read_only=True)
    count = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return count


def bare_write(rows: int = EXPORT_ROWS) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet('x')
    for n in range(rows):
        sheet.append(
            [
                n,
                '学生',
                '340524********0012',
                '139****5205',
                '2023001',
                '计算机与信息学院',
                '计算机22-1班',
                '已提交',
                'centre',
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_figures(import_job_id: int, data: bytes) -> list[Figure]:
    """Run the import in a child process so its peak memory is its own."""
    bare_seconds, _ = timed(bare_read, data)
    queue = multiprocessing.get_context('fork').Queue()
    child = multiprocessing.get_context('fork').Process(target=_import_child, args=(import_job_id, queue))
    child.start()
    seconds, rss, message = queue.get()
    child.join()
    return [
        Figure(
            f'import {IMPORT_ROWS:,} rows ({message})',
            seconds,
            's',
            round(bare_seconds, 2),
            '≤ 4× bare read',
            seconds <= 4 * bare_seconds,
        ),
        Figure('import peak RSS', rss, 'MB', target='≤ 300 MB', met=rss <= 300),
    ]


def _import_child(import_job_id: int, queue) -> None:
    from miniapp_backend.enrolment.imports import runner
    from miniapp_backend.extensions import db

    db.engine.dispose(close=False)
    seconds, job = timed(runner.run, import_job_id)
    queue.put((seconds, peak_rss_mb(), job.message))


def export_figures(zone_id: int) -> list[Figure]:
    """The imported rows, copied into the year before to make 100,000 (ciphertexts are bound to their column, not
    their row, so the copies decrypt), exported next to a bare write of as many plain rows."""
    import sqlalchemy as sa

    from miniapp_backend.enrolment.reports.workbooks import registrations_workbook
    from miniapp_backend.extensions import db
    from miniapp_backend.models import Registration

    columns = [c.name for c in Registration.__table__.columns if c.name != 'id']
    copied = ', '.join('year - 1' if name == 'year' else name for name in columns)
    db.session.execute(
        sa.text(
            f'INSERT INTO registrations ({", ".join(columns)}) SELECT {copied} '
            'FROM registrations WHERE zone_id = :zone AND student_id IS NULL'
        ),
        {'zone': zone_id},
    )
    db.session.commit()
    query = sa.select(Registration).where(Registration.zone_id == zone_id, Registration.student_id.is_(None))
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    bare_seconds, _ = timed(bare_write, rows)
    seconds, _ = timed(registrations_workbook, query)
    return [
        Figure(
            f'export of {rows:,} registrations (decrypt, mask, write)',
            seconds,
            's',
            round(bare_seconds, 2),
            '≤ 2× bare write',
            seconds <= 2 * bare_seconds,
        )
    ]
