"""Ed25519 seals: commitment letters with their drawn signatures, and certificate verification tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIGNATURE_BYTES = 64
# Token signatures cover this prefix too, so no seal over some payload can ever pass as a token.
_TOKEN_DOMAIN = b'miniapp-token.v1\x00'


class InvalidToken(Exception):
    """A token that was altered, forged, made under another key, or is malformed."""


@dataclass(frozen=True)
class Seal:
    """What is kept beside a sealed payload: its digest, the signature, and which key made it."""

    sha256: str
    signature: str
    key_fingerprint: str


def generate_private_key_pem() -> str:
    """A fresh Ed25519 private key as unencrypted PKCS#8 PEM (development and tests)."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


class Sealer:
    """Signs and verifies with one Ed25519 key (SEAL_PRIVATE_KEY)."""

    def __init__(self, private_key_pem: str):
        # Environment variables often carry a PEM on one line with literal \n.
        pem = (private_key_pem or '').replace('\\n', '\n').strip().encode()
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise ValueError('SEAL_PRIVATE_KEY is not an unencrypted PEM private key') from None
        if not isinstance(key, Ed25519PrivateKey):
            # A wrong setting, not a programming error: ValueError like every other bad key.
            raise ValueError('SEAL_PRIVATE_KEY must be an Ed25519 private key')
        self._key = key
        self._public = key.public_key()
        raw = self._public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_fingerprint = hashlib.sha256(raw).hexdigest()[:16]

    def public_key_pem(self) -> str:
        """The public key (SubjectPublicKeyInfo PEM), for anyone who wants to check a seal without this service."""
        return self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def seal(self, payload: bytes) -> Seal:
        """SHA-256 of the payload and an Ed25519 signature over the payload itself."""
        signature = self._key.sign(bytes(payload))
        return Seal(hashlib.sha256(payload).hexdigest(), base64.b64encode(signature).decode(), self.key_fingerprint)

    def verify(self, payload: bytes, signature_b64: str) -> bool:
        """True only for this key's signature over exactly this payload; False for anything else, never raises."""
        signature = _strict_decode(signature_b64, base64.b64encode, base64.b64decode)
        if signature is None or len(signature) != SIGNATURE_BYTES or not isinstance(payload, (bytes, bytearray)):
            return False
        try:
            self._public.verify(signature, bytes(payload))
        except InvalidSignature:
            return False
        return True

    def sign_token(self, claims: dict[str, Any]) -> str:
        """A compact URL-safe token: base64url(JSON claims) '.' base64url(signature), without padding."""
        body = _b64url(json.dumps(claims, ensure_ascii=False, separators=(',', ':'), sort_keys=True).encode())
        return f'{body}.{_b64url(self._key.sign(_TOKEN_DOMAIN + body.encode()))}'

    def read_token(self, token: str) -> dict[str, Any]:
        """The claims of a token this key signed; InvalidToken for anything altered, forged or malformed."""
        if not isinstance(token, str) or token.count('.') != 1:
            raise InvalidToken('malformed token')
        body, signature_text = token.split('.')
        signature = _strict_decode(signature_text, _b64url_bytes, _unb64url)
        raw_claims = _strict_decode(body, _b64url_bytes, _unb64url)
        if signature is None or raw_claims is None or len(signature) != SIGNATURE_BYTES:
            raise InvalidToken('malformed token')
        try:
            self._public.verify(signature, _TOKEN_DOMAIN + body.encode())
        except InvalidSignature:
            raise InvalidToken('token signature does not verify') from None
        try:
            claims = json.loads(raw_claims)
        except ValueError:
            raise InvalidToken('token claims are not JSON') from None
        if not isinstance(claims, dict):
            raise InvalidToken('token claims are not an object')
        return claims


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def _b64url_bytes(raw: bytes) -> bytes:
    return _b64url(raw).encode()


def _unb64url(text: bytes) -> bytes:
    return base64.urlsafe_b64decode(text + b'=' * (-len(text) % 4))


def _strict_decode(text: object, encode, decode) -> bytes | None:
    # Only the canonical encoding counts: lenient decoders skip stray characters and ignore spare low bits,
    # which would let several different texts stand for one signature.
    if not isinstance(text, str) or not text.isascii():
        return None
    try:
        raw = decode(text.encode())
    except (binascii.Error, ValueError):
        return None
    return raw if encode(raw).decode() == text else None
