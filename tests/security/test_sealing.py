"""Ed25519 seals and signed tokens: genuine ones verify, anything altered or foreign does not."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings, strategies as st

from miniapp_backend.security.sealing import InvalidToken, Seal, Sealer, generate_private_key_pem

PEM = generate_private_key_pem()
SEALER = Sealer(PEM)
OTHER = Sealer(generate_private_key_pem())
PAYLOAD = '本人承诺……'.encode() + b'\x00' + b'\x89PNG signature'


def test_seal_and_verify():
    seal = SEALER.seal(PAYLOAD)
    assert isinstance(seal, Seal)
    assert seal.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert len(base64.b64decode(seal.signature, validate=True)) == 64
    assert seal.key_fingerprint == SEALER.key_fingerprint and len(seal.key_fingerprint) == 16
    int(seal.key_fingerprint, 16)
    assert SEALER.verify(PAYLOAD, seal.signature)
    assert Sealer(PEM).key_fingerprint == SEALER.key_fingerprint != OTHER.key_fingerprint


def test_anyone_can_check_a_seal_with_the_public_key():
    public = serialization.load_pem_public_key(SEALER.public_key_pem().encode())
    public.verify(base64.b64decode(SEALER.seal(PAYLOAD).signature), PAYLOAD)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert hashlib.sha256(raw).hexdigest()[:16] == SEALER.key_fingerprint


@given(st.binary(min_size=1, max_size=200), st.data())
def test_any_altered_payload_fails(payload, data):
    signature = SEALER.seal(payload).signature
    position = data.draw(st.integers(0, len(payload) * 8 - 1))
    altered = bytearray(payload)
    altered[position // 8] ^= 1 << (position % 8)
    assert not SEALER.verify(bytes(altered), signature)
    assert not SEALER.verify(payload + b'\x00', signature)


@settings(max_examples=200)
@given(st.data())
def test_any_altered_signature_text_fails(data):
    signature = SEALER.seal(PAYLOAD).signature
    position = data.draw(st.integers(0, len(signature) - 1))
    bit = data.draw(st.integers(0, 7))
    altered = signature[:position] + chr(ord(signature[position]) ^ (1 << bit)) + signature[position + 1 :]
    assert not SEALER.verify(PAYLOAD, altered)


@pytest.mark.parametrize(
    'signature',
    [
        '',
        '%%%',
        'bm90IGEgc2lnbmF0dXJl',
        None,
        42,
        b'bytes',
        '\u00e9' * 88,
        'A' * 88,
    ],
)
def test_malformed_signatures_are_false_not_errors(signature):
    assert SEALER.verify(PAYLOAD, signature) is False


def test_other_keys_and_payload_types():
    signature = SEALER.seal(PAYLOAD).signature
    assert not OTHER.verify(PAYLOAD, signature)
    assert SEALER.verify(PAYLOAD, signature + '\n') is False
    assert SEALER.verify('text payload', signature) is False
    assert SEALER.verify(None, signature) is False


@given(
    st.dictionaries(
        st.text(max_size=10), st.one_of(st.integers(), st.text(max_size=20), st.booleans(), st.none()), max_size=5
    )
)
def test_tokens_round_trip(claims):
    token = SEALER.sign_token(claims)
    assert SEALER.read_token(token) == claims
    assert all(char.isalnum() or char in '-_.' for char in token) and token.count('.') == 1


def test_token_claims_can_be_chinese():
    assert SEALER.read_token(SEALER.sign_token({'n': '张*丰', 'r': 12, 'y': 2027})) == {
        'n': '张*丰',
        'r': 12,
        'y': 2027,
    }


@settings(max_examples=300)
@given(st.data())
def test_any_altered_token_raises(data):
    token = SEALER.sign_token({'r': 12, 'y': 2027, 'z': '341800'})
    position = data.draw(st.integers(0, len(token) - 1))
    bit = data.draw(st.integers(0, 7))
    altered = token[:position] + chr(ord(token[position]) ^ (1 << bit)) + token[position + 1 :]
    with pytest.raises(InvalidToken):
        SEALER.read_token(altered)


def test_forged_and_malformed_tokens_raise():
    token = SEALER.sign_token({'r': 12, 'y': 2027})
    body, signature = token.split('.')
    forged_body = base64.urlsafe_b64encode(b'{"r":13,"y":2027}').decode().rstrip('=')
    seal_as_signature = base64.urlsafe_b64encode(base64.b64decode(SEALER.seal(body.encode()).signature)).decode()
    for bad in (
        f'{forged_body}.{signature}',
        f'{body}.{seal_as_signature.rstrip("=")}',
        f'{body}.{signature}=',
        f'{body}.{signature}.',
        f'{body}.',
        f'.{signature}',
        'garbage',
        '',
        None,
        42,
        token + ' ',
    ):
        with pytest.raises(InvalidToken):
            SEALER.read_token(bad)


def test_tokens_from_another_key_raise():
    with pytest.raises(InvalidToken):
        OTHER.read_token(SEALER.sign_token({'r': 12}))


def test_claims_must_be_an_object():
    with pytest.raises(InvalidToken):
        SEALER.read_token(SEALER.sign_token([1, 2]))


def test_keys_from_the_environment():
    assert Sealer(PEM.replace('\n', '\\n')).key_fingerprint == SEALER.key_fingerprint
    rsa_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    for bad, message in [('', 'PEM'), ('not a key', 'PEM'), (rsa_pem, 'Ed25519')]:
        with pytest.raises(ValueError, match=message):
            Sealer(bad)
