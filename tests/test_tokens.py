"""Token verification, including the cache of verified tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from aura.auth.tokens import InvalidToken, mint, principal_from_header, verify

SECRET = "s" * 40
USER = "4a1f2a4e-9a57-4d8e-9f38-3c0b6e6a1d11"


def test_round_trip() -> None:
    assert verify(SECRET, mint(SECRET, USER, email="a@b.c")).user_id == USER


def test_expired_token_is_refused_even_after_a_cached_success(monkeypatch) -> None:
    token = mint(SECRET, USER, ttl_seconds=60)
    assert verify(SECRET, token).user_id == USER
    monkeypatch.setattr(time, "time", lambda: 10**10)
    with pytest.raises(InvalidToken, match="expired"):
        verify(SECRET, token)


@pytest.mark.parametrize(
    "token",
    [
        mint("another-secret-of-sufficient-length!", USER),
        jwt.encode({"sub": USER, "iss": "aura", "iat": 1}, SECRET, algorithm="HS256"),
        jwt.encode(
            {"sub": "not-a-uuid", "iss": "aura", "iat": 1, "exp": 2**40}, SECRET, algorithm="HS256"
        ),
        jwt.encode({"sub": USER, "iss": "evil", "iat": 1, "exp": 2**40}, SECRET, algorithm="HS256"),
        "garbage",
    ],
)
def test_invalid_tokens(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify(SECRET, token)


def test_header_parsing() -> None:
    assert principal_from_header(SECRET, None) is None
    with pytest.raises(InvalidToken):
        principal_from_header(SECRET, "Token abc")
    assert principal_from_header(SECRET, f"Bearer {mint(SECRET, USER)}").user_id == USER
