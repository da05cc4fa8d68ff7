"""The security core: ID validation, field encryption, blind indexes, masking and sealing."""
from __future__ import annotations

import base64

from flask import Flask

from miniapp_backend.security.blind_index import BlindIndexer, blind_index
from miniapp_backend.security.crypto import (
    DecryptionError, EncryptedBytes, EncryptedString, FieldCipher, UnknownKeyId, parse_keys,
)
from miniapp_backend.security.idnumbers import ID_TYPES, IdInfo, InvalidIdNumber, validate_id_number
from miniapp_backend.security.masking import mask_address, mask_bank_account, mask_id_number, mask_name, mask_phone
from miniapp_backend.security.sealing import InvalidToken, Seal, Sealer

__all__ = [
    'ID_TYPES', 'BlindIndexer', 'DecryptionError', 'EncryptedBytes', 'EncryptedString', 'FieldCipher', 'IdInfo',
    'InvalidIdNumber', 'InvalidToken', 'Seal', 'Sealer', 'UnknownKeyId', 'blind_index', 'init_app', 'mask_address',
    'mask_bank_account', 'mask_id_number', 'mask_name', 'mask_phone', 'parse_keys', 'validate_id_number',
]


def init_app(app: Flask) -> None:
    """Build the cipher, blind indexer and sealer from the settings; a bad key stops start-up here."""
    app.extensions['field_cipher'] = FieldCipher(parse_keys(app.config['FIELD_ENCRYPTION_KEYS']))
    app.extensions['blind_indexer'] = BlindIndexer(base64.b64decode(app.config['BLIND_INDEX_KEY']))
    app.extensions['sealer'] = Sealer(app.config['SEAL_PRIVATE_KEY'])
