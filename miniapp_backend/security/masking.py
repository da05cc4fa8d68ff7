"""Masking for lists, responses, exports and logs (GB/T 35273: de-identify what an interface shows).

Each function returns None for None and masks on the server, so no full value reaches a client that did not ask
for it through an audited reveal.
"""

from __future__ import annotations


def _keep_tail(value: str, tail: int) -> str:
    """All characters masked but the last `tail`; a value no longer than `tail` is masked whole."""
    if len(value) <= tail:
        return '*' * len(value)
    return '*' * (len(value) - tail) + value[len(value) - tail :]


def mask_id_number(value: str | None) -> str | None:
    """371324199901011424 → 371324********1424: first 6 and last 4 kept; under 10 characters, only the last 2."""
    if value is None:
        return None
    if len(value) < 10:
        return _keep_tail(value, 2)
    return value[:6] + '*' * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """13912345205 → 139****5205: first 3 and last 4 kept; under 8 characters, only the last 2."""
    if value is None:
        return None
    if len(value) < 8:
        return _keep_tail(value, 2)
    return value[:3] + '*' * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str | None) -> str | None:
    """6217000012345678901 → ***************8901: spaces dropped, one star per hidden digit, last 4 kept."""
    if value is None:
        return None
    return _keep_tail(''.join(value.split()), 4)


def mask_name(value: str | None) -> str | None:
    """张三丰 → 张*丰, 欧阳娜娜 → 欧**娜, 张三 → 张*; a one-character name is masked whole."""
    if value is None:
        return None
    value = value.strip()
    if len(value) <= 1:
        return '*' * len(value)
    if len(value) == 2:
        return value[0] + '*'
    return value[0] + '*' * (len(value) - 2) + value[-1]


def mask_address(value: str | None) -> str | None:
    """安徽省宣城市宣州区薰化路301号 → 安徽省宣城市****: the first 6 characters, then four stars."""
    if value is None:
        return None
    value = value.strip()
    return value[:6] + '****' if value else ''
