"""Identity numbers: resident IDs (GB 11643), HK/Macau/Taiwan residence permits, foreigners' permanent residence IDs.

Only the province prefix and the birth date are checked, never the 6-digit county code against today's GB/T 2260
list: real ID numbers keep the codes of counties that were merged or renamed long ago.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

ID_TYPES = ('resident_id', 'hk_macau_permit', 'taiwan_permit', 'foreign_permanent')

#: Province-level prefixes of GB/T 2260 on the mainland (71 Taiwan and 81/82/83 are never a resident ID's prefix).
PROVINCES = frozenset(
    {
        '11',
        '12',
        '13',
        '14',
        '15',
        '21',
        '22',
        '23',
        '31',
        '32',
        '33',
        '34',
        '35',
        '36',
        '37',
        '41',
        '42',
        '43',
        '44',
        '45',
        '46',
        '50',
        '51',
        '52',
        '53',
        '54',
        '61',
        '62',
        '63',
        '64',
        '65',
    }
)
PERMIT_PREFIXES = {'hk_macau_permit': ('810000', '820000'), 'taiwan_permit': ('830000',)}

_LABELS = {
    'resident_id': '身份证号码',
    'hk_macau_permit': '港澳居民居住证号码',
    'taiwan_permit': '台湾居民居住证号码',
    'foreign_permanent': '外国人永久居留身份证号码',
}
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = '10X98765432'
# Character classes are spelled out: `\d` would also match Arabic-Indic and other Unicode digits.
_EIGHTEEN = re.compile(r'[0-9]{17}[0-9X]')
_FOREIGN_2017 = re.compile(r'[A-Z]{3}[0-9]{12}')
_FOREIGN_2023 = re.compile(r'9[0-9]{16}[0-9X]')
_EARLIEST_BIRTH = date(1900, 1, 1)
# Birth dates are calendar dates in China (UTC+8 all year), whatever zone the server runs in.
_CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class IdInfo:
    """A validated number in its stored form, with what it says about its holder."""

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
    """The ISO 7064 MOD 11-2 check character of 17 digits (GB 11643; 'X' stands for 10)."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError('check_digit() needs exactly 17 ASCII digits')
    return _CHECK_CHARS[sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True)) % 11]


def mrz_check_digit(chars: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating, digits at face value, A=10 … Z=35, sum mod 10."""
    total = 0
    for position, char in enumerate(chars):
        if char.isascii() and char.isdigit():
            value = int(char)
        elif 'A' <= char <= 'Z':
            value = ord(char) - ord('A') + 10
        else:
            raise ValueError(f'mrz_check_digit() cannot weigh {char!r}')
        total += value * (7, 3, 1)[position % 3]
    return str(total % 10)


def normalise(number: str) -> str:
    """The stored form of a typed number: full-width characters folded, whitespace dropped, upper-case."""
    return ''.join(unicodedata.normalize('NFKC', number).split()).upper()


def validate_id_number(id_type: str, number: str, *, today: date | None = None) -> IdInfo:
    """Validate a number of the declared type and derive birth date and sex; raises InvalidIdNumber."""
    if id_type not in ID_TYPES:
        raise InvalidIdNumber('id_type', '证件类型应为居民身份证、港澳居民居住证、台湾居民居住证或外国人永久居留身份证')
    if not isinstance(number, str):
        raise InvalidIdNumber('format', f'请填写{_LABELS[id_type]}')
    number = normalise(number)
    today = today or datetime.now(_CHINA).date()
    if id_type == 'foreign_permanent':
        return _foreign(number, today)
    return _gb11643(id_type, number, today)


def _gb11643(id_type: str, number: str, today: date) -> IdInfo:
    label = _LABELS[id_type]
    if not _EIGHTEEN.fullmatch(number):
        raise InvalidIdNumber('format', f'{label}应为18位，前17位为数字，最后一位为数字或大写X')
    _require_check_digit(number, label)
    if id_type == 'resident_id':
        _require_province(number)
    elif number[:6] not in PERMIT_PREFIXES[id_type]:
        raise InvalidIdNumber('region', f'{label}应以{"或".join(PERMIT_PREFIXES[id_type])}开头')
    return IdInfo(id_type, number, _birth(number[6:14], today, label), _sex(number[16]))


def _require_province(number: str) -> None:
    # Permit holders and foreigners often pick 居民身份证 by mistake: tell them which type their number is.
    if number[:6] in ('810000', '820000', '830000'):
        raise InvalidIdNumber('region', '该号码是港澳台居民居住证号码，请将证件类型选为对应的居住证')
    if number[0] == '9' and number[1:3] in PROVINCES:
        raise InvalidIdNumber('region', '该号码是外国人永久居留身份证号码，请将证件类型选为外国人永久居留身份证')
    if number[:2] not in PROVINCES:
        raise InvalidIdNumber('region', '身份证号码前两位的省份代码不正确')


def _require_check_digit(number: str, label: str) -> None:
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber('check_digit', f'{label}校验位不正确，请核对')


def _foreign(number: str, today: date) -> IdInfo:
    label = _LABELS['foreign_permanent']
    if _FOREIGN_2023.fullmatch(number):
        # 2023 card: 9, province of issue (2), ISO 3166-1 numeric nationality (3), YYYYMMDD, sequence (2), sex, check.
        _require_check_digit(number, label)
        if number[1:3] not in PROVINCES:
            raise InvalidIdNumber('region', f'{label}第2、3位的受理地省份代码不正确')
        return IdInfo('foreign_permanent', number, _birth(number[6:14], today, label), _sex(number[16]))
    if not _FOREIGN_2017.fullmatch(number):
        raise InvalidIdNumber('format', f'{label}应为15位（3位国籍字母+12位数字），或以9开头的18位')
    # 15-character card: ISO 3166-1 alpha-3 nationality, region of issue (4), YYMMDD, sex, check. The check digit is
    # ICAO 9303's 7-3-1 over the first 14 characters, as in howardli/CredentialKit
    # (ForeignerPermanentResidenceIdNumberProcessor + CheckDigitUtil.getMachineReadablePassportCodeCheckDigit);
    # that is the only public implementation found, the issuing standard itself was not available to check.
    if mrz_check_digit(number[:14]) != number[14]:
        raise InvalidIdNumber('check_digit', f'{label}校验位不正确，请核对')
    if number[3:5] not in PROVINCES:
        raise InvalidIdNumber('region', f'{label}第4–7位的受理地代码不正确')
    return IdInfo('foreign_permanent', number, _birth_yymmdd(number[7:13], today, label), _sex(number[13]))


def _birth(digits: str, today: date, label: str) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber('birth_date', f'{label}中的出生日期不存在，请核对') from None
    if birth > today:
        raise InvalidIdNumber('birth_date', f'{label}中的出生日期晚于今天，请核对')
    if birth < _EARLIEST_BIRTH:
        raise InvalidIdNumber('birth_date', f'{label}中的出生日期早于1900年，请核对')
    return birth


def _birth_yymmdd(digits: str, today: date, label: str) -> date:
    # Two-digit years: the latest century that does not put the birth date after today.
    for century in ('20', '19'):
        try:
            return _birth(century + digits, today, label)
        except InvalidIdNumber:
            continue
    raise InvalidIdNumber('birth_date', f'{label}中的出生日期不存在，请核对')


def _sex(digit: str) -> str:
    return 'M' if int(digit) % 2 else 'F'
