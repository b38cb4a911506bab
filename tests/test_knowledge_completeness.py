"""Search is complete under row-level security: a user who owns 1 % of 20,000 chunks
asks for the top 10 and gets exactly the 10 an exact search over their own rows returns.

A plain HNSW scan would not: it returns the index's ``ef_search`` (40) nearest rows and
row-level security then drops the ones of other tenants, leaving about 0.4 of them. The
test runs its own installation at dimension 32 (migrated with
``AURA_EMBEDDING_DIMENSION=32``) so that 20,000 vectors and their index take seconds.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn

from aura.app import create_app
from aura.cli import server_options
from aura.config import Settings
from aura.db.database import with_database
from aura.db.migrate import upgrade
from aura.db.pool import connect
from tests.conftest import JWT_SECRET, Client, User, make_user, serving

DIMENSION = 32
TOTAL = 20_000
pytestmark = pytest.mark.timeout(120)

# Owners by share of the chunks: 1 % (exact scan), 15 % (iterative index scan), the rest.
_CHUNKS = f"""
INSERT INTO knowledge_chunks (source_id, project_id, chunk_index, content, content_hash,
                              token_count, embedding)
SELECT CASE WHEN g % 100 = 0 THEN $1::uuid WHEN g % 100 < 16 THEN $2::uuid ELSE $3::uuid END,
       CASE WHEN g % 100 = 0 THEN $4::uuid WHEN g % 100 < 16 THEN $5::uuid ELSE $6::uuid END,
       g, 'chunk ' || g, md5(g::text) || md5((-g)::text), 2,
       (SELECT array_agg(random() - 0.5) FROM generate_series(1, {DIMENSION}) WHERE g > 0)::vector
FROM generate_series(1, {TOTAL}) g
"""


@pytest.fixture
async def small_installation(
    pg_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, str]]:
    """A database migrated at dimension 32, and the URL of an Aura serving it."""
    name = f"dim32_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(pg_server, name)
    try:
        monkeypatch.setenv("AURA_EMBEDDING_DIMENSION", str(DIMENSION))
        await upgrade(dsn)
        settings = Settings(
            home=tmp_path,
            jwt_secret=JWT_SECRET,
            pool_min_size=1,
            pool_max_size=8,
            seed_demo=False,
            embedding_dimension=DIMENSION,
        )
        app = create_app(settings, dsn=dsn)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            **{**server_options(settings), "loop": "asyncio"},  # type: ignore[arg-type]
        )
        uv = uvicorn.Server(config)
        task = await serving(uv)
        port = uv.servers[0].sockets[0].getsockname()[1]
        try:
            yield dsn, f"http://127.0.0.1:{port}"
        finally:
            uv.should_exit = True
            await task
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _owner(db: asyncpg.Connection, tag: str) -> tuple[User, str, str]:
    user = await make_user(db, f"{tag}@example.com")
    project = await db.fetchval(
        "INSERT INTO projects (name, owner_id) VALUES ($1, $2) RETURNING id::text", tag, user.id
    )
    source = await db.fetchval(
        "INSERT INTO knowledge_sources (project_id, source_type, title)"
        " VALUES ($1, 'generated', $2) RETURNING id::text",
        project,
        tag,
    )
    return user, project, source


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


async def _exact(db: asyncpg.Connection, project: str, query: list[float]) -> list[str]:
    """The true top 10 of a project's chunks, computed here from every row."""
    rows = await db.fetch(
        "SELECT id::text, embedding FROM knowledge_chunks WHERE project_id = $1", project
    )
    ranked = sorted(rows, key=lambda r: (-_cosine(query, r["embedding"].to_list()), r["id"]))
    return [r["id"] for r in ranked[:10]]


_SEARCH = """
query($embedding: Vector) {
  searchKnowledge(embedding: $embedding, limit: 10) { hits { similarity chunk { id } } }
}
"""


async def test_a_one_percent_owner_gets_the_exact_top_ten(
    small_installation: tuple[str, str],
) -> None:
    dsn, url = small_installation
    db = await connect(dsn)
    try:
        small, small_project, small_source = await _owner(db, "small")
        mid, mid_project, mid_source = await _owner(db, "mid")
        big, big_project, big_source = await _owner(db, "big")
        # Bulk load without the index, then build it (what a restore does).
        await db.execute("DROP INDEX ix_knowledge_chunks_embedding_hnsw")
        await db.execute("SELECT setseed(0.42)")
        await db.execute(
            _CHUNKS, small_source, mid_source, big_source, small_project, mid_project, big_project
        )
        # A lighter graph than the migration's defaults (m 16, ef_construction 64), built
        # in seconds on a busy machine; the exact path does not use it anyway.
        await db.execute("SET maintenance_work_mem = '256MB'")
        await db.execute(
            "CREATE INDEX ix_knowledge_chunks_embedding_hnsw ON knowledge_chunks"
            " USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32)"
            " WHERE NOT index_pending"
        )
        await db.execute("ANALYZE knowledge_chunks")
        shares = dict(
            await db.fetch("SELECT project_id::text, count(*) FROM knowledge_chunks GROUP BY 1")
        )
        assert shares[small_project] == TOTAL // 100

        rng = random.Random(5)
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for owner, project, path in (
                (small, small_project, "exact"),
                (mid, mid_project, "index"),
            ):
                client = Client(http, owner)
                for _ in range(3):
                    query = [rng.random() - 0.5 for _ in range(DIMENSION)]
                    found = (await client.gql(_SEARCH, {"embedding": query})).ok()
                    ids = [h["chunk"]["id"] for h in found["searchKnowledge"]["hits"]]
                    expected = await _exact(db, project, query)
                    assert len(ids) == 10
                    if path == "exact":
                        # a small visible set: scanned exactly, the true answer
                        assert ids == expected
                    else:
                        # 3,000 visible rows: the index is scanned iteratively until 10 of
                        # them passed; approximate (recall is measured in bench/knowledge.py
                        # with the real index settings), but full, best first, and theirs
                        similarities = [h["similarity"] for h in found["searchKnowledge"]["hits"]]
                        assert similarities == sorted(similarities, reverse=True)
                        owners = await db.fetchval(
                            "SELECT count(*) FROM knowledge_chunks WHERE id = ANY($1::uuid[])"
                            " AND project_id = $2",
                            ids,
                            project,
                        )
                        assert owners == 10
            big_hits = (await Client(http, big).gql(_SEARCH, {"embedding": query})).ok()
            assert len(big_hits["searchKnowledge"]["hits"]) == 10

            # Half of the mid owner's chunks wait for the indexer (out of the index):
            # the index scan misses them, the exact scan of pending rows beside it does not.
            await db.execute(
                "UPDATE knowledge_chunks SET index_pending = true"
                " WHERE project_id = $1 AND chunk_index % 2 = 0",
                mid_project,
            )
            waiting = {
                r[0]
                for r in await db.fetch("SELECT id::text FROM knowledge_chunks WHERE index_pending")
            }
            client = Client(http, mid)
            among = 0
            for _ in range(3):
                query = [rng.random() - 0.5 for _ in range(DIMENSION)]
                found = (await client.gql(_SEARCH, {"embedding": query})).ok()
                ids = [h["chunk"]["id"] for h in found["searchKnowledge"]["hits"]]
                expected = await _exact(db, mid_project, query)
                assert len(ids) == 10
                assert waiting & set(expected) <= set(ids)
                among += len(waiting & set(expected))
            assert among  # pending rows were among the nearest: the test means something
    finally:
        await db.close()
