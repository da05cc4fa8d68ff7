"""AES-256-GCM field encryption with key ids, and the SQLAlchemy column types that make it transparent."""
from __future__ import annotations

import base64
import binascii
import os

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy.types import TypeDecorator

_SEPARATOR = '$'


class DecryptionError(Exception):
    """The ciphertext was altered, belongs to another column, or is not ours: never return garbage."""


class UnknownKeyId(DecryptionError):
    """The ciphertext names a key this keyring does not hold."""


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """Read FIELD_ENCRYPTION_KEYS: comma-separated `keyid:base64key`, 32-byte keys, the first one encrypts."""
    keys = []
    for part in filter(None, (item.strip() for item in (spec or '').split(','))):
        key_id, _, encoded = part.partition(':')
        if not key_id or not encoded or _SEPARATOR in key_id:
            raise ValueError(f'FIELD_ENCRYPTION_KEYS entry {key_id or part[:8]!r} is not keyid:base64key')
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f'FIELD_ENCRYPTION_KEYS key {key_id!r} is not valid base64') from None
        if len(key) != 32:
            raise ValueError(f'FIELD_ENCRYPTION_KEYS key {key_id!r} must be 32 bytes (AES-256), not {len(key)}')
        keys.append((key_id, key))
    if not keys:
        raise ValueError('FIELD_ENCRYPTION_KEYS holds no key')
    return keys


class FieldCipher:
    """Encrypts under the first key; decrypts under any key it holds, so keys can be rotated."""

    def __init__(self, keys: list[tuple[str, bytes]]):
        self.primary = keys[0][0]
        self._aead = {key_id: AESGCM(key) for key_id, key in keys}

    def encrypt(self, plaintext: bytes, context: str) -> str:
        """`<keyid>$<base64url(nonce + ciphertext + tag)>`; the context (the column) is authenticated too."""
        nonce = os.urandom(12)
        sealed = self._aead[self.primary].encrypt(nonce, plaintext, context.encode())
        return f'{self.primary}{_SEPARATOR}{base64.urlsafe_b64encode(nonce + sealed).decode()}'

    def decrypt(self, token: str, context: str) -> bytes:
        key_id, separator, encoded = (token or '').partition(_SEPARATOR)
        if not separator:
            raise DecryptionError('malformed ciphertext')
        if key_id not in self._aead:
            raise UnknownKeyId(f'ciphertext under unknown key id {key_id!r}')
        try:
            raw = base64.urlsafe_b64decode(encoded.encode())
            return self._aead[key_id].decrypt(raw[:12], raw[12:], context.encode())
        except (binascii.Error, ValueError, InvalidTag):
            raise DecryptionError('ciphertext failed authentication') from None

    def rotate(self, token: str, context: str) -> str:
        """Re-encrypt under the current first key."""
        return self.encrypt(self.decrypt(token, context), context)


def current_cipher() -> FieldCipher:
    return current_app.extensions['field_cipher']


class EncryptedBytes(TypeDecorator):
    """Bytes encrypted at rest in a TEXT column; `context` binds each ciphertext to its column."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, context: str):
        super().__init__()
        self.context = context

    def process_bind_param(self, value, dialect):
        return None if value is None else current_cipher().encrypt(bytes(value), self.context)

    def process_result_value(self, value, dialect):
        return None if value is None else current_cipher().decrypt(value, self.context)


class EncryptedString(EncryptedBytes):
    """Text encrypted at rest."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else super().process_bind_param(str(value).encode(), dialect)

    def process_result_value(self, value, dialect):
        raw = super().process_result_value(value, dialect)
        return None if raw is None else raw.decode()
