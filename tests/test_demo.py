"""The demo data and the command line."""

from __future__ import annotations

import asyncpg

from aura.auth.tokens import verify
from aura.cli import main
from aura.db.demo import MVP_TASKS, SUPERVISED, USERS
from aura.db.seed import seed


async def test_demo_seed_loads_the_samples(db: asyncpg.Connection) -> None:
    await seed(db)
    assert await db.fetchval("SELECT count(*) FROM users") == len(USERS)
    names = {r[0] for r in await db.fetch("SELECT name FROM projects")}
    assert names == {name for name, *_ in SUPERVISED} | {"aura-mvp"}
    statuses = dict(
        await db.fetch(
            "SELECT t.key, t.status FROM tasks t JOIN projects p ON p.id = t.project_id "
            "WHERE p.name = 'aura-mvp'"
        )
    )
    assert statuses == {key: status for key, _t, _ty, status, *_ in MVP_TASKS}
    roles = {r[0] for r in await db.fetch("SELECT role FROM users")}
    assert roles == {"ADMIN", "USER", "MANAGER", "PENDING"}


def test_token_command_mints_a_verifiable_token(
    database: str, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("AURA_HOME", str(tmp_path))
    monkeypatch.delenv("AURA_JWT_SECRET", raising=False)
    assert main(["token", "--email", "someone@example.com"]) == 1
    assert main(["token", "--email", "someone@example.com", "--create"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    secret = (tmp_path / "jwt-secret").read_text().strip()
    assert len(secret) >= 32
    assert verify(secret, token).email == "someone@example.com"


async def test_demo_seed_loads_the_orchestration_samples(db: asyncpg.Connection) -> None:
    await seed(db)
    plans = dict(await db.fetch("SELECT key, status FROM plans"))
    assert plans == {"plan-001-a": "PROPOSED", "plan-001-b": "PROPOSED", "plan-002": "APPROVED"}
    choices = dict(await db.fetch("SELECT key, choice FROM decisions"))
    assert choices == {
        "decision-001": "Quick fix: add the missing types",
        "decision-002": "Supabase Realtime",
    }
    assert await db.fetchval("SELECT count(*) FROM results WHERE status = 'SUCCESS'") == 2
    assert await db.fetchval("SELECT sum(applied_count) FROM human_overrides") == 3
    assert await db.fetchval("SELECT count(*) FROM events") > 0


async def test_demo_knowledge_answers_searches(db: asyncpg.Connection, http) -> None:
    from pgvector import Vector

    from aura.ai.offline import HashingEmbedder
    from aura.auth.tokens import mint
    from aura.config import Settings
    from tests.conftest import JWT_SECRET, Client, User

    await seed(db)
    assert await db.fetchval("SELECT count(*) FROM knowledge_chunks") >= 5
    assert await db.fetchval("SELECT count(*) FROM learnings") == 3
    ada = await db.fetchval("SELECT id::text FROM users WHERE email = 'ada@aura.dev'")
    client = Client(http, User(ada, "ada@aura.dev", "USER", mint(JWT_SECRET, ada)))
    found = (
        await client.gql(
            '{ searchKnowledge(query: "tenant filters starve nearest neighbour search", '
            "mode: HYBRID, limit: 3) { hits { chunk { content source { title } } } } }"
        )
    ).ok()["searchKnowledge"]["hits"]
    assert "starve" in found[0]["chunk"]["content"]
    assert found[0]["chunk"]["source"]["title"] == "Aura architecture notes"
    # the seed's SQL functions answer too
    (query,) = await HashingEmbedder(Settings().embedding_dimension).embed(["envelope encryption"])
    rows = await db.fetch(
        "SELECT * FROM aura.search_knowledge_chunks($1, NULL, 2, 0)", Vector(query)
    )
    assert "envelope encryption" in rows[0]["content"]
    learnings = await db.fetch(
        "SELECT title FROM aura.search_learnings($1, NULL, 'realtime', 5, 0)", Vector(query)
    )
    assert [r["title"] for r in learnings] == ["Resume subscriptions with the last cursor"]
