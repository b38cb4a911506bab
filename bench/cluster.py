"""A throwaway embedded PostgreSQL for one benchmark run, and what is measured in it.

The cluster lives in a temporary directory with its own Unix socket, so a run never
touches a developer's ``.aura`` cluster or a parallel test run; it is stopped and
removed when the run ends, also on errors and Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from aura.db import migrate
from aura.db.database import with_database
from aura.db.embedded import EmbeddedPostgres

DATABASE = "aura_bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Cluster:
    """An ephemeral cluster with the migrated ``aura_bench`` database."""

    def __init__(self, *, durable: bool = False) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="aura-bench-")
        # durable: fsync and synchronous commit on, as ``aura serve`` runs its cluster
        self.server = EmbeddedPostgres(Path(self._tmp.name) / "pgdata", ephemeral=not durable)
        self.server_dsn = ""
        self.dsn = ""

    def start(self) -> str:
        self.server_dsn = self.server.start()
        self.dsn = with_database(self.server_dsn, DATABASE)
        asyncio.run(self._create())
        asyncio.run(migrate.upgrade(self.dsn))
        asyncio.run(self._extensions())
        return self.dsn

    def stop(self) -> None:
        try:
            self.server.stop(remove=True)
        finally:
            self._tmp.cleanup()

    # -- connection details for the peer (node-postgres) ------------------------------

    @property
    def socket_dir(self) -> str:
        return parse_qs(urlsplit(self.server_dsn).query)["host"][0]

    @property
    def port(self) -> int:
        return int(parse_qs(urlsplit(self.server_dsn).query)["port"][0])

    # -- measurements -------------------------------------------------------------------

    def postmaster_pid(self) -> int:
        return int((self.server.data_dir / "postmaster.pid").read_text().splitlines()[0])

    def cpu_ticks(self) -> int:
        """CPU time (user + system, clock ticks) of the whole cluster so far.

        The postmaster's own time, its children's (every backend, the checkpointer, …),
        and the time of children that already exited (the postmaster's cutime/cstime).
        """
        postmaster = self.postmaster_pid()
        total = 0
        for pid in _children(postmaster):
            total += _ticks(pid)
        stat = _stat(postmaster)
        if stat is not None:
            total += int(stat[11]) + int(stat[12]) + int(stat[13]) + int(stat[14])
        return total

    async def _create(self) -> None:
        conn = await asyncpg.connect(self.server_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await conn.close()

    async def _extensions(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        finally:
            await conn.close()


HARNESS = "/* aura-bench-harness */"


class Statements:
    """SQL statements counted by pg_stat_statements in the bench database.

    One connection for the whole run, with its own event loop: its backend does no work
    between a reset and the count that follows, so it adds nothing to the CPU measured.
    The harness's own statements carry a marker comment and are never counted.
    """

    def __init__(self, dsn: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._conn: asyncpg.Connection = self._loop.run_until_complete(asyncpg.connect(dsn))

    def _run(self, coroutine: Any) -> Any:
        return self._loop.run_until_complete(coroutine)

    def version(self) -> str:
        text = self._run(self._conn.fetchval(f"SELECT version() {HARNESS}"))
        return str(text).split(" on ")[0]

    def reset(self) -> None:
        self._run(self._conn.execute(f"SELECT pg_stat_statements_reset() {HARNESS}"))

    def count(self) -> tuple[int, int]:
        """(statements, transactions) since the last reset, the harness's excluded.

        Transactions are the COMMIT and ROLLBACK statements: both servers run each
        request in one transaction, so this is the number of requests the database saw.
        """
        row = self._run(
            self._conn.fetchrow(
                f"""SELECT coalesce(sum(calls), 0) AS statements,
                       coalesce(sum(calls) FILTER (
                         WHERE lower(btrim(query)) IN ('commit', 'rollback')), 0) AS transactions
                FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND query NOT LIKE '%aura-bench-harness%'
                  AND query NOT ILIKE '%pg_stat_statements_reset%' {HARNESS}"""
            )
        )
        return int(row["statements"]), int(row["transactions"])

    def wait_idle(self, *, timeout: float = 30.0) -> None:
        """Wait until no other session of the bench database is inside a statement or a
        transaction (the requests still in flight when wrk stopped have finished)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            busy = self._run(
                self._conn.fetchval(
                    f"""SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid()
                      AND backend_type = 'client backend' AND state <> 'idle' {HARNESS}"""
                )
            )
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return
            time.sleep(0.02)

    def close(self) -> None:
        try:
            self._run(self._conn.close(timeout=5))
        finally:
            self._loop.close()


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 is field 3, the state)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 when it has gone)."""
    stat = _stat(pid)
    return 0 if stat is None else int(stat[11]) + int(stat[12])


def process_ticks(pid: int) -> int:
    """utime + stime of a process and its live descendants (a server and its helpers)."""
    return _ticks(pid) + sum(_ticks(child) for child in _children(pid))


def _children(pid: int) -> list[int]:
    """Live descendants of ``pid``."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is not None:
            parents.setdefault(int(stat[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
