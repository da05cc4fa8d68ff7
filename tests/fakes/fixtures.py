"""pytest fixtures: the fake servers, started once per run and reset before each test that uses them."""

from __future__ import annotations

import pytest

from tests.fakes.origin import FakeOriginGateway
from tests.fakes.tax import FakeTaxBureau
from tests.fakes.wechat import FakeWeChat


@pytest.fixture(scope='session')
def _fake_wechat_server():
    server = FakeWeChat().start()
    yield server
    server.stop()


@pytest.fixture(scope='session')
def _fake_tax_server():
    server = FakeTaxBureau().start()
    yield server
    server.stop()


@pytest.fixture(scope='session')
def _fake_origin_server():
    server = FakeOriginGateway().start()
    yield server
    server.stop()


@pytest.fixture
def fake_wechat(_fake_wechat_server):
    _fake_wechat_server.reset()
    return _fake_wechat_server


@pytest.fixture
def fake_tax(_fake_tax_server):
    _fake_tax_server.reset()
    return _fake_tax_server


@pytest.fixture
def fake_origin(_fake_origin_server):
    _fake_origin_server.reset()
    return _fake_origin_server
