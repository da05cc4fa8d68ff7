"""Import templates: a dropdown on every enumerated column (民族 by GB 3304, the zone's schools, reasons), kept on a
hidden sheet, and a 说明 sheet; values picked from the dropdowns import as they are."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob, Registration
from tests.admin.test_imports import upload
from tests.factories import make_id_number


def _dropdowns(book) -> dict[str, list[str]]:
    sheet, options = book['导入数据'], book['选项']
    headers = [cell.value for cell in sheet[1]]
    found = {}
    for validation in sheet.data_validations.dataValidation:
        column = str(validation.sqref).split(':')[0].rstrip('0123456789')
        ref = validation.formula1.split('!')[1].replace('$', '')
        start, end = ref.split(':')
        found[headers[ord(column) - ord('A')]] = [c.value for (c,) in options[start:end]]
    return found


def test_every_enumerated_column_has_its_dropdown_and_the_guide_explains_each(admin, zone):
    book = load_workbook(io.BytesIO(admin.get('/admin/imports/templates/registrations.xlsx').data))
    assert book.sheetnames == ['导入数据', '说明', '选项'] and book['选项'].sheet_state == 'hidden'
    dropdowns = _dropdowns(book)
    assert set(dropdowns) == {'证件类型', '民族', '婚姻状况', '学校代码', '特殊身份'}
    assert len(dropdowns['民族']) == 58 and dropdowns['民族'][:2] == ['01-汉族', '02-蒙古族']
    assert dropdowns['学校代码'] == [f'{s.code}-{s.name}' for s in zone.schools]
    guide = {row[0]: row[1] for row in book['说明'].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(KINDS['registrations'].headers) <= set(guide) and all(guide[h] for h in KINDS['registrations'].headers)
    suspensions = _dropdowns(load_workbook(io.BytesIO(admin.get('/admin/imports/templates/suspensions.xlsx').data)))
    assert '参加职工医保' in suspensions['暂停原因']
    roster = _dropdowns(load_workbook(io.BytesIO(admin.get('/admin/imports/templates/school_roster.xlsx').data)))
    assert roster['学校'] == [s.name for s in zone.schools] and roster['学习形式'] == ['全日制', '非全日制']


def test_values_picked_from_the_dropdowns_import(admin, zone):
    book = load_workbook(io.BytesIO(admin.get('/admin/imports/templates/registrations.xlsx').data))
    dropdowns = _dropdowns(book)
    sheet = book['导入数据']
    sheet.append(
        [
            '李雷',
            dropdowns['证件类型'][0],
            make_id_number(),
            dropdowns['民族'][2],
            dropdowns['婚姻状况'][0],
            '13912345678',
            '宣城市宣州区',
            '淮南市田家庵区',
            '340403',
            dropdowns['学校代码'][0],
            '2024001',
            '计算机与信息学院',
            '计算机22-1班',
            dropdowns['特殊身份'][0],
        ]
    )
    out = io.BytesIO()
    book.save(out)
    upload(admin, 'registrations', out.getvalue())
    runner.run(db.session.scalars(sa.select(ImportJob)).one().id)
    db.session.expire_all()
    registration = db.session.scalars(sa.select(Registration)).one()
    assert (registration.ethnicity, registration.school_id) == ('03', zone.schools[0].id)
