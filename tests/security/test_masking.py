"""Masking: exact outputs for the fields the API, admin page and exports show."""

from __future__ import annotations

import pytest

from miniapp_backend.security.masking import mask_address, mask_bank_account, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ('value', 'masked'),
    [
        ('371324199901011424', '371324********1424'),
        ('34052419800101001X', '340524********001X'),
        ('USA310005031511', 'USA310*****1511'),
        ('12345678', '******78'),
        ('12', '**'),
        ('', ''),
        (None, None),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ('value', 'masked'),
    [
        ('13912345205', '139****5205'),
        ('056312345678', '056*****5678'),
        ('1234567', '*****67'),
        ('', ''),
        (None, None),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ('value', 'masked'),
    [
        ('6217000012345678901', '***************8901'),
        ('6217 0000 1234 5678 901', '***************8901'),
        ('1234', '****'),
        (None, None),
    ],
)
def test_mask_bank_account(value, masked):
    assert mask_bank_account(value) == masked


@pytest.mark.parametrize(
    ('value', 'masked'),
    [
        ('张三丰', '张*丰'),
        ('张三', '张*'),
        ('欧阳娜娜', '欧**娜'),
        ('张', '*'),
        (' 张三 ', '张*'),
        ('买买提·艾力', '买****力'),
        ('', ''),
        (None, None),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ('value', 'masked'),
    [
        ('安徽省宣城市宣州区薰化路301号', '安徽省宣城市****'),
        ('云南省', '云南省****'),
        ('', ''),
        (None, None),
    ],
)
def test_mask_address(value, masked):
    assert mask_address(value) == masked
