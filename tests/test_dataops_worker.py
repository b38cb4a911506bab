"""Jobs survive their worker: ``aura worker`` processes SIGKILLed in the middle of an
ingest, the job picked up again by another and finished, every row stored once."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from aura.ai.offline import HashingEmbedder
from aura.config import Settings
from aura.db.jobs import Worker
from tests import factories
from tests.ai_server import AIServer
from tests.conftest import Client, People, Server
from tests.dataops_helpers import JOB, upload, write_csv
from tests.test_ai_providers import set_setting
from tests.waiting import until

# Real worker processes and an ingest long enough to be killed in the middle.
pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]

ROWS = 60_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No worker in the API server: the test's worker processes take the job.
    return dataclasses.replace(settings, worker=False)


@pytest.fixture
def workers(database: str, tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "AURA_HOME": str(tmp_path / "aura-home"),
            "AURA_JOB_HEARTBEAT_SECONDS": "1",
            "AURA_WORKER_CONCURRENCY": "1",
            # What is tested is the load's recovery: 60,000 rows through the offline
            # embedder would only add a minute of vectorizing.
            "AURA_INGEST_EMBEDDINGS": "0",
        }
        with (tmp_path / f"worker-{len(started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "aura.cli", "worker"], env=env, stdout=log, stderr=log
            )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def test_a_killed_worker_s_job_is_finished_by_another(
    client: Client, db: asyncpg.Connection, tmp_path: Path, workers: Any
):
    project = await factories.project(client, "killed")
    path = tmp_path / "rows.csv"
    write_csv(path, ROWS, width=20)
    with path.open("rb") as file:
        job = (await upload(client, project["id"], file)).ok()["ingestCsv"]
    assert job["totalRecords"] == ROWS

    first = workers()

    async def saving() -> bool:
        saved = await db.fetchval("SELECT saved_count FROM ingest_jobs WHERE id = $1", job["id"])
        return bool(0 < saved < ROWS)

    await until(saving, "the first worker to save some rows", within=60)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = await db.fetchval("SELECT saved_count FROM ingest_jobs WHERE id = $1", job["id"])
    assert 0 < killed_at < ROWS
    # what the killed worker committed is consistent: the counter is the rows stored
    assert killed_at == await db.fetchval(
        "SELECT count(*) FROM data_records WHERE ingest_job_id = $1", job["id"]
    )

    workers()  # another worker, started after the kill, picks the job up again

    async def completed() -> dict[str, Any] | None:
        found = (await client.gql(JOB, {"id": job["id"]})).ok()["ingestJob"]
        return found if found["status"] in {"COMPLETED", "FAILED", "CANCELLED"} else None

    done = await until(completed, "the job to finish on the second worker", within=120)
    assert done["status"] == "COMPLETED", done
    assert (done["savedCount"], done["skippedCount"]) == (ROWS, 0)
    counts = await db.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT source_row) AS rows, min(source_row) AS lo, "
        "max(source_row) AS hi FROM data_records WHERE ingest_job_id = $1",
        job["id"],
    )
    # every data row (2 … ROWS + 1) exactly once: none lost, none twice
    assert tuple(counts) == (ROWS, ROWS, 2, ROWS + 1)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM aura_queue.pgqueuer WHERE status IN ('queued', 'picked')"
        )
        == 0
    )


async def test_the_ingest_command_loads_a_file(
    database: str, db: asyncpg.Connection, tmp_path: Path
):
    owner = await db.fetchval(
        "INSERT INTO users (email, display_name, role) VALUES ('cli@example.com', 'Cli', "
        "'USER') RETURNING id::text"
    )
    await db.execute("INSERT INTO projects (owner_id, name) VALUES ($1::uuid, 'from-cli')", owner)
    path = tmp_path / "feedback.csv"
    path.write_text("text,category,extra\nnice,TOP_10,1\n,BOTTOM_10,2\nmeh,BOTTOM_10,3\n")
    env = {**os.environ, "DATABASE_URL": database, "AURA_HOME": str(tmp_path / "home")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aura.cli",
        "ingest",
        str(path),
        "--project",
        "from-cli",
        "--type",
        "FEEDBACK",
        "--content-column",
        "text",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert "COMPLETED: 2 saved, 1 skipped of 3" in out.decode()
    rows = await db.fetch(
        "SELECT content, type, created_by_id, metadata FROM data_records ORDER BY source_row"
    )
    assert [tuple(r) for r in rows] == [
        ("nice", "FEEDBACK", owner, {"extra": "1"}),
        ("meh", "FEEDBACK", owner, {"extra": "3"}),
    ]
    refused = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aura.cli",
        "ingest",
        str(path),
        "--project",
        "from-cli",
        "--type",
        "TASK",  # no column "content"
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(refused.communicate(), 120)
    assert refused.returncode == 1
    assert "contentColumn: the file has no column 'content'" in err.decode()


async def test_ingest_with_an_embedder_vectorizes_and_records_can_be_searched(
    client: Client, db: asyncpg.Connection, database: str, settings: Settings
):
    project = await factories.project(client, "similar")
    rows = [
        "Summarise the quarterly report for the board",
        "Summarise the quarterly report for investors",
        "Translate the safety manual into French",
    ]
    body = "content,category\n" + "".join(f"{text},TOP_10\n" for text in rows)
    job = (await upload(client, project["id"], body.encode())).ok()["ingestCsv"]
    worker = Worker(database, heartbeat=1, embedder=HashingEmbedder(settings.embedding_dimension))
    worker.start()
    try:
        done = await until(
            lambda: _status(client, job["id"], "COMPLETED"), "the job to complete", within=60
        )
    finally:
        await worker.stop()
    assert done["savedCount"] == 3
    assert (
        await db.fetchval(
            "SELECT count(*) FROM data_records WHERE ingest_job_id = $1 AND embedding IS NOT NULL",
            job["id"],
        )
        == 3
    )
    board = await db.fetchval("SELECT id::text FROM data_records WHERE content = $1", rows[0])
    found = await client.gql(
        "query($p: ID!, $r: ID!) { similarRecords(projectId: $p, recordId: $r, limit: 2) "
        "{ similarity record { content } } }",
        {"p": project["id"], "r": board},
    )
    similar = found.ok()["similarRecords"]
    assert [s["record"]["content"] for s in similar] == [rows[1], rows[2]]
    assert similar[0]["similarity"] > similar[1]["similarity"]
    # Text is embedded with the installation's provider (offline here), like the records.
    by_text = await client.gql(
        'query($p: ID!) { similarRecords(projectId: $p, text: "quarterly report", limit: 3) '
        "{ similarity record { content } } }",
        {"p": project["id"]},
    )
    ranked = [s["record"]["content"] for s in by_text.ok()["similarRecords"]]
    assert sorted(ranked[:2]) == sorted(rows[:2])
    assert ranked[2] == rows[2]
    blank = await client.gql(
        'query($p: ID!) { similarRecords(projectId: $p, text: "  ") { similarity } }',
        {"p": project["id"]},
    )
    assert blank.codes == ["BAD_USER_INPUT"]


async def test_a_worker_embeds_with_the_provider_the_system_settings_name(
    server: Server,
    client: Client,
    people: People,
    ai_server: AIServer,
    db: asyncpg.Connection,
    database: str,
    settings: Settings,
) -> None:
    admin = client.as_(people.admin)
    for key, value in (
        ("ai_provider", "vllm"),
        ("ai_host", ai_server.url),
        ("embedding_model", "stand-in-embedder"),
    ):
        await set_setting(admin, key, value)
    ai_server.dimension = settings.embedding_dimension
    project = await factories.project(client, "provider")
    rows = ["Label the first record", "Label the second record"]
    body = "content,category\n" + "".join(f"{text},TOP_10\n" for text in rows)
    job = (await upload(client, project["id"], body.encode())).ok()["ingestCsv"]
    worker = Worker(
        database,
        heartbeat=1,
        keyring=server.app.state.vault,
        settings=dataclasses.replace(settings, ingest_embeddings=True),
    )
    worker.start()
    try:
        await until(lambda: _status(client, job["id"], "COMPLETED"), "the job to complete", 60)
    finally:
        await worker.stop()
    assert ai_server.inputs() == [rows]
    assert ai_server.requests[0].body["model"] == "stand-in-embedder"
    embedded = await db.fetchval(
        "SELECT count(*) FROM data_records WHERE ingest_job_id = $1 AND embedding IS NOT NULL",
        job["id"],
    )
    assert embedded == 2


async def _status(client: Client, job_id: str, status: str) -> dict[str, Any] | None:
    found = (await client.gql(JOB, {"id": job_id})).ok()["ingestJob"]
    assert found["status"] not in {"FAILED", "CANCELLED"}, found
    return found if found["status"] == status else None
