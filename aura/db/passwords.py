"""Password reset tokens issued outside any request (``aura reset-password``)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from aura.auth.passwords import reset_token, token_digest
from aura.db.pool import connect


async def issue_reset(dsn: str, email: str, ttl_seconds: int) -> tuple[str, datetime]:
    """A new one-time reset token for ``email``'s account and when it expires;
    LookupError when no account has that email."""
    token = reset_token()
    conn = await connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT * FROM aura.create_password_reset($1, $2, $3)",
            email.strip(),
            token_digest(token),
            ttl_seconds,
        )
    except asyncpg.PostgresError as exc:
        if exc.sqlstate == "AU404":
            raise LookupError(f"no user with email {email}") from None
        raise
    finally:
        await conn.close()
    return token, row["expires_at"]
