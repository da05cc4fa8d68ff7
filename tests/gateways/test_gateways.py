"""The tax-bureau and origin gateways over real HTTP to the fake servers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from miniapp_backend.gateways import GatewayRejected, GatewayUnavailable, OriginGateway, TaxGateway
from tests.factories import make_id_number

PAID = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)


def test_payments_found_and_not_found(fake_tax):
    person, other = make_id_number(), make_id_number()
    fake_tax.add_payment('341800', 2027, person, 40000, PAID, 'V001')
    fake_tax.add_payment('341800', 2026, other, 40000, PAID, 'V000')
    found = TaxGateway(fake_tax.url, 'test-tax-token').query_payments('341800', 2027, [person, other]).payments
    assert [(p.id_number, p.amount_fen, p.paid_at, p.voucher_no) for p in found] == [(person, 40000, PAID, 'V001')]


def test_more_than_100_ids_are_asked_in_batches(fake_tax):
    ids = [make_id_number() for _ in range(230)]
    fake_tax.add_payment('341800', 2027, ids[-1], 40000, PAID, 'V230')
    found = TaxGateway(fake_tax.url, 'test-tax-token').query_payments('341800', 2027, ids).payments
    assert [p.voucher_no for p in found] == ['V230']
    assert [len(r['json']['id_numbers']) for r in fake_tax.requests] == [100, 100, 30]


@pytest.mark.parametrize(
    ('fault', 'error'),
    [
        ({'status': 503}, GatewayUnavailable),
        ({'delay': 1.5}, GatewayUnavailable),
        ({'raw': 'not json'}, GatewayUnavailable),
        ({'json': {'payments': None}}, GatewayUnavailable),
        ({'json': ['not', 'an', 'object']}, GatewayUnavailable),
        ({'status': 400}, GatewayRejected),
    ],
)
def test_tax_failures(fake_tax, fault, error):
    fake_tax.script('/payments/query', [fault])
    with pytest.raises(error):
        TaxGateway(fake_tax.url, 'test-tax-token', timeout=1).query_payments('341800', 2027, ['x'])


def test_records_that_cannot_be_read_are_answered_apart_from_the_rest(fake_tax):
    person, other = make_id_number(), make_id_number()
    good = {'id_number': person, 'amount_fen': '40000', 'paid_at': PAID.isoformat(), 'voucher_no': 'V1'}
    records = [
        good,
        {'id_number': other},
        {'id_number': other, 'amount_fen': 40000, 'paid_at': '9999-12-31T23:59:59-01:00', 'voucher_no': 'V2'},
        {'id_number': other, 'amount_fen': True, 'paid_at': PAID.isoformat(), 'voucher_no': 'V3'},
        {'id_number': 'someone-not-asked', 'amount_fen': 40000, 'paid_at': PAID.isoformat(), 'voucher_no': 'V4'},
        'not a record',
    ]
    fake_tax.script('/payments/query', [{'json': {'payments': records}}])
    answer = TaxGateway(fake_tax.url, 'test-tax-token').query_payments('341800', 2027, [person, other])
    assert [(p.id_number, p.amount_fen) for p in answer.payments] == [(person, 40000)]
    assert [u.id_number for u in answer.unreadable] == [other, other, other, None, None]


def test_wrong_token_is_rejected(fake_tax):
    with pytest.raises(GatewayRejected):
        TaxGateway(fake_tax.url, 'wrong').query_payments('341800', 2027, ['x'])


def test_unreachable_gateway():
    with pytest.raises(GatewayUnavailable):
        TaxGateway('http://127.0.0.1:9', 't', timeout=1).query_payments('341800', 2027, ['x'])


def test_origin_accepted_then_confirmed(fake_origin):
    gateway = OriginGateway(fake_origin.url, 'test-origin-token')
    result = gateway.request_suspension('34052419800101001X', '王宣', '340400', '在学籍地参保', date(2026, 12, 1))
    assert result.status == 'accepted'
    assert [gateway.get_suspension(result.ref).status for _ in range(3)] == ['pending', 'confirmed', 'confirmed']


def test_origin_refused(fake_origin):
    fake_origin.set_outcome('34052419800101001X', initial='refused')
    gateway = OriginGateway(fake_origin.url, 'test-origin-token')
    result = gateway.request_suspension('34052419800101001X', '王宣', '340400', '在学籍地参保', date(2026, 12, 1))
    assert result.status == 'refused' and result.message
    assert gateway.get_suspension(result.ref).status == 'refused'
