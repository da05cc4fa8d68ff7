"""One commit point (DESIGN §2.1): requests, jobs and commands end in unit_of_work; sweeps call commit_batch()."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMIT_POINT = ROOT / 'miniapp_backend' / 'unit_of_work.py'


def test_only_the_unit_of_work_module_calls_commit():
    calls = [
        f'{path.relative_to(ROOT)}:{number}'
        for folder in ('miniapp_backend', 'workers')
        for path in sorted((ROOT / folder).rglob('*.py'))
        if path != COMMIT_POINT
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r'\.commit\(\)', line.split('#', 1)[0])
    ]
    assert calls == []
    assert '.commit()' in COMMIT_POINT.read_text()
