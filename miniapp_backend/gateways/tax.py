"""The tax bureau's payment query (DESIGN §7.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from miniapp_backend.gateways.errors import GatewayUnavailable
from miniapp_backend.gateways.http import call

BATCH = 100


@dataclass(frozen=True)
class TaxPayment:
    id_number: str
    amount_fen: int
    paid_at: datetime
    voucher_no: str
    channel: str


@dataclass(frozen=True)
class UnreadablePayment:
    """A payment record the bureau sent that cannot be recorded as it is: set aside for a person to look at, so
    one bad record neither stops the others nor the poll."""

    id_number: str | None
    problem: str


@dataclass
class TaxAnswer:
    payments: list[TaxPayment] = field(default_factory=list)
    unreadable: list[UnreadablePayment] = field(default_factory=list)


#: What a recordable payment looks like: the voucher fits its column; the time is one a payment could have.
VOUCHER = re.compile(r'[0-9A-Za-z_/-]{1,64}')
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
MAX_AMOUNT_FEN = 100_000_000


class TaxGateway:
    def __init__(self, base_url: str, token: str, timeout: float = 10):
        self.url = base_url.rstrip('/') + '/payments/query'
        self.token = token
        self.timeout = timeout

    def query_payments(self, zone_code: str, year: int, id_numbers: list[str]) -> TaxAnswer:
        """Payments found for these people, asked in batches of at most 100; records that cannot be read are
        answered apart. An answer without a list of records is the gateway failing (GatewayUnavailable)."""
        answer = TaxAnswer()
        for start in range(0, len(id_numbers), BATCH):
            asked = id_numbers[start : start + BATCH]
            body = {'zone_code': zone_code, 'year': year, 'id_numbers': asked}
            records = call('POST', self.url, self.token, self.timeout, json=body)
            records = records.get('payments') if isinstance(records, dict) else None
            if not isinstance(records, list):
                raise GatewayUnavailable('tax gateway answered an unexpected shape')
            for record in records:
                _read(record, set(asked), answer)
        return answer


def _read(record, asked: set[str], answer: TaxAnswer) -> None:
    id_number = record.get('id_number') if isinstance(record, dict) else None
    id_number = id_number if isinstance(id_number, str) and id_number in asked else None
    try:
        if id_number is None:
            raise ValueError('a record for nobody asked about')
        answer.payments.append(_payment(record, id_number))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        answer.unreadable.append(UnreadablePayment(id_number, str(exc)[:200]))


def _payment(item: dict, id_number: str) -> TaxPayment:
    amount = item['amount_fen']
    if isinstance(amount, str) and amount.isascii() and amount.isdigit():
        amount = int(amount)
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < MAX_AMOUNT_FEN:
        raise ValueError(f'amount_fen {amount!r} is not a whole number of fen')
    paid_at = datetime.fromisoformat(item['paid_at'])
    if paid_at.tzinfo is None:
        raise ValueError('paid_at without a time zone')
    paid_at = paid_at.astimezone(UTC)
    if not EARLIEST <= paid_at < LATEST:
        raise ValueError(f'paid_at {item["paid_at"]} is not a time a payment could have been made')
    voucher = item['voucher_no']
    if isinstance(voucher, bool) or not isinstance(voucher, str | int) or not VOUCHER.fullmatch(str(voucher)):
        raise ValueError('voucher_no missing, over 64 characters or not letters, digits and - _ /')
    channel = item.get('channel') or 'tax'
    return TaxPayment(id_number, amount, paid_at, str(voucher), channel if isinstance(channel, str) else 'tax')
