"""The asyncpg pool: codecs for JSON, UUID, timestamps and pgvector, and no reset round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from pgvector.asyncpg import register_vector

from aura.db import vectors


def _dump_json(value: Any) -> str:
    return orjson.dumps(value).decode()


# PostgreSQL sends a timestamptz as microseconds since 2000-01-01 UTC.
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INFINITIES = (2**63 - 1, -(2**63))


def _encode_timestamptz(value: datetime) -> tuple[int]:
    """The instant, exactly: asyncpg's own codec writes 0001-01-01T00:00:00Z as
    ``-infinity`` (and 9999-12-31T23:59:59.999999Z as ``infinity``), which then read
    back as naive datetimes; a naive datetime would be taken in the server's local zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"a timestamp needs its UTC offset: {value!r}")
    return ((value - _PG_EPOCH) // _MICROSECOND,)


def _decode_timestamptz(value: tuple[int]) -> datetime:
    """An aware datetime in UTC; ``infinity`` and dates beyond year 9999 have none."""
    microseconds = value[0]
    if microseconds in _INFINITIES:
        raise ValueError("an infinite timestamp has no DateTime")
    return _PG_EPOCH + timedelta(0, 0, microseconds)  # positional: twice as fast


async def init_connection(conn: asyncpg.Connection) -> None:
    """Codecs every connection gets, whether pooled or opened for a single task."""
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_dump_json, decoder=orjson.loads, schema="pg_catalog", format="text"
        )
    # IDs travel as text end to end: GraphQL IDs are strings and str is cheaper than UUID.
    await conn.set_type_codec("uuid", encoder=str, decoder=str, schema="pg_catalog", format="text")
    await conn.set_type_codec(
        "timestamptz",
        encoder=_encode_timestamptz,
        decoder=_decode_timestamptz,
        schema="pg_catalog",
        format="tuple",
    )
    if await conn.fetchval("SELECT to_regtype('vector') IS NOT NULL"):
        await register_vector(conn)  # halfvec, sparsevec; vector's encoder is ours:
        await conn.set_type_codec(
            "vector", encoder=vectors.encode, decoder=vectors.decode, format="binary"
        )


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
