"""Opaque access tokens (``oauth_tokens``): minting, hashing, and resolving to principals.

A token is ``aura_at_`` (access) or ``aura_rt_`` (refresh) followed by 256 random bits
(``secrets.token_urlsafe(32)``). The database keeps only its SHA-256: for a secret of
that entropy a fast hash is enough, since guessing a preimage is hopeless, and it lets
every request find its token by an index lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from typing import Any

import asyncpg

from aura.auth.principal import Principal
from aura.auth.tokens import InvalidToken

ACCESS_PREFIX = "aura_at_"
REFRESH_PREFIX = "aura_rt_"

_REFUSALS = {
    "revoked": "this access token has been revoked",
    "expired": "this access token has expired",
    "disabled": "this account is disabled",
}


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def is_opaque(token: str) -> bool:
    return token.startswith(ACCESS_PREFIX)


async def lookup(conn: asyncpg.Connection | Any, token: str) -> Principal:
    """The principal of a usable opaque access token; InvalidToken otherwise."""
    hashed = digest(token)
    row = await conn.fetchrow("SELECT * FROM aura.token_principal($1)", hashed)
    if row is None:
        raise InvalidToken("unknown access token")
    if row["status"] != "valid":
        raise InvalidToken(_REFUSALS.get(row["status"], "this access token cannot be used"))
    return Principal(
        user_id=str(row["user_id"]),
        token_id=str(row["token_id"]),
        scopes=frozenset(row["scopes"]),
        expires_at=row["expires_at"].timestamp(),
        token_hash=hashed.hex(),
    )


class TokenCache:
    """What opaque tokens name (user, scopes, expiry never change), per process.

    Saves the lookup on every request after the first. Validity (revoked? user
    disabled?) is not cached: ``aura.begin_token_request`` checks it in the database at
    the start of every request that touches data.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, Principal] = OrderedDict()

    def known(self, token: str) -> Principal | None:
        """The principal of a token already found valid here, unless expired; no lookup.

        Rate limiting keys a request by it: an unknown token says nothing about whose
        it is, so its request (and the lookup it will cost) counts against the address.
        """
        principal = self._entries.get(digest(token))
        if principal is None or _expired(principal):
            return None
        return principal

    async def principal(self, pool: asyncpg.Pool, token: str) -> Principal:
        key = digest(token)
        principal = self._entries.get(key)
        if principal is None:
            async with pool.acquire() as conn:
                principal = await lookup(conn, token)
            self._entries[key] = principal
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        if _expired(principal):
            self._entries.pop(key, None)
            raise InvalidToken("this access token has expired")
        return principal


def _expired(principal: Principal) -> bool:
    return principal.expires_at is not None and time.time() >= principal.expires_at
