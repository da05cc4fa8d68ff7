"""The tax bureau's payment query (DESIGN §7.3)."""

from __future__ import annotations

from dataclasses import dataclass
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


class TaxGateway:
    def __init__(self, base_url: str, token: str, timeout: float = 10):
        self.url = base_url.rstrip('/') + '/payments/query'
        self.token = token
        self.timeout = timeout

    def query_payments(self, zone_code: str, year: int, id_numbers: list[str]) -> list[TaxPayment]:
        """Payments found for these people, asked in batches of at most 100."""
        found = []
        for start in range(0, len(id_numbers), BATCH):
            body = {'zone_code': zone_code, 'year': year, 'id_numbers': id_numbers[start : start + BATCH]}
            answer = call('POST', self.url, self.token, self.timeout, json=body)
            try:
                found += [_payment(item) for item in answer['payments']]
            except (KeyError, TypeError, ValueError):
                raise GatewayUnavailable('tax gateway answered an unexpected shape') from None
        return found


def _payment(item: dict) -> TaxPayment:
    paid_at = datetime.fromisoformat(item['paid_at'])
    if paid_at.tzinfo is None:
        raise ValueError('paid_at without a time zone')
    return TaxPayment(
        str(item['id_number']),
        int(item['amount_fen']),
        paid_at.astimezone(UTC),
        str(item['voucher_no']),
        str(item.get('channel') or 'tax'),
    )
