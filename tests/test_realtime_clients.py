"""Real clients resume execution-log subscriptions: issue #3's "Done when".

Three clients nobody here wrote: the npm ``graphql-ws`` client (graphql-transport-ws, run
by Node from tests/ws_clients, its versions pinned in package.json and package-lock.json)
and Python's ``gql`` over both protocols (graphql-transport-ws, and the legacy Apollo
graphql-ws it picks by default). Each subscribes with alice's token, takes a few lines,
disconnects; more lines are committed while it is away; it subscribes again with
``after`` set to the last cursor it got and receives exactly the lines it missed, in
order, then a live one, and nothing else. Another tenant's token and no token at all are
refused with ``NOT_FOUND`` and ``UNAUTHENTICATED``.

Every client signals "ready" the same way: a ``{ __typename }`` query sent on the same
socket right after the subscription is answered only once the server has handled the
subscription (a connection's messages are handled in order), so lines written after it
reach a live subscription: no sleeps. "Nothing else" is checked the same way: once the
client has its messages and the hub has settled (it has queued all it will send for
what was committed), the client sends another query; whatever else the server sent
arrives before that answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import pytest
from gql import Client as GqlClient
from gql import GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests import factories
from tests.conftest import Client, People, Server
from tests.node import npm_installed
from tests.realtime import settled
from tests.waiting import until

pytestmark = pytest.mark.timeout(60)

CLIENTS_DIR = Path(__file__).parent / "ws_clients"
NODE_GRAPHQL_WS = "graphql-ws (npm)"
GQL_TRANSPORT_WS = "gql graphql-transport-ws"
GQL_LEGACY = "gql graphql-ws (legacy, default)"
CLIENTS = [NODE_GRAPHQL_WS, GQL_TRANSPORT_WS, GQL_LEGACY]

WAIT = 20.0  # seconds a client may take to be ready or to finish

LOGS = """
subscription Logs($taskId: ID!, $after: String) {
  executionLogs(taskId: $taskId, after: $after) {
    cursor
    node { id message level agentType taskId }
  }
}
"""

Event = dict[str, Any]
Settle = Callable[[], Awaitable[None]]  # returns once the server has sent all it will


@pytest.fixture(scope="session")
def ws_client_script() -> Path:
    """The graphql-ws client script, with its npm dependencies installed once per session."""
    npm_installed(CLIENTS_DIR, "graphql-ws", "the graphql-ws client tests")
    return CLIENTS_DIR / "subscribe.mjs"


class Run(Protocol):
    """One client's subscription, from connecting to its disconnect."""

    protocol: str | None  # the websocket subprotocol the client ended up speaking

    async def ready(self) -> None:
        """Returns once the subscription runs on the server (or has already ended)."""

    async def finished(self) -> list[Event]:
        """Waits for the client to disconnect; what it received, as ``event`` dicts:
        ``next`` (with ``payload``), ``error`` (with ``errors``), ``complete``."""


class NodeRun:
    """``node tests/ws_clients/subscribe.mjs``: the npm graphql-ws client."""

    protocol: str | None = "graphql-transport-ws"  # the only one graphql-ws speaks

    def __init__(self, proc: asyncio.subprocess.Process, settle: Settle) -> None:
        self.proc = proc
        self.settle = settle
        self.events: list[Event] = []

    @classmethod
    async def start(
        cls,
        script: Path,
        settle: Settle,
        url: str,
        token: str,
        task_id: str,
        after: str | None,
        count: int,
    ) -> NodeRun:
        node = shutil.which("node")
        assert node is not None
        env = {**os.environ, "AURA_WS_CHECK": "stdin", "AURA_WS_TIMEOUT_MS": str(int(WAIT * 1000))}
        proc = await asyncio.create_subprocess_exec(
            node,
            str(script),
            url,
            token,
            task_id,
            after or "",
            str(count),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        return cls(proc, settle)

    async def _line(self) -> Event | None:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), WAIT)
        if not line:
            return None
        event: Event = json.loads(line)
        return event

    async def ready(self) -> None:
        while (event := await self._line()) is not None:
            if event["event"] == "ready":
                return
            self.events.append(event)
            if event["event"] != "next":
                return  # ended before it was ready

    async def finished(self) -> list[Event]:
        assert self.proc.stdin is not None
        try:
            while (event := await self._line()) is not None:
                if event["event"] == "counted":
                    await self.settle()
                    self.proc.stdin.write(b"check\n")  # the client's cue to look for more
                    self.proc.stdin.close()
                elif event["event"] != "ready":
                    self.events.append(event)
            assert self.proc.stderr is not None
            stderr = (await asyncio.wait_for(self.proc.stderr.read(), WAIT)).decode()
            code = await asyncio.wait_for(self.proc.wait(), WAIT)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
        assert code == 0, f"the graphql-ws client exited {code}: {self.events}\n{stderr}"
        return self.events


class GqlRun:
    """Python ``gql``'s WebsocketsTransport, in this process."""

    def __init__(
        self,
        settle: Settle,
        url: str,
        token: str,
        subprotocols: list[str] | None,
        task_id: str,
        after: str | None,
    ) -> None:
        self.settle = settle
        self.transport = WebsocketsTransport(
            url=url,
            init_payload={"Authorization": f"Bearer {token}"} if token else {},
            subprotocols=subprotocols,
        )
        self.request = GraphQLRequest(LOGS, variable_values={"taskId": task_id, "after": after})
        self.events: list[Event] = []
        self.protocol: str | None = None
        self._ready = asyncio.Event()
        self._main: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls,
        settle: Settle,
        url: str,
        token: str,
        subprotocols: list[str] | None,
        task_id: str,
        after: str | None,
        count: int,
    ) -> GqlRun:
        run = cls(settle, url, token, subprotocols, task_id, after)
        run._main = asyncio.create_task(run._run(count))
        return run

    async def _run(self, count: int) -> None:
        try:
            async with GqlClient(transport=self.transport) as session:
                self.protocol = self.transport.subprotocol
                consumer = asyncio.create_task(self._consume(session, count))
                # The subscription has been sent once gql registers its listener.
                await until(
                    lambda: self.transport.listeners or consumer.done(),
                    "gql to send the subscription",
                    within=WAIT,
                )
                if not consumer.done():
                    await session.execute(gql("{ __typename }"))
                self._ready.set()
                await consumer
        finally:
            self._ready.set()

    async def _consume(self, session: Any, count: int) -> None:
        subscription = session.subscribe(self.request)
        try:
            for _ in range(count):
                if not await self._take(subscription):
                    return
            # Whatever else the server sent for the subscription is queued in its
            # listener once a query sent after the hub settled is answered.
            await self.settle()
            await session.execute(gql("{ __typename }"))
            queued = sum(q._queue.qsize() for q in self.transport.listeners.values())
            for _ in range(queued):
                if not await self._take(subscription):
                    return
        finally:
            await subscription.aclose()

    async def _take(self, subscription: Any) -> bool:
        """The subscription's next message as an event; False once it has ended."""
        try:
            data = await anext(subscription)
        except StopAsyncIteration:
            self.events.append({"event": "complete"})
            return False
        except TransportQueryError as exc:
            self.events.append({"event": "error", "errors": exc.errors})
            return False
        self.events.append({"event": "next", "payload": {"data": data}})
        return True

    async def ready(self) -> None:
        await asyncio.wait_for(self._ready.wait(), WAIT)
        if self._main is not None and self._main.done():
            self._main.result()  # a failure to connect is the test's failure

    async def finished(self) -> list[Event]:
        assert self._main is not None
        await asyncio.wait_for(self._main, WAIT)
        return self.events


@pytest.fixture(params=CLIENTS)
def client_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def subscribe(client_kind: str, server: Server, ws_client_script: Path) -> Any:
    """``subscribe(token, task_id, after=None, count=1)`` starts the client under test."""
    url = server.url.replace("http://", "ws://") + "/graphql"

    async def settle() -> None:
        await settled(server.app.state.hub)

    async def start(token: str, task_id: str, after: str | None = None, count: int = 1) -> Run:
        if client_kind == NODE_GRAPHQL_WS:
            return await NodeRun.start(ws_client_script, settle, url, token, task_id, after, count)
        if client_kind == GQL_TRANSPORT_WS:
            protocols = [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
            return await GqlRun.start(settle, url, token, protocols, task_id, after, count)
        # gql's default: it offers both and Aura picks the first, the legacy protocol.
        return await GqlRun.start(settle, url, token, None, task_id, after, count)

    return start


def expected_protocol(client_kind: str) -> str:
    return "graphql-ws" if client_kind == GQL_LEGACY else "graphql-transport-ws"


def log_messages(events: list[Event]) -> list[dict[str, Any]]:
    """The ``executionLogs`` messages, asserting every event was one."""
    assert all(e["event"] == "next" for e in events), events
    assert all("errors" not in e["payload"] for e in events), events
    return [e["payload"]["data"]["executionLogs"] for e in events]


def cursors(messages: list[dict[str, Any]]) -> list[int]:
    values = [m["cursor"] for m in messages]
    assert all(isinstance(c, str) and c.isdigit() for c in values), values
    return [int(c) for c in values]


async def write_lines(client: Client, task_id: str, label: str, n: int) -> list[str]:
    """Commits n log lines through the API, one request each; their ids in order."""
    ids = []
    for i in range(n):
        line = await factories.execution_log(client, task_id, message=f"{label} {i}")
        ids.append(line["id"])
    return ids


async def test_client_resumes_with_its_cursor_and_gets_exactly_what_it_missed(
    subscribe: Any, client: Client, people: People, client_kind: str
) -> None:
    # Given alice's task, and the client subscribed live to its log with her token
    project = await factories.project(client)
    task = await factories.task(client, project["id"])
    first = await subscribe(people.alice.token, task["id"], count=3)
    await first.ready()

    # When three lines are committed, the client takes them and disconnects
    before = await write_lines(client, task["id"], "before", 3)
    received = log_messages(await first.finished())

    # Then it got exactly those, in commit order, each with a cursor
    assert first.protocol == expected_protocol(client_kind)
    assert [m["node"]["id"] for m in received] == before
    assert [m["node"]["message"] for m in received] == ["before 0", "before 1", "before 2"]
    assert all(m["node"]["taskId"] == task["id"] for m in received)
    first_cursors = cursors(received)
    assert first_cursors == sorted(set(first_cursors))

    # When four more lines are committed while it is away
    missed = await write_lines(client, task["id"], "missed", 4)

    # and it subscribes again after the last cursor it got, then a line is committed live
    again = await subscribe(people.alice.token, task["id"], after=received[-1]["cursor"], count=5)
    await again.ready()
    live = await write_lines(client, task["id"], "live", 1)
    resumed = log_messages(await again.finished())

    # Then it receives exactly the missed lines, in order, then the live one, nothing else
    assert again.protocol == expected_protocol(client_kind)
    assert [m["node"]["id"] for m in resumed] == missed + live
    assert [m["node"]["message"] for m in resumed] == [
        "missed 0",
        "missed 1",
        "missed 2",
        "missed 3",
        "live 0",
    ]
    resumed_cursors = cursors(resumed)
    assert resumed_cursors == sorted(set(resumed_cursors))
    assert resumed_cursors[0] > first_cursors[-1]


async def test_another_tenants_token_cannot_subscribe(
    subscribe: Any, client: Client, people: People
) -> None:
    # Given alice's task with a line in its log
    project = await factories.project(client)
    task = await factories.task(client, project["id"])
    await factories.execution_log(client, task["id"], message="secret")

    # When bob subscribes to it, even from the beginning of the stream
    run = await subscribe(people.bob.token, task["id"], after="0")
    events = await run.finished()

    # Then the subscription is refused as if the task did not exist, and nothing leaks
    assert [e["event"] for e in events] == ["error"], events
    assert [e["extensions"]["code"] for e in events[0]["errors"]] == ["NOT_FOUND"]


async def test_anonymous_client_cannot_subscribe(
    subscribe: Any, client: Client, people: People
) -> None:
    # Given alice's task with a line in its log
    project = await factories.project(client)
    task = await factories.task(client, project["id"])
    await factories.execution_log(client, task["id"], message="secret")

    # When a client without a token subscribes to it
    run = await subscribe("", task["id"], after="0")
    events = await run.finished()

    # Then it is told to authenticate, and nothing leaks
    assert [e["event"] for e in events] == ["error"], events
    assert [e["extensions"]["code"] for e in events[0]["errors"]] == ["UNAUTHENTICATED"]
