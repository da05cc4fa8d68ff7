"""Each journey of a student, run by the real mini-program pages (node, miniprogram-simulate) against the real
backend: PostgreSQL, Redis, the fake WeChat / tax / home-town servers, a real rq worker.

With SCREENSHOTS=<dir> in the environment the pages' renders along the way are also saved as PNGs (make
screenshots)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = sorted((Path(__file__).parent / 'journeys').glob('*.journey.js'))


@pytest.mark.parametrize('journey', JOURNEYS, ids=[p.name.split('.')[0] for p in JOURNEYS])
def test_journey(journey, live_backend, control, fake_wechat, tmp_path):
    shots = os.environ.get('SCREENSHOTS')
    env = {**os.environ, 'BACKEND': live_backend, 'CONTROL': control, 'WECHAT': fake_wechat.url,
           'SHOTS_HTML': str(tmp_path / 'html') if shots else ''}
    result = subprocess.run(['node', '--test', '--test-reporter=spec', str(journey)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    if shots:
        _screenshots(tmp_path / 'html', ROOT / shots)


def _screenshots(html_dir: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={'width': 375, 'height': 812}, device_scale_factor=2)
        for html in sorted(html_dir.glob('*.html')):
            page.goto(html.as_uri())
            page.wait_for_load_state('networkidle')
            page.screenshot(path=str(out / f'{html.stem}.png'), full_page=False)
        browser.close()
