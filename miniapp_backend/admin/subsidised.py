"""资助名单: the subsidised list with search and export, mismatches with declarations marked."""

from __future__ import annotations

from flask import g, render_template, request

from miniapp_backend.admin import bp, list_filters
from miniapp_backend.admin.exports import xlsx_download
from miniapp_backend.enrolment.reports import subsidised as rules
from miniapp_backend.enrolment.reports.workbooks import workbook_bytes
from miniapp_backend.security.masking import mask_id_number
from schemas.admin import SubsidisedFilter


@bp.get('/subsidised')
def subsidised():
    year = g.reviewer.zone.year
    filters = list_filters(SubsidisedFilter())
    term, only = filters['q'], filters['mismatch'] == '1'
    lines = rules.lines(g.reviewer, year, term, only)
    if request.args.get('format') == 'xlsx':
        rows = [
            (
                _name(line),
                _masked(line),
                line.person.category.label if line.person else '',
                line.person.source if line.person else '',
                line.registration.student_no if line.registration else '',
                line.registration.status.label if line.registration else '未登记',
                line.mismatch,
            )
            for line in lines
        ]
        return xlsx_download(
            workbook_bytes(
                '资助名单', ['姓名', '证件号码', '名单类别', '认定部门', '学号', '登记状态', '不一致'], rows
            ),
            '资助名单',
        )
    return render_template(
        'admin/subsidised.html',
        lines=lines,
        year=year,
        name=_name,
        masked=_masked,
        mismatches=sum(1 for line in lines if line.mismatch),
    )


def _name(line: rules.Line) -> str:
    return (line.person.name if line.person and line.person.name else '') or (
        line.registration.name if line.registration else ''
    )


def _masked(line: rules.Line) -> str:
    number = (line.person.id_number if line.person else None) or (
        line.registration.id_number if line.registration else ''
    )
    return mask_id_number(number) if number else ''
