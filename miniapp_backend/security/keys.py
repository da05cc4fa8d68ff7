"""Fresh secrets for development and tests (production takes its keys from the environment)."""

from __future__ import annotations

import base64
import os
import secrets

from miniapp_backend.security.sealing import generate_private_key_pem


def generate_dev_keys() -> dict[str, str]:
    """One value for each secret setting, in the formats config.py and init_app expect."""
    return {
        'SECRET_KEY': secrets.token_hex(32),
        'FIELD_ENCRYPTION_KEYS': 'k1:' + base64.b64encode(os.urandom(32)).decode(),
        'BLIND_INDEX_KEY': base64.b64encode(os.urandom(32)).decode(),
        'SEAL_PRIVATE_KEY': generate_private_key_pem(),
    }
