"""Exports of any list as xlsx, written in openpyxl's write-only mode, personal data masked."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from miniapp_backend.enrolment import labels
from miniapp_backend.extensions import db
from miniapp_backend.models import Registration, Zone
from miniapp_backend.models.enums import RegistrationStatus
from miniapp_backend.security.masking import mask_id_number, mask_phone

REGISTRATION_HEADERS = ['编号', '姓名', '证件号码', '手机号码', '学号', '学院', '班级', '状态', '审核环节']


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet: a header row, then the rows (streamed, so 100,000 rows stay small in memory)."""
    from openpyxl import Workbook  # loaded where a workbook is written, not by every web worker at start

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def registrations_workbook(query: sa.Select) -> bytes:
    """The registrations a query selects, masked, as a workbook."""
    return workbook_bytes('参保登记', REGISTRATION_HEADERS, registration_rows(query))


def registration_rows(query: sa.Select) -> Iterable[Sequence]:
    """The registrations a query selects, masked: only the exported columns are loaded (so only the ID number and
    phone are decrypted), streamed from the database in batches."""
    columns = (
        Registration.id,
        Registration.name,
        Registration.id_number,
        Registration.phone,
        Registration.student_no,
        Registration.college,
        Registration.class_name,
        Registration.status,
        Registration.stage,
        Registration.zone_id,
    )
    result = db.session.execute(
        query.with_only_columns(*columns).order_by(Registration.id).execution_options(yield_per=2000)
    )
    zones: dict = {}
    return (
        (
            id_,
            name,
            mask_id_number(id_number),
            mask_phone(phone),
            student_no,
            college,
            class_name,
            RegistrationStatus(status).label,
            _stage_name(zones, zone_id, stage),
        )
        for id_, name, id_number, phone, student_no, college, class_name, status, stage, zone_id in result
    )


def _stage_name(zones: dict, zone_id: int, stage: str | None) -> str:
    """The stage by the zone's own name for it (each zone read once), never its code."""
    if zone_id not in zones:
        zones[zone_id] = db.session.get(Zone, zone_id)
    return labels.stage_name(zones[zone_id], stage)


def safe_cell(value):
    # A cell starting with '=' would be a formula in the reader's spreadsheet (CSV/formula injection).
    if isinstance(value, str) and value[:1] in ('=', '+', '-', '@'):
        return "'" + value
    return value
