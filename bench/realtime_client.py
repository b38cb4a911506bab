"""The subscription benchmark's load generator: one process, many websockets.

    python -m bench.realtime_client --cpu 1      (driven by bench/realtime.py)

A hand-written graphql-transport-ws client over a raw asyncio protocol: frames are
parsed in one tight loop in ``data_received`` (no task, queue or future per message), so
one process receives well over 100,000 small messages per second and the client is not
what limits a run. Client frames are masked with a zero key (RFC 6455 allows any key).

Commands arrive as JSON lines on stdin, answers leave as JSON lines on stdout:

- ``open``: connect ``conns`` websockets (each with its token and subscriptions), send
  ``connection_init`` and the ``subscribe`` messages, then a ``ping``. The server handles
  a connection's messages in order, so the ``pong`` means every subscription is live.
- ``reset``: start counting afresh (counts, latencies, CPU).
- ``stats``: per-subscription counts (grouped by project), out-of-order or repeated
  positions, errors, a latency histogram (0.1 ms buckets) and the CPU used since reset.
- ``close``: close every websocket; ``exit``.

Latency is the time of receipt minus the ``t`` the writer put into the event's payload
just before its INSERT (autocommit): commit-to-client, plus the commit itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import resource
import sys
import time
from collections import Counter
from typing import Any

import orjson

PROTOCOL = "graphql-transport-ws"


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _frame(text: bytes, opcode: int = 0x1) -> bytes:
    """A masked client frame (mask key 0: the payload is unchanged)."""
    n = len(text)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return header + b"\x00\x00\x00\x00" + text


class Sub:
    __slots__ = ("count", "last", "project")

    def __init__(self, project: int) -> None:
        self.project = project
        self.count = 0
        self.last = -1


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.received = 0
        self.disorder = 0
        self.errors: Counter[str] = Counter()
        self.hist: Counter[int] = Counter()
        self.first = 0.0
        self.last = 0.0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu0 = usage.ru_utime + usage.ru_stime
        self.wall0 = time.monotonic()


class Ws(asyncio.Protocol):
    """One websocket connection speaking graphql-transport-ws."""

    def __init__(self, stats: Stats, subs: dict[str, Sub]) -> None:
        self.stats = stats
        self.subs = subs
        self.transport: Any = None
        self.buf = bytearray()
        self.handshaken = False
        self.fragments = bytearray()
        loop = asyncio.get_running_loop()
        self.upgraded: asyncio.Future[None] = loop.create_future()
        self.acked: asyncio.Future[None] = loop.create_future()
        self.ponged: asyncio.Future[None] = loop.create_future()
        self.closed = False

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        for future in (self.upgraded, self.acked, self.ponged):
            if not future.done():
                future.set_exception(ConnectionError("websocket closed"))
        if self.subs:
            self.stats.errors["connection lost"] += 1

    def send(self, message: dict[str, Any]) -> None:
        if not self.closed:
            self.transport.write(_frame(orjson.dumps(message)))

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        if not self.handshaken:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end])
            del buf[: end + 4]
            self.handshaken = True
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.upgraded.set_exception(ConnectionError(head.decode(errors="replace")))
                return
            self.upgraded.set_result(None)
        pos, size = 0, len(buf)
        while size - pos >= 2:
            b0, b1 = buf[pos], buf[pos + 1]
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            opcode = b0 & 0x0F
            if not b0 & 0x80:  # a fragment: keep it until the final one
                self.fragments += payload
                continue
            if opcode == 0 and self.fragments:
                payload = bytes(self.fragments) + payload
                self.fragments.clear()
            if opcode in (0x1, 0x2, 0x0):
                self.message(payload)
            elif opcode == 0x9:
                self.transport.write(_frame(payload, 0xA))
            elif opcode == 0x8:
                self.closed = True
                self.transport.close()
        del buf[:pos]

    def message(self, payload: bytes) -> None:
        message = orjson.loads(payload)
        kind = message.get("type")
        if kind == "next":
            now = time.time()
            sub = self.subs.get(message["id"])
            data = message["payload"].get("data") or {}
            event = data.get("events") if data else None
            stats = self.stats
            if sub is None or event is None:
                stats.errors["unexpected message"] += 1
                return
            seq = int(event["cursor"])
            if seq <= sub.last:
                stats.disorder += 1
            sub.last = seq
            sub.count += 1
            stats.received += 1
            if not stats.first:
                stats.first = now
            stats.last = now
            stamp = event["node"]["payload"].get("t")
            if stamp is not None:
                stats.hist[int((now - stamp) * 10_000)] += 1
        elif kind == "connection_ack":
            if not self.acked.done():
                self.acked.set_result(None)
        elif kind == "pong":
            if not self.ponged.done():
                self.ponged.set_result(None)
        elif kind == "ping":
            self.send({"type": "pong"})
        else:
            detail = message.get("payload")
            code = "?"
            if isinstance(detail, list) and detail:
                code = str(detail[0].get("extensions", {}).get("code", detail[0].get("message")))
            self.stats.errors[f"{kind}: {code}"] += 1


class Client:
    def __init__(self) -> None:
        self.stats = Stats()
        self.conns: list[Ws] = []
        self.subs: list[tuple[int, Sub]] = []

    async def open_one(self, host: str, port: int, spec: dict[str, Any], query: str) -> None:
        subs = {sid: Sub(project) for sid, project, _ in spec["subs"]}
        loop = asyncio.get_running_loop()
        _, ws = await loop.create_connection(lambda: Ws(self.stats, subs), host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        ws.transport.write(
            (
                f"GET /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {PROTOCOL}\r\n\r\n"
            ).encode()
        )
        await asyncio.wait_for(ws.upgraded, 60)
        ws.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {spec['token']}"}}
        )
        await asyncio.wait_for(ws.acked, 60)
        for sid, _, project_id in spec["subs"]:
            ws.send(
                {
                    "id": sid,
                    "type": "subscribe",
                    "payload": {"query": query, "variables": {"projectId": project_id}},
                }
            )
        ws.send({"type": "ping"})
        await asyncio.wait_for(ws.ponged, 300)
        self.conns.append(ws)
        self.subs.extend((sub.project, sub) for sub in subs.values())

    async def open(self, command: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        conns, subs = len(self.conns), len(self.subs)
        gate = asyncio.Semaphore(command.get("parallel", 20))

        async def one(spec: dict[str, Any]) -> None:
            async with gate:
                await self.open_one(command["host"], command["port"], spec, command["query"])

        await asyncio.gather(*(one(spec) for spec in command["conns"]))
        return {
            "connections": len(self.conns) - conns,
            "subscriptions": len(self.subs) - subs,
            "seconds": time.monotonic() - started,
        }

    def report(self) -> dict[str, Any]:
        s = self.stats
        usage = resource.getrusage(resource.RUSAGE_SELF)
        counts: dict[int, list[int]] = {}
        for project, sub in self.subs:
            counts.setdefault(project, []).append(sub.count)
        return {
            "received": s.received,
            "disorder": s.disorder,
            "errors": dict(s.errors),
            "hist": dict(s.hist),
            "counts": counts,
            "first": s.first,
            "last": s.last,
            "cpu": usage.ru_utime + usage.ru_stime - s.cpu0,
            "wall": time.monotonic() - s.wall0,
            "open": sum(1 for c in self.conns if not c.closed),
        }

    def reset(self) -> None:
        self.stats.reset()
        for _, sub in self.subs:
            sub.count = 0

    def close(self) -> dict[str, Any]:
        for ws in self.conns:
            ws.subs.clear()  # no "connection lost" error for a close we asked for
            if not ws.closed:
                with contextlib.suppress(Exception):
                    ws.transport.write(_frame(b"\x03\xe8", 0x8))
                    ws.transport.close()
        closed = len(self.conns)
        self.conns.clear()
        self.subs.clear()
        return {"closed": closed}


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 28)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    client = Client()

    def answer(body: dict[str, Any]) -> None:
        sys.stdout.buffer.write(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS) + b"\n")
        sys.stdout.buffer.flush()

    while True:
        line = await reader.readline()
        if not line:
            return
        command = orjson.loads(line)
        cmd = command["cmd"]
        try:
            if cmd == "open":
                answer({"ok": True, **(await client.open(command))})
            elif cmd == "reset":
                client.reset()
                answer({"ok": True})
            elif cmd == "count":
                answer({"ok": True, "received": client.stats.received, "last": client.stats.last})
            elif cmd == "stats":
                answer({"ok": True, **client.report()})
            elif cmd == "close":
                answer({"ok": True, **client.close()})
            elif cmd == "exit":
                client.close()
                answer({"ok": True})
                return
        except Exception as exc:  # the harness shows it and stops the run
            answer({"ok": False, "error": f"{type(exc).__name__}: {exc}"})


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core")
    args = parser.parse_args()
    _raise_nofile()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


if __name__ == "__main__":
    run()
