"""One drain process for the scaling bench: builds the app, says `ready`, waits for a line on stdin, then
drains until nothing is due (as a `worker` process would, job after job), prints what it sent, and waits for
one more line before it exits (its process and its database sessions are still there to be measured)."""

from __future__ import annotations

import sys

from miniapp_backend import create_app
from miniapp_backend.enrolment.messages import delivery


def main() -> None:
    app = create_app()
    with app.app_context():
        print('ready', flush=True)
        sys.stdin.readline()
        sent = 0
        while (report := delivery.drain(limit=200)) != delivery.DrainReport():  # until nothing was due
            sent += report.sent
        print(f'sent {sent}', flush=True)
        sys.stdin.readline()


if __name__ == '__main__':
    main()
