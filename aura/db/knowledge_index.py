"""The background indexer of knowledge chunks (migration 0018_knowledge_index).

An ingest stores its chunks ``index_pending``: the HNSW index is partial on indexed
chunks, so the insert does not pay for the index (about 2 ms of PostgreSQL's CPU per
chunk at dimension 384; the rest of the insert costs a tenth of that). Searches scan
the pending chunks exactly beside the index (``aura.resolvers.knowledge_search``), so
nothing is missing meanwhile, only slower to find. This job clears the flag in small
transactions, which is when PostgreSQL adds the rows to the index.

One indexer runs at a time, whichever worker it is in (an advisory lock). A worker
that dies loses at most its current batch's work (the rows stay pending); the next
ingest's job, or the workers' sweep every minute (``aura.db.maintenance``), picks them
up.
"""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg

from aura.config import Settings

log = logging.getLogger("aura.jobs")

# Rows per transaction: about a quarter of a second of index inserts, so that a batch
# holds its row locks briefly and a stopped worker loses little.
BATCH = 100
# A bulk load: ingests arriving faster than this (chunks a second) are let finish before
# indexing, looked at again every PAUSE seconds.
BULK_PER_SECOND = 1_000
PAUSE = 0.25
# The indexer's advisory lock ("aura" "knix"), and how soon a job that found it taken
# looks again.
LOCK = 0x61757261_6B6E6978
RETRY = 1.0
DEFAULT_CAP = Settings().knowledge_index_backlog

_INDEX = """
WITH batch AS (
  SELECT id FROM knowledge_chunks WHERE index_pending LIMIT $1 FOR UPDATE SKIP LOCKED
)
UPDATE knowledge_chunks c SET index_pending = false FROM batch WHERE c.id = batch.id
"""


async def index_pending(
    pool: asyncpg.Pool, *, cap: int = DEFAULT_CAP, batch: int = BATCH, pause: float = PAUSE
) -> int:
    """Add pending chunks to the vector index until none is left; how many.

    One indexer at a time, whichever worker runs it (an advisory lock): two would share
    the same two cores and the index's locks. A job that finds another at work queues
    itself again ``RETRY`` seconds later and ends: the other may have looked for the last
    time before this job's chunks committed.

    Runs as the database owner (the workers' role), past row-level security: every
    tenant's chunks are indexed alike."""
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK):
            await conn.execute("SELECT aura.enqueue_knowledge_index($1)", RETRY)
            return 0
        try:
            total = await _index(conn, cap, batch, pause)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK)
    if total:
        log.info("indexed %d knowledge chunks", total)
    return total


async def _index(conn: asyncpg.Connection, cap: int, batch: int, pause: float) -> int:
    """The batches, paced: while ingests arrive faster than ``BULK_PER_SECOND`` (a bulk
    load) it waits for them to finish, because on a machine the ingests already keep
    busy indexing beside them halves their rate, and the load is over sooner with the
    index built after it. It does not wait once the backlog reaches half of ``cap``, so
    that ingests find room. The first decision comes after one pause, which measures
    the rate."""
    total = 0
    seen, since = await backlog(conn), time.monotonic()
    await asyncio.sleep(pause)
    while True:
        waiting, now = await backlog(conn), time.monotonic()
        arrived = max(0, waiting - seen)  # ingested since the last look
        elapsed, seen, since = now - since, waiting, now
        if not waiting:
            return total
        if arrived > BULK_PER_SECOND * elapsed and waiting < cap // 2:
            await asyncio.sleep(pause)
            continue
        done = int((await conn.execute(_INDEX, batch)).split()[-1])
        total += done
        seen -= done
        if done < batch:
            return total


async def backlog(conn: asyncpg.Connection) -> int:
    """How many chunks wait for the indexer (every tenant's)."""
    return int(await conn.fetchval("SELECT aura.knowledge_index_backlog()"))
