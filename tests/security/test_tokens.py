"""Students' bearer tokens: the signature's answer is kept per process, everything else is judged on every call.

`tokens.verify` keeps what a token's signature proves (its claims and signing time) in a bounded lru_cache keyed by
token and secret. These tests hold that a kept token still expires on time, that nothing but the exact genuine
token under its own secret finds the kept answer, and that a kept token is not verified again.
"""

from __future__ import annotations

import secrets
import time
from types import SimpleNamespace

import pytest
from itsdangerous import BadSignature, SignatureExpired

from miniapp_backend.enrolment.errors import EnrolmentError
from miniapp_backend.enrolment.students import tokens

MAX_AGE = 60


@pytest.fixture
def secret() -> str:
    """A secret of the test's own, so no other test's tokens are in the cache under it."""
    return secrets.token_urlsafe(32)


@pytest.fixture
def clock(monkeypatch):
    """Sets the time both itsdangerous and `tokens` read (whole seconds, as itsdangerous signs)."""
    now = [int(time.time())]
    monkeypatch.setattr(time, 'time', lambda: float(now[0]))

    def set_to(seconds: int) -> None:
        now[0] = seconds

    set_to.now = now[0]
    return set_to


def _issue(secret: str, student_id: int = 7, version: int = 2) -> str:
    return tokens.issue(SimpleNamespace(id=student_id, token_version=version), secret)


def _refusal(token: str, secret: str, max_age: int = MAX_AGE) -> tuple[str, str] | tuple[int, int]:
    """The claims `verify` returns, or the (code, message) of its refusal."""
    try:
        return tokens.verify(token, secret, max_age)
    except EnrolmentError as error:
        assert error.status == 401
        return error.code, error.message


def _itsdangerous(token: str, secret: str, max_age: int = MAX_AGE) -> str | tuple[int, int]:
    """What verifying with itsdangerous's own age check (no cache) answers: the claims or the refusal's code."""
    try:
        claims = tokens._serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired:
        return 'token_expired'
    except BadSignature:
        return 'invalid_token'
    return claims['s'], claims['v']


EXPIRED = ('token_expired', '登录已过期，请重新登录')
INVALID = ('invalid_token', '登录信息无效，请重新登录')


def _replace(token: str, index: int) -> str:
    """The token with the character at `index` changed to another of base64's alphabet."""
    return token[:index] + ('A' if token[index] != 'A' else 'B') + token[index + 1 :]


def test_a_cached_token_past_its_max_age_is_refused_as_expired(secret, clock):
    start = clock.now
    token = _issue(secret)
    assert _refusal(token, secret) == (7, 2)  # kept from here on
    clock(start + MAX_AGE)
    assert _refusal(token, secret) == (7, 2)
    clock(start + MAX_AGE + 1)
    assert _refusal(token, secret) == EXPIRED
    assert _refusal(token, secret, max_age=MAX_AGE + 1) == (7, 2)  # the age is judged against the call's max_age
    clock(start - 1)  # the clock went back: signed in the future, which itsdangerous refuses as expired too
    assert _refusal(token, secret) == EXPIRED


@pytest.mark.parametrize('signed_ago', [-5, -1, 0, 1, MAX_AGE, MAX_AGE + 1, 10 * MAX_AGE])
def test_kept_or_not_a_token_is_judged_as_itsdangerous_judges_its_age(secret, clock, signed_ago):
    start = clock.now
    clock(start - signed_ago)
    token = _issue(secret)
    clock(start)
    expected = _itsdangerous(token, secret)
    assert expected == ((7, 2) if 0 <= signed_ago <= MAX_AGE else 'token_expired')
    for _ in range(2):  # the first call verifies the signature, the second finds it kept
        answer = _refusal(token, secret)
        assert (answer if isinstance(answer[0], int) else answer[0]) == expected


def test_a_tampered_token_is_refused_after_the_genuine_one_was_kept(secret):
    token = _issue(secret)
    assert _refusal(token, secret) == (7, 2)
    payload_end, signature_start = token.index('.'), token.rindex('.') + 1
    tampered = [
        _replace(token, 3),  # the payload
        _replace(token, payload_end + 2),  # the signing time
        _replace(token, signature_start),  # the signature
        _replace(token, signature_start + 10),
        token[:signature_start] + token[signature_start:][::-1],
        token[:-1],
        _issue(secret, student_id=8)[:signature_start] + token[signature_start:],  # another student's claims
    ]
    assert all(forged != token for forged in tampered)
    kept = tokens._signed.cache_info().currsize
    assert [_refusal(forged, secret) for forged in tampered] == [INVALID] * len(tampered)
    assert tokens._signed.cache_info().currsize == kept  # refusals are not kept
    assert _refusal(token, secret) == (7, 2)


def test_a_token_signed_with_another_secret_is_refused(secret):
    other = secrets.token_urlsafe(32)
    assert _refusal(_issue(other), secret) == INVALID
    assert _refusal(_issue(other, student_id=9), secret) == INVALID


def test_a_kept_token_is_refused_once_the_secret_is_rotated(secret):
    token = _issue(secret)
    assert _refusal(token, secret) == (7, 2)
    rotated = secrets.token_urlsafe(32)
    assert _refusal(token, rotated) == INVALID
    assert _refusal(token, rotated) == INVALID
    assert _refusal(_issue(rotated), rotated) == (7, 2)


def test_the_cache_is_bounded_and_a_kept_token_is_not_verified_again(secret, monkeypatch):
    assert tokens._signed.cache_info().maxsize == 4096
    serializer = tokens._serializer(secret)  # the one `_signed` uses for this secret (one per secret, kept)
    loads = []

    def counted(*args, **kwargs):
        loads.append(args[0])
        return type(serializer).loads(serializer, *args, **kwargs)

    monkeypatch.setattr(serializer, 'loads', counted)
    token, forged = _issue(secret), _replace(_issue(secret, student_id=5), 3)
    assert [_refusal(token, secret) for _ in range(3)] == [(7, 2)] * 3
    assert loads == [token]
    assert [_refusal(forged, secret) for _ in range(2)] == [INVALID] * 2
    assert loads == [token, forged, forged]  # a refused signature is checked again each time
    # A full cache pushes the least recently used token out: it is verified again when it comes back.
    for student_id in range(1000, 1000 + 4096):
        assert _refusal(_issue(secret, student_id=student_id), secret) == (student_id, 2)
    assert tokens._signed.cache_info().currsize == 4096
    del loads[:]
    assert _refusal(token, secret) == (7, 2)
    assert loads == [token]


@pytest.mark.parametrize(
    ('student_id', 'version'), [(True, 1), (1, True), (2**40, 1), (1, 2**40), (0, 1), (-3, 1), (1, -1)]
)
def test_claims_issue_never_writes_are_refused_even_under_the_right_signature(secret, student_id, version):
    token = tokens._serializer(secret).dumps({'s': student_id, 'v': version})
    assert _refusal(token, secret) == INVALID
