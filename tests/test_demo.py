"""The demo data and the command line."""

from __future__ import annotations

import asyncpg

from aura.auth.tokens import verify
from aura.cli import main
from aura.db.demo import MVP_TASKS, PORT_RANGES, PORT_SERVICES, SUPERVISED, USERS
from aura.db.seed import seed


async def test_demo_seed_loads_the_samples(db: asyncpg.Connection) -> None:
    await seed(db)
    assert await db.fetchval("SELECT count(*) FROM users") == len(USERS)
    names = {r[0] for r in await db.fetch("SELECT name FROM projects")}
    assert names == {name for name, *_ in SUPERVISED} | {"aura-mvp", "labelling"}
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


async def test_demo_seed_loads_estimation_history(db: asyncpg.Connection) -> None:
    await seed(db)
    patterns = {
        (r["task_type"], r["complexity"]): (r["sample_count"], r["avg_duration_minutes"])
        for r in await db.fetch("SELECT * FROM estimation_patterns")
    }
    # task-003: sessions 45 + 35 = 80 and 50 minutes; task-004: 25; task-001: 90 + 50 + 60.
    assert patterns == {
        ("BUGFIX", "MEDIUM"): (2, 65),
        ("DOCS", "LOW"): (1, 25),
        ("FEATURE", "HIGH"): (1, 200),
    }
    open_sessions = await db.fetchval(
        "SELECT count(*) FROM time_tracking_sessions WHERE ended_at IS NULL"
    )
    assert open_sessions == 1
    project = await db.fetchval("SELECT id FROM projects WHERE name = 'aura-mvp'")
    estimate = await db.fetchrow(
        "SELECT * FROM aura.get_recommended_estimate($1, 'FEATURE', 'MEDIUM')", project
    )
    # Only task-001's run (200 minutes, unclear requirements at 0.5: 1 + 0.4 * 0.5 = 1.2).
    assert (estimate["basis"], estimate["minutes"]) == ("TYPE_ONLY", 240)


async def test_demo_seed_loads_port_ranges_and_the_supervised_projects_allocations(
    db: asyncpg.Connection,
) -> None:
    await seed(db)
    ranges = {r[0] for r in await db.fetch("SELECT range_name FROM port_ranges")}
    assert ranges == {name for name, *_ in PORT_RANGES}
    rows = await db.fetch(
        "SELECT p.name, a.service_name, a.port_number, r.range_name FROM port_allocations a"
        " JOIN projects p ON p.id = a.project_id JOIN port_ranges r ON r.id = a.port_range_id"
    )
    assert {(r[0], r[1], r[3]) for r in rows} == set(PORT_SERVICES)
    assert {r[0] for r in rows} == {name for name, *_ in SUPERVISED}
    assert len({r[2] for r in rows}) == len(rows)  # distinct ports
    web = sorted(r[2] for r in rows if r[3] == "web")
    assert web == [3000, 3001]  # the lowest ports of the range, in order


async def test_demo_seed_loads_the_data_review_samples(db: asyncpg.Connection) -> None:
    await seed(db)
    job = await db.fetchrow("SELECT * FROM ingest_jobs")
    assert (job["status"], job["saved_count"], job["skipped_count"]) == ("COMPLETED", 4, 1)
    assert (
        await db.fetchval("SELECT count(*) FROM data_records WHERE ingest_job_id = $1", job["id"])
        == job["saved_count"]
    )
    assert await db.fetchval("SELECT count(*) FROM data_records WHERE type = 'FEEDBACK'") == 2
    assert await db.fetchval("SELECT count(*) FROM data_records WHERE has_been_reviewed") == 3
    models = {r[0] for r in await db.fetch("SELECT llm_model FROM likert_scores")}
    assert models == {None, "demo-llm"}
    # Embedded like an ingest would: similarRecords has neighbours in the demo.
    assert await db.fetchval("SELECT count(*) FROM data_records WHERE embedding IS NULL") == 0


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
