"""The listener: one connection per process that follows the change stream.

Triggers append every committed change to ``aura.stream`` and wake the listener with a
``NOTIFY``. The listener reads everything after its position in batches (one query per
source somebody wants, plus one for the projects' owners) and hands each batch to its
``on_changes`` callback, in stream order; it knows nothing of who consumes them.
Notifications are only a wake-up: after a lost connection (killed backend, database
restart) it reconnects and reads on from its position, so nothing committed meanwhile is
lost. Any exception does that (asyncpg raises ``InternalClientError`` on a connection
killed mid-query). While idle it asks the database every few seconds, so a connection
that died without a word is noticed, and calls ``on_idle``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping

import asyncpg

from aura.db import stream as db
from aura.db.pool import connect
from aura.db.stream import Change

log = logging.getLogger(__name__)

BATCH = 1000
KEEPALIVE_SECONDS = 5.0
CHANNELS = ("aura_stream", "aura_auth")
LISTENER_NAME = "aura-realtime"  # application_name of the listener connection
CONNECTION_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError)

OnChanges = Callable[[list[Change], Mapping[str, str]], Awaitable[None]]


class Listener:
    """Follows ``aura.stream`` from the position it starts at (the head, when first
    connected); ``run`` is its loop, which only ends when cancelled."""

    def __init__(
        self,
        dsn: str,
        *,
        sources: Callable[[], Iterable[str]],
        on_changes: OnChanges,
        on_notice: Callable[[str], None],
        on_idle: Callable[[], None],
    ) -> None:
        self.dsn = dsn
        self.sources = sources  # the sources whose changes are wanted now
        self.on_changes = on_changes  # (changes in stream order, project id -> owner)
        self.on_notice = on_notice  # an ``aura_auth`` notification's payload
        self.on_idle = on_idle  # called on every keep-alive
        self.position = 0
        self.connected = asyncio.Event()
        self.reconnects = 0  # connections lost and retried
        self.down_since: float | None = time.monotonic()  # not connected since
        self._wake = asyncio.Event()
        self._conn: asyncpg.Connection | None = None

    def lost(self) -> None:
        """Not connected any more (from now, unless it already was not)."""
        self.connected.clear()
        if self.down_since is None:
            self.down_since = time.monotonic()

    async def run(self) -> None:
        backoff = 0.05
        first = True
        while True:
            try:
                conn = await self._connect(first)
                first = False
                backoff = 0.05
                await self._serve(conn)
            except asyncio.CancelledError:
                await self._close()
                raise
            except Exception as exc:
                # Whatever it was, the position is where the last whole batch ended:
                # reconnect and read on from there (subscribers skip what they had).
                self._failed(exc)
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    def _failed(self, exc: Exception) -> None:
        self.lost()
        self.reconnects += 1
        if isinstance(exc, CONNECTION_ERRORS):
            log.warning("realtime listener lost its connection (%s); reconnecting", exc)
        else:
            log.error("realtime listener failed; reconnecting", exc_info=exc)

    async def _connect(self, first: bool) -> asyncpg.Connection:
        conn = self._conn = await connect(self.dsn, application_name=LISTENER_NAME)
        for channel in CHANNELS:
            await conn.add_listener(channel, self._notified)
        conn.add_termination_listener(lambda _: self._wake.set())
        if first:
            self.position = await db.head_position(conn)
        self.down_since = None
        self.connected.set()
        return conn

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=2)
        if not conn.is_closed():
            conn.terminate()  # a connection in a broken state does not close politely

    async def _serve(self, conn: asyncpg.Connection) -> None:
        # Read on from the position first: what was committed while disconnected.
        self._wake.set()
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                # A connection can die without a word (network, restart): ask.
                await conn.fetchval("SELECT 1", timeout=KEEPALIVE_SECONDS)
                self.on_idle()
                continue
            self._wake.clear()
            if conn.is_closed():
                raise ConnectionResetError("listener connection closed")
            while await self._read_batch(conn) == BATCH:
                pass

    def _notified(self, conn: object, pid: int, channel: str, payload: str) -> None:
        if channel == "aura_stream":
            self._wake.set()
        else:
            self.on_notice(payload)

    async def _read_batch(self, conn: asyncpg.Connection) -> int:
        """Read the next batch after the position and hand it on; returns its size."""
        start = self.position
        positions = await db.next_positions(conn, start, BATCH)
        if not positions:
            return 0
        top = positions[-1]
        changes: list[Change] = []
        for source in sorted(self.sources()):
            changes.extend(await db.changes_between(conn, source, start, top))
        changes.sort(key=lambda change: change.seq)
        if changes:
            await self.on_changes(changes, await db.project_owners(conn, changes))
        self.position = top
        return len(positions)
