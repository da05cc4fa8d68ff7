"""Imports run downward only (DESIGN §2): the rules and what they stand on never import the layers above them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABOVE = ('miniapp_backend.api', 'miniapp_backend.admin', 'workers', 'schemas', 'miniapp_backend.cli')
BELOW = ('enrolment', 'models', 'security', 'gateways', 'wechat')


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f'{node.module}.{alias.name}' for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_nothing_below_imports_what_is_above_it():
    upward = [
        (str(path.relative_to(ROOT)), name)
        for package in BELOW
        for path in sorted((ROOT / 'miniapp_backend' / package).rglob('*.py'))
        for name in _imports(path)
        if name.startswith(ABOVE) or name in ('flask.request',)
    ]
    assert upward == []
