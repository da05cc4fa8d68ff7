"""Opening an uploaded workbook safely and reading its cells in every form Excel writes them."""

from __future__ import annotations

import io
import math
import re
import time
import zipfile
from datetime import date, datetime, timedelta

from miniapp_backend.inputs import InputRefused, clean_text

#: The archive gate applied before openpyxl decompresses anything (ASVS 5.2.3; openpyxl checks no sizes).
MAX_ENTRIES = 200
MAX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_RATIO = 100
#: Parts smaller than this may compress better than MAX_RATIO (a sheet of empty rows) without harm.
RATIO_FLOOR = 1024 * 1024
MAX_ROWS = 50_000
#: Columns read per row, whatever the sheet's <dimension> claims (a template has 14).
MAX_COLUMNS = 64
#: Text cells longer than this are refused (no column of ours holds more).
MAX_CELL = 255
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = ('%Y-%m-%d', '%Y/%m/%d', '%Y%m%d', '%Y.%m.%d', '%Y年%m月%d日')


class WorkbookRejected(ValueError):
    """The file is not a workbook we will read; `message` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_archive(data: bytes) -> None:
    """Refuse what is not an xlsx, and zip bombs, from the archive's directory alone."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise WorkbookRejected('文件不是有效的Excel工作簿（.xlsx）') from None
    names = {entry.filename for entry in entries}
    if '[Content_Types].xml' not in names or not any(name.startswith('xl/') for name in names):
        raise WorkbookRejected('文件不是有效的Excel工作簿（.xlsx）')
    total = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries) or 1
    # Each large part on its own too: an incompressible padding file beside a bomb (3.4 million shared strings in
    # 650 KB) kept the archive's ratio low while openpyxl spent 30 s and 400 MB on the strings.
    bomb = any(e.file_size > RATIO_FLOOR and e.file_size / (e.compress_size or 1) > MAX_RATIO for e in entries)
    if len(entries) > MAX_ENTRIES or total > MAX_UNCOMPRESSED or total / compressed > MAX_RATIO or bomb:
        raise WorkbookRejected('文件解压后过大或结构异常，请检查后重新上传')


class BudgetExceeded(WorkbookRejected):
    """The import ran out of its time budget."""


def data_rows(data: bytes, headers: list[str], deadline: float = math.inf) -> list[tuple[int, dict]]:
    """(Excel row number, {header: value}) for each non-empty data row, after the header row is checked.

    Read in one pass and held (at most MAX_ROWS rows), so that a sheet over the limit is refused before any row
    is applied and the rows are counted without decompressing and parsing the sheet a second time. The sheet's
    <dimension> is not trusted: a stale one (A1:F1) would hide every row, a lying one (A1:XFD1048576) would make
    openpyxl pad a billion empty cells. Rows are read as they are in the file, at most MAX_COLUMNS wide, and the
    time budget (a time.monotonic() deadline) is checked as they come.
    """
    from openpyxl import load_workbook  # loaded where a workbook is read, not by every web worker at start

    check_archive(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()
    except Exception:  # noqa: BLE001  (openpyxl raises many kinds for a damaged or hostile file)
        raise WorkbookRejected('无法读取该工作簿，请使用下载的模板重新填写') from None
    try:
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        header = [str(cell).strip() if cell is not None else '' for cell in next(rows, ())]
        missing = [name for name in headers if name not in header]
        if missing:
            raise WorkbookRejected('表头与模板不一致，缺少列：' + '、'.join(missing))
        positions = {name: header.index(name) for name in headers}
        found: list[tuple[int, dict]] = []
        for number, row in enumerate(rows, start=2):
            if number % 1000 == 0 and time.monotonic() > deadline:
                raise BudgetExceeded('读取工作簿超过时间上限，请删除多余的空行空列或拆分后上传')
            if not row or all(cell in (None, '') for cell in row):
                continue
            if len(found) == MAX_ROWS:
                raise WorkbookRejected(f'每次最多导入{MAX_ROWS}行，请拆分后上传')
            found.append(
                (number, {name: row[index] if index < len(row) else None for name, index in positions.items()})
            )
        return found
    except WorkbookRejected:
        raise
    except Exception:  # noqa: BLE001  (a damaged sheet fails mid-way, not only at open)
        raise WorkbookRejected('无法读取该工作簿，请使用下载的模板重新填写') from None
    finally:
        book.close()


class CellError(ValueError):
    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


#: Excel keeps 15 significant digits: a longer number typed into a cell (a voucher, an account) has lost its tail.
EXACT_DIGITS = 10**15


def _plain(column: str, value):
    """The cell's value when it is one a person typed: formulas (=…, array and table formulas, which openpyxl
    hands over as objects) and TRUE/FALSE are refused."""
    if isinstance(value, str) and value.startswith('='):
        raise CellError(column, '单元格不能使用公式，请填写数值')
    if isinstance(value, bool):
        raise CellError(column, '单元格内容为TRUE/FALSE，请填写文字或数字')
    if value is not None and not isinstance(value, str | int | float | date):
        raise CellError(column, '单元格不能使用公式，请填写数值')
    return value


def text(row: dict, column: str, required: bool = True) -> str | None:
    """A cell as text; formulas are refused, numbers lose the '.0' Excel gives them."""
    value = _plain(column, row.get(column))
    if isinstance(value, float) and not math.isfinite(value):
        raise CellError(column, '数值无效')
    if isinstance(value, int | float) and abs(value) >= EXACT_DIGITS:
        raise CellError(column, '数字超过15位，Excel已丢失末几位，请将该列设置为文本格式后重新填写')
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        value = '' if value is None else clean_text(str(value), max_length=MAX_CELL)
    except InputRefused as refused:
        raise CellError(column, refused.message) from None
    if required and not value:
        raise CellError(column, '必填')
    return value or None


def id_number(row: dict, column: str = '证件号码') -> str:
    value = row.get(column)
    if isinstance(value, (int, float)):
        # Stored as a number, an 18-digit ID has lost its last digits to floating point.
        raise CellError(column, '证件号码须设置为文本格式（数字格式会丢失末几位）')
    return text(row, column)


def day(row: dict, column: str, required: bool = True) -> date | None:
    """A date in any of Excel's forms: a date cell, a serial number, or text like 2026-12-01 / 20261201."""
    value = _plain(column, row.get(column))
    if value in (None, ''):
        if required:
            raise CellError(column, '必填')
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and 1 <= value < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(value))
    raw = re.sub(r'\s+', '', str(value))
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise CellError(column, '日期格式应为YYYY-MM-DD、YYYYMMDD或Excel日期')


def moment(row: dict, column: str) -> datetime:
    """A date-time cell (or a date) as a naive local time; the caller applies the time zone."""
    value = _plain(column, row.get(column))
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        for pattern in ('%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y/%m/%d %H:%M:%S'):
            try:
                return datetime.strptime(value.strip(), pattern)
            except ValueError:
                continue
    return datetime.combine(day(row, column), datetime.min.time())
