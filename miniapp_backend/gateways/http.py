"""The JSON-over-HTTP call both gateways make, with a bearer token and a timeout."""

from __future__ import annotations

import requests

from miniapp_backend.gateways.errors import GatewayRejected, GatewayUnavailable


def call(method: str, url: str, token: str, timeout: float, **kwargs) -> dict:
    try:
        response = requests.request(
            method, url, headers={'Authorization': f'Bearer {token}'}, timeout=timeout, **kwargs
        )
    except requests.RequestException as exc:
        raise GatewayUnavailable(f'{url}: {type(exc).__name__}') from None
    if response.status_code >= 500:
        raise GatewayUnavailable(f'{url}: HTTP {response.status_code}')
    if response.status_code >= 400:
        raise GatewayRejected(f'{url}: HTTP {response.status_code}')
    try:
        body = response.json()
    except ValueError:
        raise GatewayUnavailable(f'{url}: answer is not JSON') from None
    if not isinstance(body, dict):
        raise GatewayUnavailable(f'{url}: answer is not a JSON object')
    return body
