"""Ed25519 seals: commitment letters with their signatures, and certificate verification tokens."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class InvalidToken(Exception):
    """A token that was altered, forged or is malformed."""


@dataclass(frozen=True)
class Seal:
    sha256: str
    signature: str
    key_fingerprint: str


def generate_private_key_pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


class Sealer:
    def __init__(self, private_key_pem: str):
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError('SEAL_PRIVATE_KEY must be an Ed25519 private key (PEM)')
        self._key = key
        self._public = key.public_key()
        raw = self._public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.fingerprint = hashlib.sha256(raw).hexdigest()[:16]

    def seal(self, payload: bytes) -> Seal:
        """SHA-256 of the payload and an Ed25519 signature over it."""
        signature = self._key.sign(payload)
        return Seal(hashlib.sha256(payload).hexdigest(), base64.b64encode(signature).decode(), self.fingerprint)

    def verify(self, payload: bytes, signature_b64: str) -> bool:
        """True only for this key's signature over exactly this payload; False for anything else."""
        try:
            self._public.verify(base64.b64decode(signature_b64, validate=True), payload)
        except (InvalidSignature, binascii.Error, ValueError, TypeError):
            return False
        return True

    def sign_token(self, claims: dict) -> str:
        """A compact URL-safe token: base64url(JSON claims) . base64url(signature)."""
        body = _b64url(json.dumps(claims, separators=(',', ':'), sort_keys=True).encode())
        return f'{body}.{_b64url(self._key.sign(body.encode()))}'

    def read_token(self, token: str) -> dict:
        body, dot, signature = (token or '').partition('.')
        if not dot:
            raise InvalidToken('malformed token')
        try:
            self._public.verify(_unb64url(signature), body.encode())
            claims = json.loads(_unb64url(body))
        except (InvalidSignature, binascii.Error, ValueError, UnicodeDecodeError):
            raise InvalidToken('token failed verification') from None
        if not isinstance(claims, dict):
            raise InvalidToken('token claims are not an object')
        return claims
