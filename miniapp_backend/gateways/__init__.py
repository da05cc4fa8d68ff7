"""Outside systems: the tax bureau's payment query and the home towns' suspension gateway."""

from __future__ import annotations

from flask import current_app

from miniapp_backend.gateways.errors import GatewayError, GatewayRejected, GatewayUnavailable
from miniapp_backend.gateways.origin import OriginGateway, OriginResult
from miniapp_backend.gateways.tax import TaxAnswer, TaxGateway, TaxPayment, UnreadablePayment

__all__ = [
    'GatewayError',
    'GatewayRejected',
    'GatewayUnavailable',
    'OriginGateway',
    'OriginResult',
    'TaxAnswer',
    'TaxGateway',
    'TaxPayment',
    'UnreadablePayment',
    'origin_gateway',
    'tax_gateway',
]


def tax_gateway() -> TaxGateway:
    return TaxGateway(current_app.config['TAX_GATEWAY_URL'], current_app.config['TAX_GATEWAY_TOKEN'])


def origin_gateway() -> OriginGateway:
    return OriginGateway(current_app.config['ORIGIN_GATEWAY_URL'], current_app.config['ORIGIN_GATEWAY_TOKEN'])
