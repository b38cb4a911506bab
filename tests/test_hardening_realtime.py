"""Hardening of the realtime layer (issue 9): a hub that survives connection kills under
load, supervised background tasks, readiness, scopes on subscriptions, bounded
outboxes, deep JSON and large frames on websockets, and the rate limit on operations.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from functools import partial
from typing import Any

import asyncpg
import httpx
import pytest

from aura.config import Settings
from tests import factories
from tests.conftest import Client, People, Server
from tests.realtime import Socket, connect

pytestmark = pytest.mark.timeout(90)

EVENT_IDS = """
subscription Events($projectId: ID, $after: String) {
  events(projectId: $projectId, after: $after) { cursor node { id } }
}
"""
WRITER = "aura-test-writer"  # application_name of the test's own writers (never killed)


def hub_of(server: Server) -> Any:
    return server.app.state.hub


async def until(condition: Any, deadline: float, what: str) -> None:
    """Poll ``condition`` (cheap, in-process) until it holds or the deadline passes."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


# -- item 2: the hub survives connection kills under load ---------------------------------


class Collector:
    """One subscriber that resumes from the cursor of any error it is sent."""

    def __init__(self, ws: Socket, project_id: str) -> None:
        self.ws = ws
        self.project_id = project_id
        self.ids: list[str] = []
        self.errors: list[dict[str, Any]] = []
        self.cursor = "0"  # from the stream's start: nothing raced past the subscription
        self.generation = 0

    async def subscribe(self) -> None:
        self.generation += 1
        variables = {"projectId": self.project_id, "after": self.cursor}
        await self.ws.subscribe(f"s{self.generation}", EVENT_IDS, variables)

    async def run(self) -> None:
        while True:
            message = await self.ws.recv(wait=60)
            if message["type"] in ("next", "data"):
                payload = message["payload"]
                assert "errors" not in payload, payload
                self.ids.append(payload["data"]["events"]["node"]["id"])
                self.cursor = payload["data"]["events"]["cursor"]
            elif message["type"] == "error":
                error = message["payload"]
                error = error[0] if isinstance(error, list) else error
                self.errors.append(error)
                self.cursor = error["extensions"].get("cursor", self.cursor)
                await self.subscribe()


async def write_direct(database: str, project_id: str, stop: asyncio.Event) -> None:
    conn = await asyncpg.connect(database, server_settings={"application_name": WRITER})
    try:
        while not stop.is_set():
            await conn.execute(
                "INSERT INTO events (project_id, event_type) VALUES ($1, 'load.direct')",
                project_id,
            )
    finally:
        await conn.close()


async def write_http(client: Client, project_id: str, stop: asyncio.Event) -> None:
    mutation = "mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }"
    while not stop.is_set():
        # Requests whose connection is killed fail; what counts is what committed.
        with _suppress_transport_errors():
            await client.gql(mutation, {"i": {"eventType": "load.http", "projectId": project_id}})


class _suppress_transport_errors:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, *_: Any) -> bool:
        return kind is not None and issubclass(kind, (httpx.HTTPError, ValueError))


class TestTheHubSurvivesConnectionKillsUnderLoad:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_per_minute=0)

    async def test_every_committed_event_reaches_the_subscriber_exactly_once(
        self, server: Server, client: Client, people: People, database: str, db: asyncpg.Connection
    ) -> None:
        hub = hub_of(server)
        project = await factories.project(client, "load")
        async with connect(server, people.alice) as ws:
            collector = Collector(ws, project["id"])
            await collector.subscribe()
            reader = asyncio.create_task(collector.run())
            await db.execute(
                "INSERT INTO events (project_id, event_type) VALUES ($1, 'load.first')",
                project["id"],
            )
            await until(lambda: collector.ids, 10, "the first event")
            stop = asyncio.Event()
            twelve = [partial(write_direct, database)] * 6 + [partial(write_http, client)] * 6
            writers = [asyncio.create_task(write(project["id"], stop)) for write in twelve]
            killed = 0
            for _ in range(6):
                await asyncio.sleep(0.4)  # load between kills
                killed += await db.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend' AND application_name <> $1",
                    WRITER,
                )
            await asyncio.sleep(0.4)
            stop.set()
            await asyncio.gather(*writers)
            committed = await db.fetchval(
                "SELECT array_agg(id::text) FROM events WHERE project_id = $1", project["id"]
            )
            try:
                await until(lambda: len(collector.ids) >= len(committed), 30, "every event")
            finally:
                reader.cancel()
        await until(lambda: hub.connected.is_set(), 10, "the listener to reconnect")
        health = await client.http.get("/health")
        print(
            f"kills: {killed} backends; events committed {len(committed)}, "
            f"delivered {len(collector.ids)}, resumed after {len(collector.errors)} errors"
        )
        assert killed >= 6
        assert len(committed) > 100
        assert sorted(collector.ids) == sorted(committed)  # every one, exactly once
        assert hub.healthy
        assert health.status_code == 200
