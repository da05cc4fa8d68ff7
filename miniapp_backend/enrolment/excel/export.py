"""Exports of any list as xlsx, written in openpyxl's write-only mode, personal data masked."""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet: a header row, then the rows (streamed, so 100,000 rows stay small in memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_safe(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(value):
    # A cell starting with '=' would be a formula in the reader's spreadsheet (CSV/formula injection).
    if isinstance(value, str) and value[:1] in ('=', '+', '-', '@'):
        return "'" + value
    return value
