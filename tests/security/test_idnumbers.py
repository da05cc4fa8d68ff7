"""ID-number validation with real-format vectors of every kind, valid and invalid."""
from __future__ import annotations

from datetime import date

import pytest

from miniapp_backend.security.idnumbers import InvalidIdNumber, _mrz_check, check_digit, validate_id_number

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(('number', 'birth', 'sex'), [
    ('34052419800101001X', date(1980, 1, 1), 'M'),
    ('11010519491231002X', date(1949, 12, 31), 'F'),
    ('440308199901101512', date(1999, 1, 10), 'M'),
    ('330105197810270025', date(1978, 10, 27), 'F'),
])
def test_valid_resident_ids(number, birth, sex):
    info = validate_id_number('resident_id', number, today=TODAY)
    assert (info.number, info.birth_date, info.sex) == (number, birth, sex)


def test_lower_case_x_and_spaces_are_normalised():
    assert validate_id_number('resident_id', ' 34052419800101001x ', today=TODAY).number == '34052419800101001X'


@pytest.mark.parametrize('county', ['320219', '342101', '340421'])
def test_abolished_county_codes_are_accepted(county):
    first17 = f'{county}20040506123'
    assert validate_id_number('resident_id', first17 + check_digit(first17), today=TODAY).birth_date == date(2004, 5, 6)


@pytest.mark.parametrize(('id_type', 'number'), [
    ('hk_macau_permit', '810000199408230021'),
    ('taiwan_permit', '830000199201300022'),
])
def test_valid_residence_permits(id_type, number):
    assert validate_id_number(id_type, number, today=TODAY).number == number


def _valid(digits: str) -> str:
    """The first 17 digits with their correct check digit."""
    return digits[:17] + check_digit(digits[:17])


def _foreign_2017(body: str) -> str:
    return body + _mrz_check(body)


def test_valid_foreign_permanent_ids():
    info = validate_id_number('foreign_permanent', _foreign_2017('USA31000503151'), today=TODAY)
    assert (info.birth_date, info.sex) == (date(2005, 3, 15), 'M')
    first17 = '93184020050315010'
    info = validate_id_number('foreign_permanent', first17 + check_digit(first17), today=TODAY)
    assert (info.birth_date, info.sex) == (date(2005, 3, 15), 'F')


def test_mrz_check_digit_known_vector():
    # ICAO 9303's specimen document number L898902C3 has check digit 6.
    assert _mrz_check('L898902C3') == '6'


@pytest.mark.parametrize(('id_type', 'number', 'code'), [
    ('resident_id', '340524198001010011', 'check_digit'),
    ('resident_id', '34052419800101001', 'format'),
    ('resident_id', '3405241980010100AX', 'format'),
    ('resident_id', _valid('990524198001010011'), 'region'),
    ('resident_id', '810000199408230021', 'region'),
    ('resident_id', _valid('931840200503150107'), 'region'),
    ('hk_macau_permit', '34052419800101001X', 'region'),
    ('taiwan_permit', '810000199408230021', 'region'),
    ('foreign_permanent', 'USA310005031519', 'check_digit'),
    ('foreign_permanent', 'US3310005031510', 'format'),
    ('passport', '34052419800101001X', 'id_type'),
])
def test_invalid_numbers_say_why(id_type, number, code):
    with pytest.raises(InvalidIdNumber) as error:
        validate_id_number(id_type, number, today=TODAY)
    assert error.value.code == code
    assert error.value.message


@pytest.mark.parametrize('birth', ['20050230', '20271201', '18991231'])
def test_impossible_or_future_birth_dates(birth):
    first17 = f'340524{birth}123'
    with pytest.raises(InvalidIdNumber) as error:
        validate_id_number('resident_id', first17 + check_digit(first17), today=TODAY)
    assert error.value.code == 'birth_date'
