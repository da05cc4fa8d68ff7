"""Field encryption: round trips, tampering, contexts, key ids, rotation and key parsing (property-based)."""

from __future__ import annotations

import base64
import os
import re

import pytest
from hypothesis import given, settings, strategies as st

from miniapp_backend.security.crypto import DecryptionError, FieldCipher, UnknownKeyId, parse_keys

OLD = ('k1', os.urandom(32))
NEW = ('k2', os.urandom(32))
CIPHER = FieldCipher([OLD])
CONTEXT = 'registrations.id_number'
contexts = st.text(min_size=1, max_size=40)


def _spec(*keys: tuple[str, bytes]) -> str:
    return ','.join(f'{key_id}:{base64.b64encode(key).decode()}' for key_id, key in keys)


@given(st.binary(max_size=4096), contexts)
def test_bytes_round_trip(plaintext, context):
    assert CIPHER.decrypt(CIPHER.encrypt(plaintext, context), context) == plaintext


@given(st.text(max_size=500), contexts)
def test_text_round_trip(text, context):
    assert CIPHER.decrypt(CIPHER.encrypt(text.encode(), context), context).decode() == text


@given(st.binary(max_size=300))
def test_token_is_key_id_and_base64url_text_without_the_plaintext(plaintext):
    token = CIPHER.encrypt(plaintext, CONTEXT)
    assert re.fullmatch(r'k1\$[A-Za-z0-9_-]+=*', token)
    raw = base64.urlsafe_b64decode(token.split('$', 1)[1])
    assert len(raw) == 12 + len(plaintext) + 16
    if len(plaintext) >= 8:
        assert plaintext not in raw and plaintext not in token.encode()


@settings(max_examples=300)
@given(st.binary(max_size=64), st.data())
def test_any_single_bit_flip_in_the_token_text_is_refused(plaintext, data):
    token = CIPHER.encrypt(plaintext, CONTEXT)
    position = data.draw(st.integers(0, len(token) - 1), label='character')
    bit = data.draw(st.integers(0, 7), label='bit')
    flipped = token[:position] + chr(ord(token[position]) ^ (1 << bit)) + token[position + 1 :]
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(flipped, CONTEXT)


@settings(max_examples=300)
@given(st.binary(max_size=256), st.data())
def test_any_single_bit_flip_in_nonce_ciphertext_or_tag_is_refused(plaintext, data):
    key_id, encoded = CIPHER.encrypt(plaintext, CONTEXT).split('$')
    blob = bytearray(base64.urlsafe_b64decode(encoded))
    position = data.draw(st.integers(0, len(blob) * 8 - 1))
    blob[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(f'{key_id}${base64.urlsafe_b64encode(bytes(blob)).decode()}', CONTEXT)


@given(st.binary(max_size=64), contexts, contexts)
def test_another_context_is_refused(plaintext, context, other):
    if context == other:
        return
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(CIPHER.encrypt(plaintext, context), other)


def test_ciphertext_copied_into_another_column_fails():
    token = CIPHER.encrypt(b'13912345205', 'registrations.phone')
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(token, 'registrations.bank_account_no')


@given(st.binary(max_size=64))
def test_truncated_or_extended_tokens_are_refused(plaintext):
    token = CIPHER.encrypt(plaintext, CONTEXT)
    for bad in (token[:-4], token + 'AAAA', token.replace('$', '$AAAA', 1), token + '\n'):
        with pytest.raises(DecryptionError):
            CIPHER.decrypt(bad, CONTEXT)


@pytest.mark.parametrize(
    'token',
    [
        '',
        'no-separator',
        '$',
        'k1$',
        'k1$!!!notbase64',
        'k1$' + base64.urlsafe_b64encode(b'x' * 27).decode(),
        'k1$' + base64.urlsafe_b64encode(b'x' * 40).decode(),
        'k 1$AAAA',
        'k1$AAAA\u00e9',
        None,
        b'k1$AAAA',
        42,
    ],
)
def test_malformed_ciphertext_raises(token):
    with pytest.raises(DecryptionError):
        CIPHER.decrypt(token, CONTEXT)


def test_unknown_key_id_is_named():
    token = CIPHER.encrypt(b'secret', CONTEXT)
    with pytest.raises(UnknownKeyId) as error:
        FieldCipher([NEW]).decrypt(token, CONTEXT)
    assert error.value.key_id == 'k1' and isinstance(error.value, DecryptionError)


def test_rotation():
    old_token = CIPHER.encrypt(b'secret', CONTEXT)
    keyring = FieldCipher([NEW, OLD])
    assert keyring.primary_key_id == 'k2' and keyring.key_ids == ('k2', 'k1')
    assert keyring.decrypt(old_token, CONTEXT) == b'secret'
    new_token = keyring.rotate(old_token, CONTEXT)
    assert keyring.key_id_of(new_token) == 'k2' and new_token.startswith('k2$')
    assert FieldCipher([NEW]).decrypt(new_token, CONTEXT) == b'secret'
    assert keyring.encrypt(b'fresh', CONTEXT).startswith('k2$')
    with pytest.raises(DecryptionError):
        keyring.rotate(new_token, 'another.column')


def test_same_key_id_with_another_key_is_refused():
    token = CIPHER.encrypt(b'secret', CONTEXT)
    with pytest.raises(DecryptionError):
        FieldCipher([('k1', os.urandom(32))]).decrypt(token, CONTEXT)


@given(st.binary(max_size=64))
def test_nonces_are_fresh(plaintext):
    tokens = {CIPHER.encrypt(plaintext, CONTEXT) for _ in range(5)}
    assert len(tokens) == 5
    assert len({base64.urlsafe_b64decode(token.split('$')[1])[:12] for token in tokens}) == 5


def test_encrypt_takes_bytes_and_a_context():
    with pytest.raises(TypeError):
        CIPHER.encrypt('text', CONTEXT)
    with pytest.raises(TypeError):
        CIPHER.encrypt(b'x', '')
    assert CIPHER.decrypt(CIPHER.encrypt(bytearray(b'ab'), CONTEXT), CONTEXT) == b'ab'


def test_parse_keys_keeps_order():
    assert parse_keys(f' {_spec(NEW)} , {_spec(OLD)} ,') == [NEW, OLD]


@pytest.mark.parametrize(
    ('spec', 'message'),
    [
        ('', 'holds no key'),
        (None, 'holds no key'),
        (' , ', 'holds no key'),
        ('k1', 'keyid:base64key'),
        ('k1:', 'keyid:base64key'),
        (':' + base64.b64encode(b'k' * 32).decode(), 'key id'),
        ('k$1:' + base64.b64encode(b'k' * 32).decode(), 'key id'),
        ('k1:%%%', 'base64'),
        ('k1:' + base64.b64encode(b'short').decode(), '32 bytes'),
        ('k1:' + base64.b64encode(b'k' * 16).decode(), '32 bytes'),
        ('k1:' + base64.b64encode(b'k' * 32).decode() + ',k1:' + base64.b64encode(b'j' * 32).decode(), 'twice'),
    ],
)
def test_bad_key_specs_are_named(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_keys(spec)


def test_key_errors_never_show_key_material():
    secret = base64.b64encode(b's' * 31).decode()
    for spec in (secret, f'k1:{secret}', f'k1:{secret}!'):
        with pytest.raises(ValueError) as error:
            parse_keys(spec)
        assert secret[:6] not in str(error.value)


@pytest.mark.parametrize('keys', [[], [('k1', b'short')], [('k$1', os.urandom(32))]])
def test_cipher_refuses_bad_keyrings(keys):
    with pytest.raises(ValueError):
        FieldCipher(keys)
