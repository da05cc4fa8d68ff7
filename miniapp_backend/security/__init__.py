"""The security core: ID validation, field encryption, blind indexes, masking and sealing."""

from __future__ import annotations

from flask import Flask

from miniapp_backend.security.blind_index import BlindIndexer, blind_index, parse_blind_index_key
from miniapp_backend.security.crypto import (
    DecryptionError,
    EncryptedBytes,
    EncryptedString,
    FieldCipher,
    UnknownKeyId,
    current_cipher,
    parse_keys,
)
from miniapp_backend.security.idnumbers import (
    ID_TYPES,
    IdInfo,
    InvalidIdNumber,
    check_digit,
    mrz_check_digit,
    validate_id_number,
)
from miniapp_backend.security.keys import generate_dev_keys
from miniapp_backend.security.masking import mask_address, mask_bank_account, mask_id_number, mask_name, mask_phone
from miniapp_backend.security.sealing import InvalidToken, Seal, Sealer, generate_private_key_pem

__all__ = [
    'ID_TYPES',
    'BlindIndexer',
    'DecryptionError',
    'EncryptedBytes',
    'EncryptedString',
    'FieldCipher',
    'IdInfo',
    'InvalidIdNumber',
    'InvalidToken',
    'Seal',
    'Sealer',
    'UnknownKeyId',
    'blind_index',
    'check_digit',
    'current_cipher',
    'generate_dev_keys',
    'generate_private_key_pem',
    'init_app',
    'mask_address',
    'mask_bank_account',
    'mask_id_number',
    'mask_name',
    'mask_phone',
    'mrz_check_digit',
    'parse_blind_index_key',
    'parse_keys',
    'validate_id_number',
]

_SETTINGS = ('FIELD_ENCRYPTION_KEYS', 'BLIND_INDEX_KEY', 'SEAL_PRIVATE_KEY')


def init_app(app: Flask) -> None:
    """Build the cipher, blind indexer and sealer from the settings; a missing or bad key stops start-up here."""
    missing = [name for name in _SETTINGS if not app.config.get(name)]
    if missing:
        raise ValueError(f'missing setting(s): {", ".join(missing)}')
    app.extensions['field_cipher'] = FieldCipher(parse_keys(app.config['FIELD_ENCRYPTION_KEYS']))
    app.extensions['blind_indexer'] = BlindIndexer(parse_blind_index_key(app.config['BLIND_INDEX_KEY']))
    app.extensions['sealer'] = Sealer(app.config['SEAL_PRIVATE_KEY'])
