"""A fake tax-bureau payment gateway (DESIGN §7.3)."""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime

from flask import jsonify, request

from tests.fakes.base import FakeServer, bearer_ok, serve_main


class FakeTaxBureau(FakeServer):
    name = 'fake-tax'
    token = 'test-tax-token'

    def __init__(self):
        super().__init__()
        self.payments: list[dict] = []

    def reset(self) -> None:
        super().reset()
        self.payments = []

    def add_payment(
        self,
        zone_code: str,
        year: int,
        id_number: str,
        amount_fen: int,
        paid_at: datetime | str,
        voucher_no: str,
        channel: str = 'tax',
    ) -> None:
        paid = paid_at.isoformat() if isinstance(paid_at, datetime) else paid_at
        with self._lock:
            self.payments.append(
                {
                    'zone_code': zone_code,
                    'year': year,
                    'id_number': id_number,
                    'amount_fen': amount_fen,
                    'paid_at': paid,
                    'voucher_no': voucher_no,
                    'channel': channel,
                }
            )

    def routes(self) -> None:
        @self.app.post('/payments/query')
        def query():
            if not bearer_ok(self.token):
                return jsonify(error='unauthorized'), 401
            body = request.get_json(silent=True) or {}
            ids = body.get('id_numbers')
            if (
                not re.fullmatch(r'\d{6}', str(body.get('zone_code', '')))
                or not isinstance(body.get('year'), int)
                or not isinstance(ids, list)
                or len(ids) > 100
            ):
                return jsonify(error='bad request'), 400
            with self._lock:
                found = [
                    {k: v for k, v in p.items() if k not in ('zone_code', 'year')}
                    for p in self.payments
                    if p['zone_code'] == body['zone_code'] and p['year'] == body['year'] and p['id_number'] in ids
                ]
            return jsonify(payments=found)

        @self.app.post('/_payments')
        def add():
            body = request.get_json(force=True)
            self.add_payment(**body)
            return jsonify(ok=True)


if __name__ == '__main__':
    # Standalone (make run, make bench): the credentials the app reads from the same environment.
    FakeTaxBureau.token = os.environ.get('TAX_GATEWAY_TOKEN') or 'dev-tax-token'
    sys.exit(serve_main(FakeTaxBureau))
