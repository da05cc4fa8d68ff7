"""init_app and the development keys: what the app factory relies on."""

from __future__ import annotations

import base64

import pytest
from flask import Flask

from miniapp_backend import security
from miniapp_backend.security.blind_index import BlindIndexer, blind_index
from miniapp_backend.security.crypto import FieldCipher, current_cipher, parse_keys
from miniapp_backend.security.keys import generate_dev_keys
from miniapp_backend.security.sealing import Sealer


def _app(**overrides) -> Flask:
    app = Flask(__name__)
    app.config.update({**generate_dev_keys(), **overrides})
    return app


def test_dev_keys_have_the_expected_shapes():
    keys = generate_dev_keys()
    assert set(keys) == {'SECRET_KEY', 'FIELD_ENCRYPTION_KEYS', 'BLIND_INDEX_KEY', 'SEAL_PRIVATE_KEY'}
    assert len(bytes.fromhex(keys['SECRET_KEY'])) == 32
    assert [key_id for key_id, _ in parse_keys(keys['FIELD_ENCRYPTION_KEYS'])] == ['k1']
    assert len(base64.b64decode(keys['BLIND_INDEX_KEY'], validate=True)) == 32
    assert keys['SEAL_PRIVATE_KEY'].startswith('-----BEGIN PRIVATE KEY-----')
    assert generate_dev_keys()['BLIND_INDEX_KEY'] != keys['BLIND_INDEX_KEY']


def test_init_app_builds_the_three_services():
    app = _app()
    security.init_app(app)
    assert isinstance(app.extensions['field_cipher'], FieldCipher)
    assert isinstance(app.extensions['blind_indexer'], BlindIndexer)
    assert isinstance(app.extensions['sealer'], Sealer)
    key = base64.b64decode(app.config['BLIND_INDEX_KEY'])
    with app.app_context():
        assert blind_index('34052419800101001x') == BlindIndexer(key).index('34052419800101001X')
        assert current_cipher() is app.extensions['field_cipher']


@pytest.mark.parametrize(
    ('setting', 'value', 'message'),
    [
        ('FIELD_ENCRYPTION_KEYS', '', 'FIELD_ENCRYPTION_KEYS'),
        ('FIELD_ENCRYPTION_KEYS', 'k1:short', 'FIELD_ENCRYPTION_KEYS'),
        ('BLIND_INDEX_KEY', None, 'BLIND_INDEX_KEY'),
        ('BLIND_INDEX_KEY', base64.b64encode(b'k' * 8).decode(), 'BLIND_INDEX_KEY'),
        ('SEAL_PRIVATE_KEY', '', 'SEAL_PRIVATE_KEY'),
        ('SEAL_PRIVATE_KEY', 'not a pem', 'SEAL_PRIVATE_KEY'),
    ],
)
def test_a_missing_or_bad_setting_stops_start_up_by_name(setting, value, message):
    with pytest.raises(ValueError, match=message):
        security.init_app(_app(**{setting: value}))


def test_services_outside_init_app_say_so():
    with Flask(__name__).app_context():
        with pytest.raises(RuntimeError, match='init_app'):
            blind_index('x')
        with pytest.raises(RuntimeError, match='init_app'):
            current_cipher()
