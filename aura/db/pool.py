"""The asyncpg pool: codecs for JSON, UUID and pgvector, and no reset round trip."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from pgvector.asyncpg import register_vector


def _dump_json(value: Any) -> str:
    return orjson.dumps(value).decode()


async def init_connection(conn: asyncpg.Connection) -> None:
    """Codecs every connection gets, whether pooled or opened for a single task."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_dump_json, decoder=orjson.loads, schema="pg_catalog", format="text"
        )
    # IDs travel as text end to end: GraphQL IDs are strings and str is cheaper than UUID.
    await conn.set_type_codec("uuid", encoder=str, decoder=str, schema="pg_catalog", format="text")
    if await conn.fetchval("SELECT to_regtype('vector') IS NOT NULL"):
        await register_vector(conn)


async def _no_reset(conn: asyncpg.Connection) -> None:
    """Requests use only transaction-local settings, so nothing needs resetting.

    asyncpg's default reset costs one round trip per checkout; every request ends its
    transaction with COMMIT or ROLLBACK, which already discards its settings.
    """


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=_no_reset,
        statement_cache_size=1024,
        max_inactive_connection_lifetime=300,
    )
    assert pool is not None
    return pool


async def connect(dsn: str, *, application_name: str | None = None) -> asyncpg.Connection:
    settings = {"application_name": application_name} if application_name else None
    conn = await asyncpg.connect(dsn, server_settings=settings)
    await init_connection(conn)
    return conn
