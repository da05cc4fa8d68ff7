"""Screenshots of the admin page for the README, taken in headless Chromium over the full demo.

    make admin-screenshots          (writes docs/screenshots/admin-*.png)

A throw-away SQLite database is migrated and filled by `seed-demo`, the app is served on 127.0.0.1 and Debian's
Chromium (driven by Playwright) logs in as the demo zone administrator and captures the pages a reviewer uses most.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'docs' / 'screenshots'
CHROMIUM = '/usr/bin/chromium'


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from miniapp_backend import create_app
    from miniapp_backend.demo import DEMO_REVIEWER
    from miniapp_backend.extensions import db
    from miniapp_backend.models import ImportJob, Registration

    workdir = tempfile.mkdtemp(prefix='admin-shots-')
    environ = {**os.environ, 'DATABASE_URL': f'sqlite:///{workdir}/demo.db', 'PUBLIC_BASE_URL': 'http://127.0.0.1'}
    environ.pop('REDIS_URL', None)
    app = create_app(environ=environ)
    with app.app_context():
        upgrade()
        print(app.test_cli_runner().invoke(args=['seed-demo']).output.strip())
        paid = db.session.scalar(
            sa.select(Registration.id)
            .where(Registration.status == 'paid')
            .order_by(Registration.id)
            .offset(40)
            .limit(1)
        )
        report = db.session.scalar(sa.select(ImportJob.id).where(ImportJob.error_rows > 0).order_by(ImportJob.id))
    server = make_server('127.0.0.1', 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{server.server_port}'
    OUT.mkdir(parents=True, exist_ok=True)
    shots = {
        'admin-queue': ('/admin/', False),
        'admin-record': (f'/admin/registrations/{paid}', True),
        'admin-progress': ('/admin/progress', False),
        'admin-statistics': ('/admin/statistics', False),
        'admin-import': (f'/admin/imports/{report}', True),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=['--headless', '--no-sandbox'])
        page = browser.new_page(base_url=base, viewport={'width': 1440, 'height': 900}, device_scale_factor=1)
        page.goto('/admin/login')
        page.fill('input[name=username]', DEMO_REVIEWER['username'])
        page.fill('input[name=password]', DEMO_REVIEWER['password'])
        page.click('button:has-text("登录")')
        page.wait_for_url('**/admin/')
        for name, (path, full) in shots.items():
            page.goto(path)
            page.screenshot(path=str(OUT / f'{name}.png'), full_page=full)
            print(f'docs/screenshots/{name}.png')
        browser.close()
    server.shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
