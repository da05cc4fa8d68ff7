"""The repository explains itself: README → docs/DESIGN.md → code, every "DESIGN §n" resolves, nothing points out."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / 'docs' / 'DESIGN.md'
IDENTITY = ROOT / 'docs' / 'IDENTITY.md'


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [
        ROOT / name
        for name in names
        if name.endswith(('.py', '.md', '.js', '.json', '.cfg', '.toml', '.html', '.wxml', 'Makefile', 'Procfile'))
    ]


def _sections(path: Path = DESIGN) -> set[str]:
    text = path.read_text()
    found = set(re.findall(r'^#{2,3} (\d+(?:\.\d+)?)\.? ', text, flags=re.M))
    if path == DESIGN:
        journey = text.split('## 1.', 1)[1].split('## 2.', 1)[0]
        found |= {f'1.{n}' for n in re.findall(r'^(\d+)\. ', journey, flags=re.M)}
    return found


def test_every_design_reference_names_a_section_of_docs_design():
    sections = _sections()
    assert {'1', '2', '2.1', '3', '3.4', '4', '5', '6', '7', '8', '9'} <= sections
    references = []
    for path in _tracked_text_files():
        for match in re.finditer(
            r'DESIGN(?:\.md)? (§[\d.]+(?:(?:, | and )§?[\d.]+)*)', path.read_text(errors='ignore')
        ):
            references += [(path.name, ref.rstrip('.')) for ref in re.findall(r'\d+(?:\.\d+)?', match.group(1))]
    assert references, 'the code cites the design'
    assert [ref for ref in references if ref[1] not in sections] == []


def test_the_readme_leads_to_the_design_and_nothing_points_outside_the_repository():
    assert '(docs/DESIGN.md)' in (ROOT / 'README.md').read_text()
    # Spelled in parts so this file does not match itself.
    outside_paths = re.compile(re.escape('..' + '/shared') + '|' + re.escape('/work' + '/shared'))
    outside = [
        path.relative_to(ROOT)
        for path in _tracked_text_files()
        if outside_paths.search(path.read_text(errors='ignore'))
    ]
    assert outside == []


def test_every_section_sign_inside_the_docs_resolves():
    """A bare "§n" in DESIGN.md is one of its own sections; "[IDENTITY.md](IDENTITY.md) §n" one of that file's."""
    design, identity = _sections(), _sections(IDENTITY)
    assert {'1', '2', '3', '4'} <= identity
    unresolved = []
    for path in (DESIGN, IDENTITY):
        for match in re.finditer(r'(\[?IDENTITY\.md\]?(?:\(IDENTITY\.md\))? )?§(\d+(?:\.\d+)?)', path.read_text()):
            into = identity if match.group(1) or path == IDENTITY else design
            if match.group(2) not in into:
                unresolved.append((path.name, match.group(0)))
    assert unresolved == []


def test_every_package_says_what_it_holds():
    names = subprocess.run(['git', 'ls-files', '*__init__.py'], cwd=ROOT, capture_output=True, text=True, check=True)
    silent = [name for name in names.stdout.split() if not ast.get_docstring(ast.parse((ROOT / name).read_text()))]
    assert names.stdout and silent == []


def test_every_guide_the_code_cites_is_described_in_the_design():
    """ "seed 001's 现金缴费" names one of the user guides §1 describes, not a file only some machine has."""
    described = set(re.findall(r'^\| seed (\d{3}) \|', DESIGN.read_text(), flags=re.M))
    cited = {
        number
        for path in _tracked_text_files()
        for group in re.findall(r'seeds? ((?:\d{3}(?:/| and |, )?)+)', path.read_text(errors='ignore'), flags=re.I)
        for number in re.findall(r'\d{3}', group)
    }
    assert cited and described and cited <= described
