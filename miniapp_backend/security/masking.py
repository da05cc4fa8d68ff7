"""Masking for lists, responses and logs (GB/T 35273: de-identify what an interface shows)."""
from __future__ import annotations


def mask_id_number(value: str | None) -> str | None:
    """371324199901011424 → 371324********1424."""
    if value is None:
        return None
    if len(value) < 10:
        return '*' * max(len(value) - 2, 0) + value[-2:]
    return value[:6] + '*' * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """13912345205 → 139****5205."""
    if value is None:
        return None
    if len(value) < 7:
        return '*' * len(value)
    return value[:3] + '*' * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str | None) -> str | None:
    """Only the last four digits: ************1234."""
    if value is None:
        return None
    return '*' * max(len(value) - 4, 0) + value[-4:]


def mask_name(value: str | None) -> str | None:
    """张三丰 → 张*丰, 张三 → 张*."""
    if not value:
        return value
    if len(value) <= 2:
        return value[0] + '*'
    return value[0] + '*' * (len(value) - 2) + value[-1]


def mask_address(value: str | None) -> str | None:
    """The first six characters, then ****."""
    if value is None:
        return None
    return value[:6] + '****'
