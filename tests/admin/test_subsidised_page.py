"""资助名单 page: the list with its registrations, search, export, and disagreements with declarations."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import load_workbook

from miniapp_backend.enrolment.imports import runner
from miniapp_backend.enrolment.imports.importers import KINDS
from miniapp_backend.extensions import db
from miniapp_backend.models import ImportJob
from tests.admin.test_imports import upload, workbook
from tests.factories import make_id_number


def test_list_search_export_and_mismatches(admin, zone, create_student, create_registration):
    agreeing, undeclared, unregistered, differs = (make_id_number() for _ in range(4))
    rows = [
        ['甲', '居民身份证', agreeing, '低保对象', '民政局'],
        ['乙', '居民身份证', undeclared, '特困人员', '民政局'],
        ['丙', '居民身份证', unregistered, '孤儿', '民政局'],
        ['丁', '居民身份证', differs, '残疾人', '残联'],
    ]
    upload(admin, 'subsidised', workbook(KINDS['subsidised'].headers, rows))
    runner.run(db.session.scalars(sa.select(ImportJob)).one().id)
    create_registration(
        create_student(),
        zone,
        status='submitted',
        id_number=agreeing,
        name='甲',
        special_identity='subsistence_allowance',
    )
    create_registration(create_student(), zone, status='submitted', id_number=undeclared, name='乙')
    create_registration(
        create_student(), zone, status='submitted', id_number=differs, name='丁', special_identity='orphan'
    )
    claims = create_registration(create_student(), zone, status='submitted', name='戊', special_identity='disability')
    page = admin.get('/admin/subsidised').text
    assert '在资助名单（特困人员）中，但登记未申报特殊身份' in page
    assert '自报“孤儿”，名单为“残疾人”' in page and '自报“残疾人”，但不在资助名单中' in page
    assert page.count('class="mismatch"') == 3 and '未登记' in page and agreeing not in page
    only = admin.get('/admin/subsidised?mismatch=1').text
    assert '甲' not in only.split('id="subsidised"')[1] and '戊' in only
    assert '丙' in admin.get(f'/admin/subsidised?q={unregistered}').text
    assert claims.name not in admin.get('/admin/subsidised?q=丙').text.split('id="subsidised"')[1]
    export = list(load_workbook(io.BytesIO(admin.get('/admin/subsidised?format=xlsx').data)).active.values)
    assert export[0][0] == '姓名' and len(export) == 6 and all('********' in r[1] for r in export[1:])
