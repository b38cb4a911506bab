"""The start-up check that the database's embedding columns have the installation's
dimension.

The migration creates every ``vector(N)`` column with ``AURA_EMBEDDING_DIMENSION`` as it
was then; a server started later with another value would embed queries the columns
cannot compare with, and every search and ingest would fail. It refuses to start instead,
naming the columns and both numbers.
"""

from __future__ import annotations

import asyncpg

# pgvector keeps a vector column's dimension as its type modifier.
_COLUMNS = """
SELECT c.relname || '.' || a.attname AS column_name, a.atttypmod AS dimension
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid = to_regtype('vector')
ORDER BY 1
"""


class EmbeddingDimensionMismatch(RuntimeError):
    """The setting and the database's embedding columns disagree."""


async def check_embedding_dimension(pool: asyncpg.Pool, dimension: int) -> None:
    async with pool.acquire() as conn:
        if await conn.fetchval("SELECT to_regtype('vector')") is None:
            return
        rows = await conn.fetch(_COLUMNS)
    wrong = [f"{r['column_name']} ({r['dimension']})" for r in rows if r["dimension"] != dimension]
    if wrong:
        raise EmbeddingDimensionMismatch(
            f"AURA_EMBEDDING_DIMENSION is {dimension} but the database's embedding columns "
            f"were created with another dimension: {', '.join(wrong)}. The dimension is "
            "fixed when the database is migrated: set AURA_EMBEDDING_DIMENSION back, or "
            "use a new database."
        )
