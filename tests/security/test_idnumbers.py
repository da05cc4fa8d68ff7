"""ID-number validation: real-format vectors of every kind, valid and invalid, and properties of the check digits."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from miniapp_backend.security.idnumbers import (
    ID_TYPES,
    PROVINCES,
    IdInfo,
    InvalidIdNumber,
    check_digit,
    mrz_check_digit,
    validate_id_number,
)

TODAY = date(2026, 11, 24)
CODES = {'format', 'check_digit', 'birth_date', 'region', 'id_type'}


def _valid(first17: str) -> str:
    """The first 17 digits with their correct MOD 11-2 check character."""
    return first17[:17] + check_digit(first17[:17])


def _refusal(id_type: str, number, today: date = TODAY) -> InvalidIdNumber:
    with pytest.raises(InvalidIdNumber) as error:
        validate_id_number(id_type, number, today=today)
    assert error.value.code in CODES and error.value.message
    return error.value


def test_id_types():
    assert ID_TYPES == ('resident_id', 'hk_macau_permit', 'taiwan_permit', 'foreign_permanent')


@pytest.mark.parametrize(
    ('number', 'birth', 'sex'),
    [
        ('34052419800101001X', date(1980, 1, 1), 'M'),
        ('11010519491231002X', date(1949, 12, 31), 'F'),
        ('440308199901101512', date(1999, 1, 10), 'M'),
        ('330105197810270025', date(1978, 10, 27), 'F'),
    ],
)
def test_valid_resident_ids(number, birth, sex):
    assert validate_id_number('resident_id', number, today=TODAY) == IdInfo('resident_id', number, birth, sex)


def test_check_digit_table_by_hand():
    # 3405241980010100: S = 3·7+4·9+0·10+5·5+2·8+4·4+1·2+9·1+8·6+0·3+0·7+1·9+0·10+1·5+0·8+0·4+1·2 = 189,
    # 189 mod 11 = 2 → X.
    assert check_digit('34052419800101001') == 'X'
    assert check_digit('44030819990110151') == '2'


@pytest.mark.parametrize(
    'bad', ['3405241980010100', '340524198001010011', '3405241980010100A', '３４０５２４１９８００１０１００１']
)
def test_check_digit_needs_17_ascii_digits(bad):
    with pytest.raises(ValueError):
        check_digit(bad)


@pytest.mark.parametrize(
    'typed',
    [
        '34052419800101001x',
        ' 34052419800101001X ',
        '340524 19800101 001x',
        '３４０５２４１９８００１０１００１ｘ',
        '34052419800101001X\u3000',
    ],
)
def test_typed_forms_are_normalised(typed):
    assert validate_id_number('resident_id', typed, today=TODAY).number == '34052419800101001X'


@pytest.mark.parametrize('county', ['320219', '342101', '340421', '513001', '370281'])
def test_abolished_county_codes_are_accepted(county):
    # 320219 (江阴县), 342101 (阜阳地区), 513001 (达县地区) and others left GB/T 2260 long ago; their holders remain.
    number = _valid(f'{county}20040506123')
    info = validate_id_number('resident_id', number, today=TODAY)
    assert (info.number, info.birth_date, info.sex) == (number, date(2004, 5, 6), 'M')


def test_birth_today_and_on_the_first_day_of_1900_are_accepted():
    assert validate_id_number('resident_id', _valid('34052420261124002'), today=TODAY).birth_date == TODAY
    assert validate_id_number('resident_id', _valid('34052419000101002'), today=TODAY).birth_date == date(1900, 1, 1)


def test_today_defaults_to_the_date_in_china():
    tomorrow = datetime.now(timezone(timedelta(hours=8))).date() + timedelta(days=1)
    assert _refusal('resident_id', _valid(f'340524{tomorrow:%Y%m%d}123'), today=None).code == 'birth_date'


@pytest.mark.parametrize(
    ('id_type', 'number', 'birth', 'sex'),
    [
        ('hk_macau_permit', '810000199408230021', date(1994, 8, 23), 'F'),
        ('hk_macau_permit', _valid('82000020040506123'), date(2004, 5, 6), 'M'),
        ('taiwan_permit', '830000199201300022', date(1992, 1, 30), 'F'),
    ],
)
def test_valid_residence_permits(id_type, number, birth, sex):
    assert validate_id_number(id_type, number, today=TODAY) == IdInfo(id_type, number, birth, sex)


def test_mrz_check_digit_known_vectors():
    # ICAO 9303 part 3 specimen: document number L898902C3 has check digit 6, birth date 740812 has 2.
    assert mrz_check_digit('L898902C3') == '6'
    assert mrz_check_digit('740812') == '2'
    with pytest.raises(ValueError):
        mrz_check_digit('usa')


def test_foreign_permanent_2017_form_worked_by_hand():
    # U S A 3 1 0 0 0 5 0 3 1 5 1 → 30 28 10 3 1 0 0 0 5 0 3 1 5 1, weights 7 3 1 repeating:
    # 210+84+10+21+3+0+0+0+5+0+9+1+35+3 = 381 → check digit 1.
    info = validate_id_number('foreign_permanent', 'USA310005031511', today=TODAY)
    assert info == IdInfo('foreign_permanent', 'USA310005031511', date(2005, 3, 15), 'M')
    assert validate_id_number('foreign_permanent', 'usa310005031511', today=TODAY).number == 'USA310005031511'


def test_foreign_permanent_2023_form_worked_by_hand():
    # 9 31 840 20050315 01 0: Σ aᵢ·Wᵢ = 257, 257 mod 11 = 4 → check character 8.
    info = validate_id_number('foreign_permanent', '931840200503150108', today=TODAY)
    assert info == IdInfo('foreign_permanent', '931840200503150108', date(2005, 3, 15), 'F')


@pytest.mark.parametrize(
    ('body', 'birth', 'sex'),
    [
        ('GBR1100991231', date(1999, 12, 31), 'F'),
        ('JPN4403261124', date(2026, 11, 24), 'M'),
        ('KOR5300261125', date(1926, 11, 25), 'F'),  # 2026-11-25 would be tomorrow, so the year is 1926
        ('DEU3200000229', date(2000, 2, 29), 'F'),
    ],
)
def test_foreign_permanent_2017_century(body, birth, sex):
    sex_digit = '1' if sex == 'M' else '2'
    number = body + sex_digit + mrz_check_digit(body + sex_digit)
    assert validate_id_number('foreign_permanent', number, today=TODAY) == IdInfo(
        'foreign_permanent', number, birth, sex
    )


@pytest.mark.parametrize(
    ('id_type', 'number', 'code'),
    [
        # resident IDs
        ('resident_id', '340524198001010011', 'check_digit'),
        ('resident_id', '34052419800101001', 'format'),
        ('resident_id', '34052419800101001X1', 'format'),
        ('resident_id', '340524800101001', 'format'),  # legacy 15-digit form
        ('resident_id', '3405241980010100AX', 'format'),
        ('resident_id', 'X40524198001010011', 'format'),
        ('resident_id', '34052419800101001Y', 'format'),
        ('resident_id', '٣٤٠٥٢٤١٩٨٠٠١٠١٠٠١X', 'format'),  # Arabic-Indic digits are digits to `\d`, not to us
        ('resident_id', '', 'format'),
        ('resident_id', None, 'format'),
        ('resident_id', 34052419800101001, 'format'),
        ('resident_id', _valid('99052419800101001'), 'region'),
        ('resident_id', _valid('71000019800101001'), 'region'),
        ('resident_id', _valid('00000019800101001'), 'region'),
        ('resident_id', '810000199408230021', 'region'),
        ('resident_id', _valid('82000020040506123'), 'region'),
        ('resident_id', '830000199201300022', 'region'),
        ('resident_id', '931840200503150108', 'region'),
        ('resident_id', _valid('34052420050230123'), 'birth_date'),
        ('resident_id', _valid('34052420051301123'), 'birth_date'),
        ('resident_id', _valid('34052420261125123'), 'birth_date'),
        ('resident_id', _valid('34052418991231123'), 'birth_date'),
        ('resident_id', _valid('34052400000101123'), 'birth_date'),
        # residence permits
        ('hk_macau_permit', '34052419800101001X', 'region'),
        ('hk_macau_permit', '830000199201300022', 'region'),
        ('hk_macau_permit', _valid('81010019940823002'), 'region'),
        ('hk_macau_permit', '810000199408230022', 'check_digit'),
        ('hk_macau_permit', _valid('81000020270101002'), 'birth_date'),
        ('taiwan_permit', '810000199408230021', 'region'),
        ('taiwan_permit', _valid('71000019920130002'), 'region'),
        ('taiwan_permit', '83000019920130002', 'format'),
        # foreigners' permanent residence IDs
        ('foreign_permanent', 'USA310005031510', 'check_digit'),
        ('foreign_permanent', 'US3310005031510', 'format'),
        ('foreign_permanent', 'USA31000503151', 'format'),
        ('foreign_permanent', '34052419800101001X', 'format'),
        ('foreign_permanent', '931840200503150107', 'check_digit'),
        ('foreign_permanent', _valid('99184020050315010'), 'region'),
        ('foreign_permanent', _valid('93184020050230010'), 'birth_date'),
        ('foreign_permanent', _valid('93184020270101010'), 'birth_date'),
        # the type itself
        ('passport', '34052419800101001X', 'id_type'),
        ('', '34052419800101001X', 'id_type'),
    ],
)
def test_invalid_numbers_say_why(id_type, number, code):
    assert _refusal(id_type, number).code == code


@pytest.mark.parametrize(
    ('body', 'code'),
    [
        ('USA9900050315', 'region'),  # region of issue 99xx
        ('USA3100050230', 'birth_date'),  # 30 February in both centuries
        ('USA3100051301', 'birth_date'),
    ],
)
def test_invalid_foreign_2017_with_good_check_digits(body, code):
    number = body + '1' + mrz_check_digit(body + '1')
    assert _refusal('foreign_permanent', number).code == code


def test_messages_are_chinese_and_name_the_document():
    assert _refusal('resident_id', '340524198001010011').message == '身份证号码校验位不正确，请核对'
    assert '居住证' in _refusal('resident_id', '810000199408230021').message
    assert '外国人永久居留身份证' in _refusal('resident_id', '931840200503150108').message
    assert '810000或820000' in _refusal('hk_macau_permit', '34052419800101001X').message
    assert '830000' in _refusal('taiwan_permit', '810000199408230021').message
    assert '出生日期' in _refusal('resident_id', _valid('34052420050230123')).message


def test_messages_never_echo_the_number():
    for number in ('340524198001010011', _valid('34052420050230123'), _valid('99052419800101001')):
        assert number[6:14] not in _refusal('resident_id', number).message


@st.composite
def resident_ids(draw) -> str:
    province = draw(st.sampled_from(sorted(PROVINCES)))
    county = draw(st.from_regex(r'[0-9]{4}', fullmatch=True))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.from_regex(r'[0-9]{3}', fullmatch=True))
    return _valid(f'{province}{county}{birth:%Y%m%d}{sequence}')


@given(resident_ids())
def test_every_well_formed_resident_id_is_accepted(number):
    info = validate_id_number('resident_id', number, today=TODAY)
    assert info.number == number
    assert info.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert info.sex == ('M' if int(number[16]) % 2 else 'F')


@given(resident_ids(), st.integers(0, 17), st.sampled_from('0123456789X'))
def test_any_single_character_substitution_is_refused(number, position, replacement):
    # MOD 11-2 catches every single substitution, whatever else the altered number happens to satisfy.
    if number[position] == replacement or (replacement == 'X' and position < 17):
        return
    altered = number[:position] + replacement + number[position + 1 :]
    _refusal('resident_id', altered)


@given(resident_ids(), st.integers(0, 16))
def test_any_adjacent_transposition_is_refused(number, position):
    if number[position] == number[position + 1]:
        return
    altered = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    _refusal('resident_id', altered)


@given(st.sampled_from(ID_TYPES + ('unknown',)), st.text(max_size=30))
def test_arbitrary_text_is_refused_with_a_reason_never_an_exception(id_type, text):
    try:
        info = validate_id_number(id_type, text, today=TODAY)
    except InvalidIdNumber as error:
        assert error.code in CODES and error.message
    else:
        assert info.number.isascii() and len(info.number) in (15, 18)
