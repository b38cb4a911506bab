"""Who a bearer token names, checked against the database (for websockets and tools).

HTTP requests resolve tokens in ``aura.app`` (opaque tokens through a cache, validity
re-checked by ``aura.begin_token_request`` in every request); long-lived connections
call ``authenticate`` once when they open, then listen on the ``aura_auth`` channel and
re-check with ``aura.principal_active(user_id, token_id)`` when it names their user or
token, and end at ``Principal.expires_at``.
"""

from __future__ import annotations

import asyncpg

from aura.auth import opaque
from aura.auth.principal import Principal
from aura.auth.tokens import InvalidToken, bearer, verify


async def authenticate(
    conn: asyncpg.Connection, secret: str, authorization: str | None
) -> Principal | None:
    """The principal of ``Bearer <jwt-or-opaque-token>``; None without a header.

    Raises InvalidToken for a malformed, unknown, badly signed, expired or revoked
    token, and for a user who no longer exists or is disabled.
    """
    token = bearer(authorization)
    if token is None:
        return None
    if opaque.is_opaque(token):
        return await opaque.lookup(conn, token)
    principal = verify(secret, token)
    if not await conn.fetchval("SELECT aura.principal_active($1::uuid, NULL)", principal.user_id):
        raise InvalidToken("the user of this token is disabled or no longer exists")
    return principal
