"""HMAC-SHA256 blind indexes: look up and compare encrypted values without decrypting them."""
from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app


class BlindIndexer:
    def __init__(self, key: bytes):
        if len(key) < 32:
            raise ValueError('BLIND_INDEX_KEY must hold at least 32 bytes')
        self._key = key

    def index(self, value: str, purpose: str = 'id') -> str:
        """Equal for equal normalised values (spaces dropped, upper-case); different across purposes and keys."""
        normalised = re.sub(r'\s+', '', value or '').upper()
        return hmac.new(self._key, f'{purpose}\x00{normalised}'.encode(), hashlib.sha256).hexdigest()


def blind_index(value: str, purpose: str = 'id') -> str:
    """The current app's blind index of a value."""
    return current_app.extensions['blind_indexer'].index(value, purpose)
