"""AES-256-GCM field encryption with key ids, and the SQLAlchemy column types that make it transparent."""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy.types import TypeDecorator

SEPARATOR = '$'
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_KEY_ID = re.compile(r'[A-Za-z0-9_.-]{1,32}')


class DecryptionError(Exception):
    """The ciphertext was altered, belongs to another column, or is not ours: never return garbage."""


class UnknownKeyId(DecryptionError):
    """The ciphertext names a key this keyring does not hold (a retired key, or another deployment's data)."""

    def __init__(self, key_id: str):
        super().__init__(f'ciphertext under unknown key id {key_id!r}')
        self.key_id = key_id


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """Read FIELD_ENCRYPTION_KEYS: comma-separated `keyid:base64key`, 32-byte keys, the first one encrypts."""
    keys: list[tuple[str, bytes]] = []
    entries = [entry.strip() for entry in (spec or '').split(',')]
    for number, entry in enumerate(entries, start=1):
        if not entry:
            continue
        key_id, colon, encoded = entry.partition(':')
        # Error messages name the entry and key id, never any part of a key.
        if not colon or not encoded:
            raise ValueError(f'FIELD_ENCRYPTION_KEYS entry {number} is not keyid:base64key')
        if not _KEY_ID.fullmatch(key_id):
            raise ValueError(f'FIELD_ENCRYPTION_KEYS entry {number}: the key id must be 1-32 of A-Z a-z 0-9 _ . -')
        if any(key_id == known for known, _ in keys):
            raise ValueError(f'FIELD_ENCRYPTION_KEYS key id {key_id!r} appears twice')
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f'FIELD_ENCRYPTION_KEYS key {key_id!r} is not valid base64') from None
        if len(key) != KEY_BYTES:
            raise ValueError(f'FIELD_ENCRYPTION_KEYS key {key_id!r} must be 32 bytes (AES-256), not {len(key)}')
        keys.append((key_id, key))
    if not keys:
        raise ValueError('FIELD_ENCRYPTION_KEYS holds no key')
    return keys


class FieldCipher:
    """Encrypts under the first key; decrypts under any key it holds, so keys can be rotated."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]):
        if not keys:
            raise ValueError('FieldCipher needs at least one key')
        for key_id, key in keys:
            if not _KEY_ID.fullmatch(key_id) or len(key) != KEY_BYTES:
                raise ValueError(f'key {key_id!r}: the id must match {_KEY_ID.pattern} and the key be 32 bytes')
        self.primary_key_id = keys[0][0]
        self._aead = {key_id: AESGCM(key) for key_id, key in keys}

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every key id this keyring can decrypt, the encrypting one first."""
        return tuple(self._aead)

    def encrypt(self, plaintext: bytes, context: str) -> str:
        """`<keyid>$<base64url(nonce + ciphertext + tag)>`; the context (the column) is authenticated as well."""
        if not isinstance(plaintext, (bytes, bytearray, memoryview)):
            raise TypeError(f'encrypt() takes bytes, not {type(plaintext).__name__}')
        # A random 96-bit nonce per message: safe far beyond the number of fields this service will ever write.
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self.primary_key_id].encrypt(nonce, bytes(plaintext), _aad(context))
        return f'{self.primary_key_id}{SEPARATOR}{base64.urlsafe_b64encode(nonce + sealed).decode()}'

    def decrypt(self, token: str, context: str) -> bytes:
        """The plaintext, or DecryptionError if the token was altered, is malformed or belongs to another context."""
        if not isinstance(token, str):
            raise DecryptionError('ciphertext is not text')
        key_id, separator, encoded = token.partition(SEPARATOR)
        if not separator or not _KEY_ID.fullmatch(key_id):
            raise DecryptionError('malformed ciphertext')
        if key_id not in self._aead:
            raise UnknownKeyId(key_id)
        raw = _strict_b64url(encoded)
        try:
            return self._aead[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(context))
        except InvalidTag:
            raise DecryptionError('ciphertext failed authentication') from None

    def key_id_of(self, token: str) -> str:
        """The key id a token names (no decryption, no check that it is genuine)."""
        return token.partition(SEPARATOR)[0]

    def rotate(self, token: str, context: str) -> str:
        """Re-encrypt under the current first key (with a fresh nonce)."""
        return self.encrypt(self.decrypt(token, context), context)


def _aad(context: str) -> bytes:
    if not isinstance(context, str) or not context:
        raise TypeError('the encryption context must be a non-empty str, e.g. "registrations.phone"')
    return context.encode()


def _strict_b64url(encoded: str) -> bytes:
    # The lenient decoder skips stray characters and ignores spare low bits, so several texts would decode to
    # one ciphertext; only the canonical encoding is accepted, so any change to the token text is refused.
    try:
        raw = base64.urlsafe_b64decode(encoded.encode('ascii'))
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise DecryptionError('malformed ciphertext') from None
    if base64.urlsafe_b64encode(raw).decode() != encoded or len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError('malformed ciphertext')
    return raw


def current_cipher() -> FieldCipher:
    """The running app's cipher (web, rq jobs and CLI commands all run inside an app context)."""
    try:
        return current_app.extensions['field_cipher']
    except KeyError:
        raise RuntimeError('miniapp_backend.security.init_app(app) has not run for this app') from None


class _EncryptedText(TypeDecorator):
    """Ciphertext in a TEXT column; `context` (conventionally `table.column`) binds each value to its column."""

    impl = sa.Text
    cache_ok = True

    def __init__(self, context: str):
        if not isinstance(context, str) or not context:
            raise TypeError('an encrypted column needs a context such as "registrations.phone"')
        super().__init__()
        self.context = context

    def _to_bytes(self, value) -> bytes:
        raise NotImplementedError

    def _from_bytes(self, raw: bytes):
        raise NotImplementedError

    def process_bind_param(self, value, dialect):
        return None if value is None else current_cipher().encrypt(self._to_bytes(value), self.context)

    def process_result_value(self, value, dialect):
        return None if value is None else self._from_bytes(current_cipher().decrypt(value, self.context))


class EncryptedBytes(_EncryptedText):
    """Bytes (photos, drawn signatures) encrypted at rest."""

    cache_ok = True

    @property
    def python_type(self) -> type:
        return bytes

    def _to_bytes(self, value) -> bytes:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            # bytes(5) would silently store five zero bytes.
            raise TypeError(f'{self.context} holds bytes, not {type(value).__name__}')
        return bytes(value)

    def _from_bytes(self, raw: bytes) -> bytes:
        return raw


class EncryptedString(_EncryptedText):
    """Text (ID numbers, names, phones, addresses) encrypted at rest."""

    cache_ok = True

    @property
    def python_type(self) -> type:
        return str

    def _to_bytes(self, value) -> bytes:
        if isinstance(value, (bytes, bytearray, memoryview)):
            # str(b'..') would store the repr and hand back "b'...'" on every read.
            raise TypeError(f'{self.context} holds text, not {type(value).__name__}')
        return str(value).encode()

    def _from_bytes(self, raw: bytes) -> str:
        return raw.decode()
