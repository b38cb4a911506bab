"""Hardening of the realtime layer (issue 9): a hub that survives connection kills under
load, supervised background tasks, readiness, scopes on subscriptions, bounded
outboxes, deep JSON and large frames on websockets, and the rate limit on operations.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import time
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import orjson
import pytest
import websockets
from websockets.typing import Subprotocol

from aura.config import Settings
from tests import factories
from tests.conftest import Client, People, Server, User
from tests.realtime import LEGACY, TRANSPORT, Socket, connect
from tests.waiting import until

pytestmark = pytest.mark.timeout(90)

EVENT_IDS = """
subscription Events($projectId: ID, $after: String) {
  events(projectId: $projectId, after: $after) { cursor node { id } }
}
"""
WRITER = "aura-test-writer"  # application_name of the test's own writers (never killed)


def hub_of(server: Server) -> Any:
    return server.app.state.hub


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


async def under_load(collector: Collector, events: int = 25) -> None:
    """Returns once the subscriber has received ``events`` more: load flows (and is
    delivered) between two kills, however slow the machine."""
    seen = len(collector.ids)
    await until(lambda: len(collector.ids) >= seen + events, f"{events} more events", within=30)


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
            await until(lambda: collector.ids, "the first event", within=10)
            stop = asyncio.Event()
            twelve = [partial(write_direct, database)] * 6 + [partial(write_http, client)] * 6
            writers = [asyncio.create_task(write(project["id"], stop)) for write in twelve]
            killed = 0
            for _ in range(6):
                await under_load(collector)  # between kills
                killed += await db.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend' AND application_name <> $1",
                    WRITER,
                )
            await under_load(collector)
            stop.set()
            await asyncio.gather(*writers)
            committed = await db.fetchval(
                "SELECT array_agg(id::text) FROM events WHERE project_id = $1", project["id"]
            )
            try:
                await until(lambda: len(collector.ids) >= len(committed), "every event", within=30)
            finally:
                reader.cancel()
        await until(lambda: hub.connected.is_set(), "the listener to reconnect", within=10)
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
        assert hub.reconnects >= 3  # the listener was killed and came back, several times


async def test_a_hub_task_that_ends_is_noticed(
    server: Server, client: Client, people: People, db: asyncpg.Connection
) -> None:
    hub = hub_of(server)
    project = await factories.project(client, "ends")
    last = await db.fetchval(
        "INSERT INTO events (project_id, event_type) VALUES ($1, 'x.before') RETURNING id",
        project["id"],
    )
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", EVENT_IDS, {"projectId": project["id"], "after": "0"})
        received = (await ws.next())["events"]
        while received["node"]["id"] != str(last):  # the project's events, then ours
            received = (await ws.next())["events"]
        cursor = received["cursor"]
        assert (await client.http.get("/health")).status_code == 200
        # when: the hub task ends, other than by shutting down
        hub._task.cancel()
        ended = await ws.recv()
        health = await client.http.get("/health")
        await ws.subscribe("2", EVENT_IDS, {"projectId": project["id"], "after": cursor})
        refused = await ws.recv()
    # then: subscribers are told where to resume, readiness is false, nothing new starts
    assert ended["type"] == "error"
    assert ended["payload"][0]["extensions"] == {"code": "REALTIME_UNAVAILABLE", "cursor": cursor}
    assert not hub.healthy
    assert health.status_code == 503
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "REALTIME_UNAVAILABLE"


async def test_background_task_failures_are_logged(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    async def fails() -> None:
        raise RuntimeError("boom in the background")

    hub = hub_of(server)
    hub._spawn(fails())
    await until(
        lambda: "boom in the background" in caplog.text, "the failure to be logged", within=5
    )
    record = next(r for r in caplog.records if r.exc_info and "boom" in str(r.exc_info[1]))
    # Logged by the supervisor as it ends, not by asyncio whenever the task is collected.
    assert (record.name, record.levelname) == ("aura.realtime", "ERROR")
    assert "fails" in record.getMessage()


async def test_a_failing_websocket_operation_is_reported_and_the_socket_stays(
    server: Server, people: People, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    handler = server.app.websocket_handler
    gateway = handler.keywords["gateway"]

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the executor broke")

    broken_gateway = dataclasses.replace(gateway, execute=broken)
    monkeypatch.setattr(server.app, "websocket_handler", partial(handler, gateway=broken_gateway))
    async with connect(server, people.alice, protocol) as ws:
        await ws.subscribe("q", "{ me { id } }")
        error = await ws.recv()
        await ws.send({"type": "ping"})
        after = {"type": "ka"}
        while after["type"] == "ka":  # the legacy keep-alive aside, the socket answers
            after = orjson.loads(await asyncio.wait_for(ws.ws.recv(), 10))
    assert error["type"] == "error"
    payload = error["payload"]
    payload = payload[0] if isinstance(payload, list) else payload
    assert payload["extensions"]["code"] == "INTERNAL"
    assert after["type"] == "pong"


# -- item 4: subscriptions pass the token's scopes ---------------------------------------

ISSUE = """
mutation($input: IssueAccessTokenInput!) {
  issueAccessToken(input: $input) { accessToken }
}"""
SUBSCRIPTIONS = {
    "taskChanged": ("subscription($p: ID) { taskChanged(projectId: $p) { cursor } }", {}),
    "events": ("subscription($p: ID) { events(projectId: $p) { cursor node { id } } }", {}),
    "replay": (
        'subscription($p: ID) { events(projectId: $p, after: "0") { cursor } }',
        {},
    ),
    "executionLogs": (
        "subscription($t: ID!) { executionLogs(taskId: $t) { cursor node { message } } }",
        {"t": True},
    ),
    "serviceStatusChanged": (
        "subscription($p: ID) { serviceStatusChanged(projectId: $p) { cursor } }",
        {},
    ),
}


@pytest.fixture(params=[TRANSPORT, LEGACY])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def scoped(client: Client, people: People, scopes: list[str]) -> User:
    response = await client.gql(ISSUE, {"input": {"name": "agent", "scopes": scopes}})
    token = response.ok()["issueAccessToken"]["accessToken"]
    return User(people.alice.id, people.alice.email, people.alice.role, token)


def first_error(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "error", message
    payload = message["payload"]
    return dict(payload[0] if isinstance(payload, list) else payload)


async def test_subscriptions_need_the_scopes_of_what_they_stream(
    server: Server, client: Client, people: People, protocol: str
) -> None:
    project = await factories.project(client, "scoped")
    task = await factories.task(client, project["id"])
    accounts = await scoped(client, people, ["accounts:read"])
    reader = await scoped(client, people, ["read"])
    refused: dict[str, dict[str, Any]] = {}
    async with connect(server, accounts, protocol) as ws:
        for name, (query, needs_task) in SUBSCRIPTIONS.items():
            variables = {"t": task["id"]} if needs_task else {"p": project["id"]}
            await ws.subscribe(name, query, variables)
            message = await ws.recv()
            refused[name] = first_error(message) | {"id": message["id"]}
        await ws.subscribe("me", "{ me { id } }")  # what the token may do still works
        me = await ws.next()
    async with connect(server, reader, protocol) as ws:
        await ws.subscribe("ok", *SUBSCRIPTIONS["events"][:1], {"p": project["id"]})
        await ws.nothing()  # a token with the scope may subscribe
    for name, error in refused.items():
        assert error["id"] == name
        assert error["extensions"]["code"] == "FORBIDDEN", (name, error)
        wanted = "work:read" if name == "taskChanged" else "orchestration:read"
        assert wanted in error["extensions"]["missingScopes"], (name, error)
    assert me["me"]["id"] == people.alice.id


# -- item 13: deep JSON in a websocket message --------------------------------------------


DEEP = '"deep"'


def nested(levels: int) -> str:
    """JSON text of objects nested ``levels`` deep (orjson itself writes at most 255)."""
    return '{"a":' * (levels - 1) + "{}" + "}" * (levels - 1)


def with_deep(message: dict[str, Any], levels: int = 300) -> str:
    """The message as JSON text, its value ``"deep"`` replaced by deep JSON."""
    return orjson.dumps(message).decode().replace(DEEP, nested(levels))


async def test_deeply_nested_variables_are_refused_with_a_code(
    server: Server, client: Client, people: People, protocol: str
) -> None:
    project = await factories.project(client, "deep")
    kind = "subscribe" if protocol == TRANSPORT else "start"
    document = EVENT_IDS.replace("$after: String", "$after: String, $x: JSON")
    variables = {"projectId": project["id"], "x": "deep"}
    async with connect(server, people.alice, protocol) as ws:
        payload = {"query": document, "variables": variables}
        await ws.ws.send(with_deep({"id": "sub", "type": kind, "payload": payload}))
        subscription = first_error(await ws.recv())
        payload = {"query": "{ me { id } }", "extensions": "deep"}
        await ws.ws.send(with_deep({"id": "q", "type": kind, "payload": payload}))
        query = first_error(await ws.recv())
        await ws.subscribe("me", "{ me { id } }")
        me = await ws.next()  # the connection is still there
    assert subscription["extensions"]["code"] == "BAD_USER_INPUT"
    assert "deeper than" in subscription["message"]
    assert query["extensions"]["code"] == "BAD_USER_INPUT"
    assert me["me"]["id"] == people.alice.id


async def test_deep_json_elsewhere_closes_with_4400(server: Server, people: People) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    codes = []
    for message in (
        {"type": "connection_init", "payload": "deep"},
        {"type": "ping", "payload": "deep"},
    ):
        async with websockets.connect(url, subprotocols=[Subprotocol(TRANSPORT)]) as ws:
            if message["type"] == "ping":
                init = {"Authorization": f"Bearer {people.alice.token}"}
                await ws.send(orjson.dumps({"type": "connection_init", "payload": init}).decode())
                assert orjson.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(with_deep(message))
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code is not None
            codes.append((ws.close_code, ws.close_reason))
    assert [code for code, _ in codes] == [4400, 4400]
    assert all("deeper than" in reason for _, reason in codes)


# -- item 18: a frame larger than the body limit ------------------------------------------


async def test_a_frame_over_the_body_limit_is_refused_and_others_are_not_stalled(
    server: Server, client: Client, people: People
) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    query = "{ " + " ".join(["__typename"] * 1_000_000) + " }"  # about 11 MB
    frame = orjson.dumps({"id": "big", "type": "subscribe", "payload": {"query": query}}).decode()
    big = websockets.connect(url, subprotocols=[Subprotocol(TRANSPORT)], max_size=None)
    async with connect(server, people.alice) as other, big as ws:
        init = {"Authorization": f"Bearer {people.alice.token}"}
        await ws.send(orjson.dumps({"type": "connection_init", "payload": init}).decode())
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        sending = asyncio.create_task(ws.send(frame))
        started = time.monotonic()
        await other.subscribe("q", "{ me { id } }")
        answered = await other.next()
        latency = time.monotonic() - started
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        with contextlib.suppress(websockets.ConnectionClosed):
            await sending
    print(f"frame of {len(frame)} bytes: closed {ws.close_code}; other query {latency:.3f} s")
    assert len(frame) > 10_000_000
    assert ws.close_code == 1009
    assert answered["me"]["id"] == people.alice.id


# -- item 12: a client that never reads ---------------------------------------------------


async def read_to_the_end(ws: Any) -> None:
    while True:
        await asyncio.wait_for(ws.recv(), 30)


class TestAClientThatNeverReads:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(
            settings,
            ws_outbox_max_bytes=1 << 20,
            ws_outbox_max_messages=2000,
            rate_limit_per_minute=0,
        )

    @pytest.mark.parametrize("load", ["pings", "queries"])
    async def test_is_closed_when_its_outbox_is_full(
        self, server: Server, client: Client, people: People, db: asyncpg.Connection, load: str
    ) -> None:
        bound = hub_of(server).outbox_bound
        project = await factories.project(client, "big")
        await db.execute(
            "UPDATE projects SET description = $2 WHERE id = $1", project["id"], "x" * 400_000
        )
        query = {"query": "{ projects { nodes { description } } }"}
        url = server.url.replace("http://", "ws://") + "/graphql"
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # reads almost nothing
        sock.connect((urlsplit(url).hostname, urlsplit(url).port))
        async with websockets.connect(
            url, sock=sock, subprotocols=[Subprotocol(TRANSPORT)], max_queue=1, max_size=None
        ) as ws:
            init = {"Authorization": f"Bearer {people.alice.token}"}
            await ws.send(orjson.dumps({"type": "connection_init", "payload": init}).decode())
            assert orjson.loads(await ws.recv())["type"] == "connection_ack"
            # when: the client sends and never reads
            if load == "pings":
                for _ in range(20_000):
                    await ws.send('{"type":"ping"}')
            else:
                for i in range(150):
                    message = {"id": str(i), "type": "subscribe", "payload": query}
                    await ws.send(orjson.dumps(message).decode())
            await until(lambda: bound.overflows == 1, "the outbox to overflow", within=30)
            # then: once the client reads, what it finds ends with the close frame
            with pytest.raises(websockets.ConnectionClosed):
                await read_to_the_end(ws)
        print(f"{load}: outbox peak {bound.peak_messages} frames, {bound.peak_bytes} characters")
        assert ws.close_code == 1008
        assert bound.peak_bytes <= bound.max_bytes
        assert bound.peak_messages <= bound.max_messages


# -- item 10: the rate limit applies to websocket operations ------------------------------


class TestTheRateLimitOnWebsockets:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_per_minute=5)

    async def test_operations_over_the_limit_are_refused_and_the_socket_stays(
        self, server: Server, people: People, protocol: str
    ) -> None:
        answers = []
        async with connect(server, people.bob, protocol) as ws:
            for i in range(5):
                await ws.subscribe(f"q{i}", "{ me { id } }")
                answers.append(await ws.recv())
                if answers[-1]["type"] in ("next", "data"):
                    assert (await ws.recv())["type"] == "complete"
            await ws.subscribe("s", EVENT_IDS)
            subscription = await ws.recv()
            await ws.subscribe("q", "{ me { id } }")
            later = await ws.recv()
        assert [a["type"] for a in answers] == ["next" if protocol == TRANSPORT else "data"] * 5
        for refused in (first_error(subscription), first_error(later)):
            assert refused["extensions"]["code"] == "RATE_LIMITED"
            assert float(refused["extensions"]["retryAfter"]) > 0
