"""A small websocket GraphQL client for the realtime tests (both protocols)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
import websockets
from websockets.typing import Subprotocol

from tests.conftest import Server, User

TRANSPORT = "graphql-transport-ws"
LEGACY = "graphql-ws"
TIMEOUT = 10.0

LOGS = """
subscription Logs($taskId: ID!, $levels: [LogLevel!], $after: String) {
  executionLogs(taskId: $taskId, levels: $levels, after: $after) {
    cursor node { id message level agentType taskId }
  }
}
"""


class Socket:
    def __init__(self, ws: Any, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol

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

    async def nothing(self, wait: float = 0.3) -> None:
        """Nothing arrives within the timeout."""
        try:
            message = await self.recv(wait)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message {message}")


@asynccontextmanager
async def connect(
    server: Server,
    user: User | None,
    protocol: str = TRANSPORT,
    payload: dict[str, Any] | None = None,
) -> AsyncIterator[Socket]:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[Subprotocol(protocol)]) as ws:
        socket = Socket(ws, protocol)
        init = payload if payload is not None else {}
        if user is not None and payload is None:
            init = {"Authorization": f"Bearer {user.token}"}
        await socket.send({"type": "connection_init", "payload": init})
        ack = await socket.recv()
        assert ack["type"] == "connection_ack", ack
        yield socket
