"""Field encryption (property-based), blind indexes, masking and sealing."""
from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given, settings, strategies as st

from miniapp_backend.security.blind_index import BlindIndexer
from miniapp_backend.security.crypto import DecryptionError, FieldCipher, UnknownKeyId, parse_keys
from miniapp_backend.security.masking import mask_address, mask_bank_account, mask_id_number, mask_name, mask_phone
from miniapp_backend.security.sealing import InvalidToken, Sealer, generate_private_key_pem

OLD = ('k1', os.urandom(32))
NEW = ('k2', os.urandom(32))
CIPHER = FieldCipher([OLD])


@given(st.binary(max_size=2048), st.text(min_size=1, max_size=40))
def test_round_trip(plaintext, context):
    assert CIPHER.decrypt(CIPHER.encrypt(plaintext, context), context) == plaintext


@settings(max_examples=200)
@given(st.binary(min_size=1, max_size=256), st.data())
def test_any_bit_flip_is_detected(plaintext, data):
    token = CIPHER.encrypt(plaintext, 'registrations.id_number')
    key_id, raw = token.split('$')
    blob = bytearray(base64.urlsafe_b64decode(raw))
    position = data.draw(st.integers(0, len(blob) * 8 - 1))
    blob[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(f'{key_id}${base64.urlsafe_b64encode(bytes(blob)).decode()}', 'registrations.id_number')


def test_ciphertext_moved_to_another_column_fails():
    token = CIPHER.encrypt(b'13912345205', 'registrations.phone')
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(token, 'registrations.bank_account_no')


@pytest.mark.parametrize('token', ['', 'no-separator', 'k1$!!!notbase64', 'k1$' + base64.urlsafe_b64encode(b'x').decode()])
def test_malformed_ciphertext_raises(token):
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(token, 'c')


def test_unknown_key_id_and_rotation():
    old_token = CIPHER.encrypt(b'secret', 'c')
    with pytest.raises(UnknownKeyId):
        FieldCipher([NEW]).decrypt(old_token, 'c')
    rotated = FieldCipher([NEW, OLD])
    assert rotated.decrypt(old_token, 'c') == b'secret'
    new_token = rotated.rotate(old_token, 'c')
    assert new_token.startswith('k2$') and FieldCipher([NEW]).decrypt(new_token, 'c') == b'secret'


def test_same_plaintext_encrypts_differently():
    assert CIPHER.encrypt(b'same', 'c') != CIPHER.encrypt(b'same', 'c')


@pytest.mark.parametrize(('spec', 'message'), [
    ('', 'holds no key'), ('k1', 'keyid:base64key'), ('k1:%%%', 'base64'),
    ('k1:' + base64.b64encode(b'short').decode(), '32 bytes'),
])
def test_bad_key_specs_are_named(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_keys(spec)


def test_blind_index_equality_and_separation():
    indexer = BlindIndexer(os.urandom(32))
    assert indexer.index('34052419800101001x') == indexer.index(' 34052419800101001X')
    assert indexer.index('34052419800101001X') != indexer.index('34052419800101001X', purpose='phone')
    assert indexer.index('34052419800101001X') != BlindIndexer(os.urandom(32)).index('34052419800101001X')
    assert len(indexer.index('x')) == 64


def test_masking():
    assert mask_id_number('371324199901011424') == '371324********1424'
    assert mask_phone('13912345205') == '139****5205'
    assert mask_bank_account('6217000012345678901') == '***************8901'
    assert (mask_name('张三丰'), mask_name('张三'), mask_name('欧阳娜娜')) == ('张*丰', '张*', '欧**娜')
    assert mask_address('安徽省宣城市宣州区薰化路301号') == '安徽省宣城市****'
    assert mask_id_number(None) is None and mask_phone(None) is None


def test_sealing_and_verification():
    sealer = Sealer(generate_private_key_pem())
    seal = sealer.seal(b'letter text|signature bytes')
    assert len(seal.sha256) == 64 and len(seal.key_fingerprint) == 16
    assert sealer.verify(b'letter text|signature bytes', seal.signature)
    assert not sealer.verify(b'letter text|other signature', seal.signature)
    assert not sealer.verify(b'letter text|signature bytes', 'bm90IGEgc2lnbmF0dXJl')
    assert not sealer.verify(b'letter text|signature bytes', '%%%')
    assert not Sealer(generate_private_key_pem()).verify(b'letter text|signature bytes', seal.signature)


def test_tokens_round_trip_and_refuse_tampering():
    sealer = Sealer(generate_private_key_pem())
    token = sealer.sign_token({'r': 12, 'y': 2027})
    assert sealer.read_token(token) == {'r': 12, 'y': 2027}
    body, signature = token.split('.')
    forged_body = base64.urlsafe_b64encode(b'{"r":13,"y":2027}').decode().rstrip('=')
    for bad in (f'{forged_body}.{signature}', token[:-2] + 'AA', 'garbage', '', f'{body}.'):
        with pytest.raises(InvalidToken):
            sealer.read_token(bad)
    with pytest.raises(InvalidToken):
        Sealer(generate_private_key_pem()).read_token(token)
