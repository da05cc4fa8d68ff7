"""The origin-zone gateway: suspensions at home towns outside the platform (DESIGN §7.4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from miniapp_backend.gateways.errors import GatewayUnavailable
from miniapp_backend.gateways.http import call

STATUSES = {'accepted', 'refused', 'pending', 'confirmed'}


@dataclass(frozen=True)
class OriginResult:
    ref: str
    status: str
    message: str


class OriginGateway:
    def __init__(self, base_url: str, token: str, timeout: float = 10):
        self.base = base_url.rstrip('/')
        self.token = token
        self.timeout = timeout

    def request_suspension(
        self, id_number: str, name: str, zone_code: str, reason: str, suspend_from: date
    ) -> OriginResult:
        body = {
            'id_number': id_number,
            'name': name,
            'zone_code': zone_code,
            'reason': reason,
            'suspend_from': suspend_from.isoformat(),
        }
        return _result(call('POST', f'{self.base}/suspensions', self.token, self.timeout, json=body))

    def get_suspension(self, ref: str) -> OriginResult:
        return _result(call('GET', f'{self.base}/suspensions/{ref}', self.token, self.timeout))


def _result(answer: dict) -> OriginResult:
    if answer.get('status') not in STATUSES or not answer.get('ref'):
        raise GatewayUnavailable('origin gateway answered an unexpected shape')
    return OriginResult(str(answer['ref']), answer['status'], str(answer.get('message') or ''))
