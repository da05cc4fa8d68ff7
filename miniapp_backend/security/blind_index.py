"""HMAC-SHA256 blind indexes: look up and compare encrypted values without decrypting them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from flask import current_app

MIN_KEY_BYTES = 32


def parse_blind_index_key(spec: str) -> bytes:
    """Read BLIND_INDEX_KEY: base64 of at least 32 random bytes."""
    try:
        key = base64.b64decode((spec or '').strip(), validate=True)
    except binascii.Error:
        raise ValueError('BLIND_INDEX_KEY is not valid base64') from None
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f'BLIND_INDEX_KEY must hold at least {MIN_KEY_BYTES} bytes, not {len(key)}')
    return key


def normalise(value: str) -> str:
    """What is indexed: surrounding and inner whitespace dropped, upper-case."""
    return ''.join(value.split()).upper()


class BlindIndexer:
    """Keyed, deterministic digests: equal for equal normalised values, unrelated across purposes and keys."""

    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f'a blind index key must hold at least {MIN_KEY_BYTES} bytes')
        self._key = bytes(key)

    def index(self, value: str, purpose: str = 'id') -> str:
        """Hex HMAC-SHA256 of `purpose NUL normalised-value`."""
        if not isinstance(value, str):
            raise TypeError(f'blind index of a {type(value).__name__}; pass the text value')
        # The NUL separates purpose from value, so no purpose may contain one.
        if not purpose or '\x00' in purpose:
            raise ValueError('a blind index purpose must be non-empty and hold no NUL')
        message = f'{purpose}\x00{normalise(value)}'.encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def blind_index(value: str, purpose: str = 'id') -> str:
    """The running app's blind index of a value."""
    try:
        indexer: BlindIndexer = current_app.extensions['blind_indexer']
    except KeyError:
        raise RuntimeError('miniapp_backend.security.init_app(app) has not run for this app') from None
    return indexer.index(value, purpose)
