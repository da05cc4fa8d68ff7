"""Identity numbers: resident IDs (GB 11643), HK/Macau/Taiwan residence permits, foreigners' permanent residence IDs.

Only the province prefix and the birth date are checked, never the 6-digit county code against today's GB/T 2260
list: real ID numbers keep codes of counties that were merged or renamed long ago.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

ID_TYPES = ('resident_id', 'hk_macau_permit', 'taiwan_permit', 'foreign_permanent')

#: Province-level prefixes of GB/T 2260 (mainland only; 71 Taiwan, 81/82 HK/Macau are not resident IDs).
PROVINCES = frozenset({
    '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
    '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
})
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = '10X98765432'
_PERMIT_CODES = {'hk_macau_permit': ('810000', '820000'), 'taiwan_permit': ('830000',)}
_EIGHTEEN = re.compile(r'^\d{17}[\dX]$')
_FOREIGN_2017 = re.compile(r'^[A-Z]{3}\d{12}$')


@dataclass(frozen=True)
class IdInfo:
    id_type: str
    number: str
    birth_date: date
    sex: str  # 'M' or 'F'


class InvalidIdNumber(ValueError):
    """Why a number is refused: `code` for programs, `message` in Chinese for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS)) % 11]


def validate_id_number(id_type: str, number: str, *, today: date | None = None) -> IdInfo:
    """Validate a number of the declared type; raises InvalidIdNumber with the reason."""
    if id_type not in ID_TYPES:
        raise InvalidIdNumber('id_type', '证件类型不正确')
    number = re.sub(r'\s+', '', number or '').upper()
    today = today or date.today()
    if id_type == 'foreign_permanent':
        return _foreign(number, today)
    _eighteen(number, '证件号码')
    prefix = number[:6]
    if id_type == 'resident_id':
        if number[:2] not in PROVINCES:
            raise InvalidIdNumber('region', '身份证号码的地区码不正确')
    elif prefix not in _PERMIT_CODES[id_type]:
        raise InvalidIdNumber('region', '居住证号码应以' + '或'.join(_PERMIT_CODES[id_type]) + '开头')
    birth = _birth(number[6:14], today)
    return IdInfo(id_type, number, birth, 'M' if int(number[16]) % 2 else 'F')


def _eighteen(number: str, label: str) -> None:
    if not _EIGHTEEN.match(number):
        raise InvalidIdNumber('format', f'{label}应为18位，前17位为数字，最后一位为数字或大写X')
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber('check_digit', f'{label}校验位不正确，请核对')


def _birth(digits: str, today: date) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber('birth_date', '证件号码中的出生日期不存在') from None
    if birth > today or birth.year < 1900:
        raise InvalidIdNumber('birth_date', '证件号码中的出生日期不合理')
    return birth


def _foreign(number: str, today: date) -> IdInfo:
    if number.startswith('9') and len(number) == 18:
        # 2023 form: 9 + province of issue (2) + nationality (3) + YYYYMMDD + sequence (2) + sex (1) + check.
        _eighteen(number, '永久居留身份证号码')
        if number[1:3] not in PROVINCES:
            raise InvalidIdNumber('region', '永久居留身份证号码的受理地代码不正确')
        return IdInfo('foreign_permanent', number, _birth(number[6:14], today), _sex(number[16]))
    if not _FOREIGN_2017.match(number):
        raise InvalidIdNumber('format', '永久居留身份证号码应为15位（3位字母+12位数字）或以9开头的18位')
    if number[3:5] not in PROVINCES:
        raise InvalidIdNumber('region', '永久居留身份证号码的受理地代码不正确')
    if _mrz_check(number[:14]) != number[14]:
        raise InvalidIdNumber('check_digit', '永久居留身份证号码校验位不正确，请核对')
    yy = int(number[7:9])
    century = 2000 if 2000 + yy <= today.year else 1900
    return IdInfo('foreign_permanent', number, _birth(f'{century + yy}{number[9:13]}', today), _sex(number[13]))


def _mrz_check(chars: str) -> str:
    """ICAO 9303 (MRZ) 7-3-1 check digit, letters counted A=10 … Z=35, as the 2017 card uses."""
    total = 0
    for position, char in enumerate(chars):
        value = int(char) if char.isdigit() else ord(char) - ord('A') + 10
        total += value * (7, 3, 1)[position % 3]
    return str(total % 10)


def _sex(digit: str) -> str:
    return 'M' if int(digit) % 2 else 'F'
