"""One export job run in its own process for the bench, which reads its seconds and peak RSS from stdout.

Started as the Procfile's `imports` process is under a process manager: in a session of its own, at the imports
pool's priority (`workers.base.give_way`), so the bench measures GET /me beside exports as deployed."""

from __future__ import annotations

import resource
import sys
import time

from miniapp_backend import create_app
from miniapp_backend.enrolment.reports import exports
from workers.base import give_way
from workers.registry import NICENESS


def main(export_id: int) -> None:
    give_way(NICENESS['imports'])
    app = create_app()
    with app.app_context():
        start = time.perf_counter()
        job = exports.run(export_id)
        seconds = time.perf_counter() - start
        status, rows = job.status.value, job.processed_rows
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'{status} {rows} {seconds:.2f} {rss:.1f}', flush=True)


if __name__ == '__main__':
    main(int(sys.argv[1]))
