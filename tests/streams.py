"""Running a Node.js client of tests/http_clients and reading what it prints.

Each script prints one JSON line per result it receives; :class:`NodeRun` reads them as
they come, with a deadline that only bounds a failure.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.node import npm_installed

CLIENTS_DIR = Path(__file__).parent / "http_clients"
WAIT = 20.0


def installed() -> Path:
    """tests/http_clients with its pinned npm dependencies."""
    npm_installed(CLIENTS_DIR, "graphql-sse", "the HTTP client tests")
    return CLIENTS_DIR


class NodeRun:
    """One run of a client script."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, script: str, *args: str) -> NodeRun:
        process = await asyncio.create_subprocess_exec(
            "node",
            str(installed() / script),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def line(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), WAIT)
        if not raw:
            stderr = await self.process.stderr.read() if self.process.stderr else b""
            raise AssertionError(f"the client ended early: {stderr.decode()}")
        return dict(json.loads(raw))

    async def lines(self, count: int) -> list[dict[str, Any]]:
        return [await self.line() for _ in range(count)]

    async def finished(self) -> list[dict[str, Any]]:
        """What it printed until it exited (which it must, successfully)."""
        out, err = await asyncio.wait_for(self.process.communicate(), WAIT)
        assert self.process.returncode == 0, err.decode()
        return [json.loads(line) for line in out.decode().splitlines() if line.strip()]

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
