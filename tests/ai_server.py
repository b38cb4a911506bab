"""A small OpenAI-compatible HTTP server standing in for an AI provider in tests.

It runs in the test's own event loop on an ephemeral loopback port (plain asyncio, no
thread), answers ``POST /v1/embeddings`` and ``POST /v1/chat/completions``, records
every request, and can be told how to answer the next ones::

    async with AIServer(dimension=16) as ai:          # or the ``ai_server`` fixture
        config = AIConfig(provider="lmstudio", host=ai.url, embedding_model="m")
        ai.fail(2, status=503)                        # the next 2 requests: 503
        ai.then(Reply(delay=5))                       # then one slow answer
        ai.then(Reply(status=429, headers={"retry-after": "0.1"}))
        ai.then(Reply(drop=True))                     # then a dropped connection
        ...
        ai.requests          # every request: Recorded(method, path, headers, body)
        ai.inputs()          # the `input` lists of the embeddings requests, in order

Default answers (when nothing is queued): embeddings of ``dimension`` computed by the
offline feature-hashing embedder (real vectors: similar texts are close), listed in
reverse order when ``reverse`` is set (clients must use ``index``); chat completions
answering ``chat_answer`` (a string, or a function of the request's messages). A queued
``Reply`` with ``json`` (or ``text``) answers that body instead; ``status``,
``headers``, ``delay`` (seconds before answering), ``gate`` (an ``asyncio.Event``
to wait for before answering) and ``drop`` (close the connection without answering)
shape the answer. ``dimension`` may be changed at any time (for
wrong-dimension tests).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import orjson

from aura.ai.offline import HashingEmbedder


@dataclass
class Reply:
    """How to answer one request (anything left unset: the default answer)."""

    status: int = 200
    json: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    # Answer only once this is set (a test holds a request in flight for as long as it needs).
    gate: asyncio.Event | None = None


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class AIServer:
    def __init__(self, *, dimension: int = 16) -> None:
        self.dimension = dimension
        self.reverse = False
        self.chat_answer: str | Callable[[list[dict[str, Any]]], str] = '{"ok": true}'
        self.requests: list[Recorded] = []
        self._queue: deque[Reply] = deque()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        """The base URL to configure as the provider's host (ends in ``/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- programming ----------------------------------------------------------------------

    def then(self, *replies: Reply) -> None:
        """Answer the next requests with these, in order (then the defaults again)."""
        self._queue.extend(replies)

    def fail(self, times: int, status: int = 503, **reply: Any) -> None:
        """The next ``times`` requests get ``status`` (an OpenAI-style error body)."""
        body = {"error": {"message": f"test failure {status}", "type": "test"}}
        self.then(*(Reply(status=status, json=body, **reply) for _ in range(times)))

    def inputs(self) -> list[list[str]]:
        """The ``input`` of every embeddings request so far, in order."""
        return [r.body["input"] for r in self.requests if r.path.endswith("/embeddings")]

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> AIServer:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> AIServer:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    # -- HTTP -------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._exchange(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        body = orjson.loads(raw) if raw else None
        self.requests.append(Recorded(method, path, headers, body))
        reply = self._queue.popleft() if self._queue else Reply()
        if reply.gate is not None:
            await reply.gate.wait()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.drop:
            return False
        status, payload = self._answer(path, body, reply)
        extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
        writer.write(
            (
                f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                f"content-type: application/json\r\ncontent-length: {len(payload)}\r\n"
                f"{extra}\r\n"
            ).encode()
            + payload
        )
        await writer.drain()
        return True

    def _answer(self, path: str, body: Any, reply: Reply) -> tuple[int, bytes]:
        if reply.text is not None:
            return reply.status, reply.text.encode()
        if reply.json is not None:
            return reply.status, orjson.dumps(reply.json)
        if path.endswith("/embeddings"):
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            if not all(isinstance(t, str) and t.strip() for t in texts):
                return 400, orjson.dumps({"error": {"message": "input must not be empty"}})
            return reply.status, orjson.dumps(self._embeddings(texts, body.get("model")))
        if path.endswith("/chat/completions"):
            return reply.status, orjson.dumps(self._chat(body))
        return 404, orjson.dumps({"error": {"message": f"no route {path}"}})

    def _embeddings(self, texts: list[str], model: Any) -> dict[str, Any]:
        embedder = HashingEmbedder(self.dimension)
        data = [
            {"object": "embedding", "index": i, "embedding": embedder.embed_one(text)}
            for i, text in enumerate(texts)
        ]
        if self.reverse:
            data.reverse()
        return {"object": "list", "data": data, "model": model}

    def _chat(self, body: Any) -> dict[str, Any]:
        answer = self.chat_answer
        content = answer(body["messages"]) if callable(answer) else answer
        return {
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
