"""Retention moves exactly the rows older than the cutoff into the archives, in batches
that neither block writers nor each other, and nothing else deletes events.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY

from aura.config import Settings
from aura.db import retention
from aura.db.pool import create_pool
from aura.db.retention import archive_batch, policies, run_retention
from tests import factories
from tests.conftest import Client, People, Server
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)

EVENTS_DAYS, LOGS_DAYS = 365, 90
TICK = timedelta(microseconds=1)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


def _settings(**changes: Any) -> Settings:
    return dataclasses.replace(
        Settings(retention_events_days=EVENTS_DAYS, retention_logs_days=LOGS_DAYS), **changes
    )


def _sample(name: str, table: str) -> float:
    return REGISTRY.get_sample_value(name, {"table": table}) or 0.0


async def _event(db: asyncpg.Connection, project: str, at: datetime, kind: str = "t.e") -> str:
    return str(
        await db.fetchval(
            "INSERT INTO events (project_id, event_type, payload, created_at) "
            "VALUES ($1, $2, '{\"n\": 1}', $3) RETURNING id",
            project,
            kind,
            at,
        )
    )


async def _log(db: asyncpg.Connection, task: str, at: datetime) -> str:
    return str(
        await db.fetchval(
            "INSERT INTO execution_logs (task_id, agent_type, message, created_at) "
            "VALUES ($1, 'WORKER', 'line', $2) RETURNING id",
            task,
            at,
        )
    )


async def _rows(db: asyncpg.Connection, table: str) -> dict[str, dict[str, Any]]:
    source = table.removesuffix("_archive")
    columns = ", ".join(retention.EVENT_COLUMNS if source == "events" else retention.LOG_COLUMNS)
    return {str(r["id"]): dict(r) for r in await db.fetch(f"SELECT {columns} FROM {table}")}


async def test_retention_moves_exactly_the_rows_older_than_the_cutoff(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    project = await factories.project(client)
    task = await factories.task(client, project["id"], "logged")
    now = await db.fetchval("SELECT now()")
    events_cutoff = now - timedelta(days=EVENTS_DAYS)
    logs_cutoff = now - timedelta(days=LOGS_DAYS)
    old_events = {
        await _event(db, project["id"], events_cutoff - TICK),
        await _event(db, project["id"], events_cutoff - timedelta(days=400)),
    }
    await _event(db, project["id"], events_cutoff)  # exactly at the cutoff: stays
    await _event(db, project["id"], events_cutoff + TICK)
    old_logs = {await _log(db, task["id"], logs_cutoff - TICK)}
    await _log(db, task["id"], logs_cutoff)
    await _log(db, task["id"], logs_cutoff + timedelta(days=1))
    events_before = await _rows(db, "events")
    logs_before = await _rows(db, "execution_logs")
    stream_before = await db.fetchval("SELECT count(*) FROM aura.stream")
    archived_before = _sample("aura_retention_archived_rows_total", "events")

    moved = await run_retention(pool, _settings(), now=now)

    assert moved == {"events": 2, "execution_logs": 1}
    events_after = await _rows(db, "events")
    logs_after = await _rows(db, "execution_logs")
    assert set(events_before) - set(events_after) == old_events
    assert set(logs_before) - set(logs_after) == old_logs
    # the rest is untouched, and the archives hold the moved rows exactly as they were
    assert events_after == {k: v for k, v in events_before.items() if k not in old_events}
    assert logs_after == {k: v for k, v in logs_before.items() if k not in old_logs}
    assert await _rows(db, "events_archive") == {k: events_before[k] for k in old_events}
    assert await _rows(db, "execution_logs_archive") == {k: logs_before[k] for k in old_logs}
    # archiving is not a change subscribers hear of; it is counted
    assert await db.fetchval("SELECT count(*) FROM aura.stream") == stream_before
    assert _sample("aura_retention_archived_rows_total", "events") == archived_before + 2
    # a second run finds nothing more; an age of 0 keeps everything
    assert await run_retention(pool, _settings(), now=now) == {"events": 0, "execution_logs": 0}
    forever = _settings(retention_events_days=0, retention_logs_days=0)
    assert await run_retention(pool, forever, now=now + timedelta(days=999)) == {}


async def test_retention_goes_in_batches(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    project = await factories.project(client)
    old = (await db.fetchval("SELECT now()")) - timedelta(days=EVENTS_DAYS + 1)
    for i in range(10):
        await _event(db, project["id"], old - timedelta(seconds=i))
    batches_before = _sample("aura_retention_batches_total", "events")

    moved = await run_retention(pool, _settings(retention_batch_size=3))

    assert moved["events"] == 10
    assert _sample("aura_retention_batches_total", "events") == batches_before + 4  # 3+3+3+1
    assert await db.fetchval("SELECT count(*) FROM events_archive") == 10


async def test_batches_block_neither_writers_nor_each_other(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    project = await factories.project(client)
    old = (await db.fetchval("SELECT now()")) - timedelta(days=EVENTS_DAYS + 1)
    for i in range(10):
        await _event(db, project["id"], old - timedelta(seconds=i))
    events = policies(_settings())[0]
    cutoff = old + timedelta(days=1)

    # Given a batch that holds its rows (its transaction still open) ...
    holder = await pool.acquire()
    held = holder.transaction()
    await held.start()
    try:
        await holder.execute("SELECT set_config('aura.retention', 'archive', true)")
        first = await holder.execute(events.move_sql(), cutoff, 3)
        assert first == "INSERT 0 3"
        # ... a writer appends at once, and another run moves the other rows at once
        async with pool.acquire() as writer:
            await asyncio.wait_for(_event(writer, project["id"], old), timeout=5)
        async with pool.acquire() as other:
            second = await asyncio.wait_for(archive_batch(other, events, cutoff, 100), 5)
        assert second == 8  # 7 older ones plus the one just written; not the held three
    finally:
        await held.commit()
        await pool.release(holder)
    archived = await db.fetch("SELECT id FROM events_archive")
    assert len(archived) == len({r["id"] for r in archived}) == 11
    assert await db.fetchval("SELECT count(*) FROM events WHERE created_at < $1", cutoff) == 0


async def test_nothing_but_retention_deletes_events(client: Client, db: asyncpg.Connection) -> None:
    project = await factories.project(client)
    event = await _event(db, project["id"], datetime.now().astimezone())
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await db.execute("DELETE FROM events WHERE id = $1", event)
    async with db.transaction():
        await db.execute("SELECT set_config('aura.retention', 'archive', true)")
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await db.execute("UPDATE events SET event_type = 'x.y' WHERE id = $1", event)
    # the setting is the transaction's only: afterwards deletion is refused again
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await db.execute("DELETE FROM events WHERE id = $1", event)
    # deleting the project still takes its events with it
    (await client.gql("mutation($id: ID!) { deleteProject(id: $id) }", {"id": project["id"]})).ok()
    assert await db.fetchval("SELECT count(*) FROM events WHERE id = $1", event) == 0


async def test_archives_keep_their_sources_row_security(
    client: Client, people: People, db: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    project = await factories.project(client)
    task = await factories.task(client, project["id"], "logged")
    old = (await db.fetchval("SELECT now()")) - timedelta(days=EVENTS_DAYS + 1)
    await _event(db, project["id"], old)
    await _log(db, task["id"], old)
    await run_retention(pool, _settings())

    async def visible(user_id: str) -> tuple[int, int]:
        async with db.transaction():
            await db.execute(f"SELECT aura.begin_request('{user_id}'::uuid, 5000)")
            counts = (
                await db.fetchval("SELECT count(*) FROM events_archive"),
                await db.fetchval("SELECT count(*) FROM execution_logs_archive"),
            )
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await db.execute("DELETE FROM events_archive")
            return counts

    assert await visible(people.alice.id) == (1, 1)
    assert await visible(people.bob.id) == (0, 0)
    assert await visible(people.pending.id) == (0, 0)
    assert await visible(people.admin.id) == (1, 1)
    # and through the API
    query = (
        "{ archivedEvents { totalCount } archivedExecutionLogs { nodes { message task { id } } } }"
    )
    mine = (await client.gql(query)).ok()
    assert mine["archivedEvents"]["totalCount"] == 1
    assert mine["archivedExecutionLogs"]["nodes"] == [
        {"message": "line", "task": {"id": task["id"]}}
    ]
    theirs = (await client.as_(people.bob).gql(query)).ok()
    assert theirs == {"archivedEvents": {"totalCount": 0}, "archivedExecutionLogs": {"nodes": []}}


async def test_the_workers_run_retention_on_their_schedule(
    database: str, settings: Settings, client: Client, db: asyncpg.Connection
) -> None:
    """A worker with an every-second schedule archives an old event by itself."""
    from aura.auth.keyring import KeyRing
    from aura.db.jobs import Worker

    project = await factories.project(client)
    old = (await db.fetchval("SELECT now()")) - timedelta(days=EVENTS_DAYS + 1)
    event = await _event(db, project["id"], old)
    every_second = dataclasses.replace(settings, maintenance_schedule="* * * * * *")
    worker = Worker(
        database, settings=every_second, keyring=KeyRing(b"k" * 32), heartbeat=2, concurrency=1
    )
    worker.start()
    try:

        async def archived() -> bool:
            return bool(
                await db.fetchval("SELECT count(*) FROM events_archive WHERE id = $1", event)
            )

        await until(archived, "the scheduled retention", within=30)
        schedules = await db.fetch("SELECT entrypoint FROM aura_queue.pgqueuer_schedules")
        assert {"retention", "secret_rotation"} <= {s["entrypoint"] for s in schedules}
        assert worker.healthy
    finally:
        await worker.stop()


async def test_server_workers_register_the_schedule(server: Server, db: asyncpg.Connection) -> None:
    async def registered() -> bool:
        rows = await db.fetch("SELECT entrypoint, expression FROM aura_queue.pgqueuer_schedules")
        return {r["entrypoint"] for r in rows} >= {"retention", "secret_rotation"}

    await until(registered, "the server's worker to register its schedules")
