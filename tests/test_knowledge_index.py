"""Chunks indexed in the background (migration 0018, ``aura.db.knowledge_index``): an
ingest stores its chunks pending, searches find them before the indexer ran, the
indexer adds them to the vector index without touching them otherwise, the backlog is
counted exactly and bounded, and the worker's job does it by itself."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import asyncpg
import pytest

from aura.config import Settings
from aura.db.knowledge_index import LOCK, backlog, index_pending
from aura.db.pool import create_pool
from tests import factories
from tests.conftest import Client, Response
from tests.test_knowledge import DIMENSION, ingest, search, unit
from tests.waiting import until

CAP = 10  # the backlog this file's server lets wait

_CHUNKS = """
query($id: ID!) {
  knowledgeSource(id: $id) {
    chunks(first: 100) { nodes { id content indexPending createdAt updatedAt } }
  }
}
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No worker: the tests run the indexer themselves, and see the pending state.
    return dataclasses.replace(settings, worker=False, knowledge_index_backlog=CAP)


def chunks(rng: random.Random, count: int, tag: str) -> list[dict[str, object]]:
    return [{"content": f"{tag} passage {i}", "embedding": unit(rng)} for i in range(count)]


async def document(
    client: Client, project: dict[str, Any], title: str, given: list[dict[str, Any]]
) -> Response:
    """An ingest of ``given`` chunks as a new document of ``project``."""
    return await ingest(
        client, projectId=project["id"], sourceType="doc", title=title, chunks=given
    )


async def pending(db: asyncpg.Connection) -> dict[bool, int]:
    rows = await db.fetch("SELECT index_pending, count(*) FROM knowledge_chunks GROUP BY 1")
    return {r[0]: r[1] for r in rows}


async def test_pending_chunks_are_found_then_indexed_untouched(
    client: Client, db: asyncpg.Connection, database: str
) -> None:
    project = await factories.project(client)
    given = chunks(random.Random(3), 20, "pending")
    source = (await document(client, project, "A", given)).ok()["ingestKnowledgeSource"]["source"]
    assert await pending(db) == {True: 20}
    assert await backlog(db) == 20
    # the ingest queued the indexing job in its own transaction
    assert (
        await db.fetchval(
            "SELECT count(*) FROM aura_queue.pgqueuer WHERE entrypoint = 'knowledge_index'"
        )
        == 1
    )

    async def nearest(vector: object) -> list[tuple[str, float]]:
        hits = (await search(client, embedding=vector, limit=3)).ok()["searchKnowledge"]["hits"]
        return [(h["chunk"]["content"], h["similarity"]) for h in hits]

    before = [await nearest(c["embedding"]) for c in given[:5]]
    for chunk, hits in zip(given[:5], before, strict=True):
        assert hits[0][0] == chunk["content"]  # a pending chunk is its own nearest
        assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    nodes = (await client.gql(_CHUNKS, {"id": source["id"]})).ok()["knowledgeSource"]["chunks"]
    assert {n["indexPending"] for n in nodes["nodes"]} == {True}
    filtered = await client.gql(
        "{ knowledgeChunks(filter: {indexPending: {eq: false}}) { totalCount } }"
    )
    assert filtered.ok()["knowledgeChunks"]["totalCount"] == 0

    pool = await create_pool(database, min_size=1, max_size=2)
    try:
        assert await index_pending(pool, batch=7) == 20  # three batches of 7, the last short
    finally:
        await pool.close()
    assert await pending(db) == {False: 20}
    assert await backlog(db) == 0
    after = (await client.gql(_CHUNKS, {"id": source["id"]})).ok()["knowledgeSource"]["chunks"]
    for node in after["nodes"]:
        assert node["indexPending"] is False
        assert node["updatedAt"] == node["createdAt"]  # being indexed is not a change
    # the same answers from the index
    again = [await nearest(c["embedding"]) for c in given[:5]]
    assert [[c for c, _ in hits] for hits in again] == [[c for c, _ in hits] for hits in before]
    for hits, earlier in zip(again, before, strict=True):
        assert [s for _, s in hits] == pytest.approx([s for _, s in earlier], abs=1e-6)


async def test_the_backlog_is_counted_exactly_and_bounded(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    rng = random.Random(4)
    first = (await document(client, project, "big", chunks(rng, CAP + 10, "big"))).ok()[
        "ingestKnowledgeSource"
    ]["source"]
    # the backlog was empty: all of them wait, past the cap by this one ingest
    assert await pending(db) == {True: CAP + 10}
    assert await backlog(db) == CAP + 10
    # now it is full: the next ingest indexes its chunks at once
    await document(client, project, "more", chunks(rng, 5, "m"))
    assert await pending(db) == {True: CAP + 10, False: 5}
    assert await backlog(db) == CAP + 10
    # a refused ingest changes nothing, the count included
    bad = await document(
        client,
        project,
        "bad",
        [*chunks(rng, 3, "b"), {"content": "wrong", "embedding": [0.5] * (DIMENSION - 1)}],
    )
    assert bad.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await backlog(db) == CAP + 10
    # deleting pending chunks (with their source) takes them off the backlog
    deleted = await client.gql(
        "mutation($id: ID!) { deleteKnowledgeSource(id: $id) }", {"id": first["id"]}
    )
    deleted.ok()
    assert await pending(db) == {False: 5}
    assert await backlog(db) == 0
    assert await db.fetchval("SELECT aura.defer_knowledge_index(0)") is False  # 0: off


async def test_a_number_beyond_single_precision_is_refused(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    vector = [1e300] + [0.5] * (DIMENSION - 1)
    response = await document(client, project, "huge", [{"content": "huge", "embedding": vector}])
    assert response.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "single precision" in response.errors[0]["message"]
    found = await search(client, embedding=vector)
    assert found.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await db.fetchval("SELECT count(*) FROM knowledge_chunks") == 0


class TestWithTheWorker:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, worker=True)

    async def test_the_worker_indexes_what_an_ingest_left_pending(
        self, client: Client, db: asyncpg.Connection
    ) -> None:
        project = await factories.project(client)
        await document(client, project, "A", chunks(random.Random(5), 30, "w"))

        async def indexed() -> bool:
            return await pending(db) == {False: 30}

        await until(indexed, "the worker to index the ingested chunks", within=30)
        assert await backlog(db) == 0

        async def done() -> bool:  # the job that did it completed and left the queue
            return not await db.fetchval(
                "SELECT count(*) FROM aura_queue.pgqueuer WHERE entrypoint = 'knowledge_index'"
            )

        await until(done, "the indexing job to complete")


async def test_one_indexer_at_a_time_the_other_looks_again_later(
    client: Client, db: asyncpg.Connection, database: str
) -> None:
    project = await factories.project(client)
    await document(client, project, "A", chunks(random.Random(6), 3, "lock"))
    await db.execute("DELETE FROM aura_queue.pgqueuer")  # the ingest's own job
    pool = await create_pool(database, min_size=1, max_size=2)
    try:
        assert await db.fetchval("SELECT pg_try_advisory_lock($1)", LOCK)  # another indexer
        assert await index_pending(pool) == 0
        assert await pending(db) == {True: 3}
        retry = await db.fetchrow(
            "SELECT status, execute_after > now() AS later FROM aura_queue.pgqueuer"
            " WHERE entrypoint = 'knowledge_index'"
        )
        assert (retry["status"], retry["later"]) == ("queued", True)
        await db.execute("SELECT pg_advisory_unlock($1)", LOCK)
        assert await index_pending(pool) == 3
    finally:
        await pool.close()
