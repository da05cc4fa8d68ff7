"""Blind indexes: equal for equal normalised values, unrelated across purposes and keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest
from hypothesis import given, strategies as st

from miniapp_backend.security.blind_index import BlindIndexer, parse_blind_index_key

KEY = os.urandom(32)
INDEXER = BlindIndexer(KEY)


def test_equal_normalised_inputs_match():
    expected = INDEXER.index('34052419800101001X')
    for typed in ('34052419800101001x', ' 34052419800101001X', '340524 1980 0101 001X\n', '\t34052419800101001x '):
        assert INDEXER.index(typed) == expected


def test_definition():
    message = b'id\x0034052419800101001X'
    assert INDEXER.index('34052419800101001x') == hmac.new(KEY, message, hashlib.sha256).hexdigest()
    assert len(INDEXER.index('')) == 64


def test_purposes_and_keys_separate():
    value = '34052419800101001X'
    assert INDEXER.index(value) == INDEXER.index(value, purpose='id')
    assert INDEXER.index(value) != INDEXER.index(value, purpose='phone')
    assert INDEXER.index(value) != BlindIndexer(os.urandom(32)).index(value)


@given(st.text(max_size=40), st.text(max_size=40))
def test_distinct_normalised_values_get_distinct_indexes(first, second):
    same = ''.join(first.split()).upper() == ''.join(second.split()).upper()
    assert (INDEXER.index(first) == INDEXER.index(second)) == same


@pytest.mark.parametrize('purpose', ['', 'i\x00d'])
def test_bad_purposes_are_refused(purpose):
    with pytest.raises(ValueError):
        INDEXER.index('x', purpose=purpose)


def test_values_must_be_text():
    with pytest.raises(TypeError):
        INDEXER.index(None)


def test_short_keys_are_refused():
    with pytest.raises(ValueError):
        BlindIndexer(os.urandom(31))


def test_parse_key():
    assert parse_blind_index_key(base64.b64encode(KEY).decode()) == KEY
    for bad, message in [('', '32 bytes'), ('%%%', 'base64'), (base64.b64encode(b'k' * 16).decode(), '32 bytes')]:
        with pytest.raises(ValueError, match=message):
            parse_blind_index_key(bad)
