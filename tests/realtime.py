"""A small websocket GraphQL client for the realtime tests (both protocols).

No test waits for the clock. Two signals replace the sleeps:

- a ping's pong: a connection's messages are handled one at a time and everything it
  sends goes through one outbox, in order, so the pong of a ping sent after a subscribe
  comes once the subscription is registered (or refused), after anything queued before;
- the hub settled: its position has reached the stream's last committed change and no
  replay or recheck is in flight, so every message it will send for what was committed
  is already in the outboxes, ahead of the next pong.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
import websockets
from websockets.typing import Subprotocol

from tests.conftest import Server, User
from tests.waiting import until

TRANSPORT = "graphql-transport-ws"
LEGACY = "graphql-ws"
TIMEOUT = 10.0
_pings = itertools.count()  # each round trip's own payload

LOGS = """
subscription Logs($taskId: ID!, $levels: [LogLevel!], $after: String) {
  executionLogs(taskId: $taskId, levels: $levels, after: $after) {
    cursor node { id message level agentType taskId }
  }
}
"""


async def settled(hub: Any) -> None:
    """The in-process hub has dispatched every committed change and has no replay or
    recheck in flight: what it will send for them is queued on the sockets."""
    conn = await asyncpg.connect(hub.dsn)  # not the app's pool: tests count its use
    try:
        top = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM aura.stream")
    finally:
        await conn.close()
    await until(lambda: hub.position >= top and not hub.in_flight, f"the hub to reach {top}")


class Socket:
    def __init__(self, ws: Any, protocol: str, hub: Any = None) -> None:
        self.ws = ws
        self.protocol = protocol
        self.hub = hub  # the server's hub when it runs in this process

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def recv(self, wait: float = TIMEOUT) -> dict[str, Any]:
        while True:
            message = orjson.loads(await asyncio.wait_for(self.ws.recv(), wait))
            if message.get("type") not in ("ka", "ping", "pong"):
                return dict(message)

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT else "start"
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": operation_id, "type": kind, "payload": payload})

    async def stop(self, operation_id: str) -> None:
        kind = "complete" if self.protocol == TRANSPORT else "stop"
        await self.send({"id": operation_id, "type": kind})

    async def next(self, wait: float = TIMEOUT) -> dict[str, Any]:
        """The next data message's payload data (fails on anything else)."""
        message = await self.recv(wait)
        assert message["type"] in ("next", "data"), message
        assert "errors" not in message["payload"], message
        return dict(message["payload"]["data"])

    async def drain(self) -> list[dict[str, Any]]:
        """Every message the server sent before answering a ping sent now (keep-alives,
        pings and other pongs aside): all it had queued for what was sent before."""
        marker = {"sync": next(_pings)}
        await self.send({"type": "ping", "payload": marker})
        received = []
        while True:
            message = orjson.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
            kind = message.get("type")
            if kind == "pong" and message.get("payload") == marker:
                return received
            if kind not in ("ka", "ping", "pong"):
                received.append(dict(message))

    async def ready(self) -> None:
        """The server has handled everything sent so far (a subscription is live) and
        answered none of it."""
        unexpected = await self.drain()
        assert not unexpected, f"unexpected messages {unexpected}"

    async def nothing(self) -> None:
        """Nothing was sent for anything committed so far, nor for what was sent."""
        assert self.hub is not None, "nothing() needs the server's hub in this process"
        await settled(self.hub)
        await self.ready()


@asynccontextmanager
async def connect(
    server: Server,
    user: User | None,
    protocol: str = TRANSPORT,
    payload: dict[str, Any] | None = None,
) -> AsyncIterator[Socket]:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[Subprotocol(protocol)]) as ws:
        socket = Socket(ws, protocol, server.app.state.hub if server.app else None)
        init = payload if payload is not None else {}
        if user is not None and payload is None:
            init = {"Authorization": f"Bearer {user.token}"}
        await socket.send({"type": "connection_init", "payload": init})
        ack = await socket.recv()
        assert ack["type"] == "connection_ack", ack
        yield socket
