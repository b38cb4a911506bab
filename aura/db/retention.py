"""Retention: events and execution logs past their age move to their archive tables.

Ages: ``AURA_RETENTION_EVENTS_DAYS`` (365: seed 001 archives events older than a year)
and ``AURA_RETENTION_LOGS_DAYS`` (90; seed 003 has ``delete_old_execution_logs()`` but
names no age); 0 keeps rows for ever. A row moves when it is strictly older than the
cutoff (now minus the age): one written exactly at the cutoff stays until the next run.

The scheduled job of the workers (``aura.db.jobs``) runs it. Rows move in batches, each
one short transaction of one statement, ``DELETE … RETURNING`` into the archive, over
rows taken ``FOR UPDATE SKIP LOCKED``: writers appending meanwhile never wait (they touch
other rows), two runs at once (two workers) share the work instead of queueing, and an
interrupted run leaves every row either in its table or in the archive, never both.

Events are append-only: this is the one deletion their trigger lets through, in a
transaction that sets ``aura.retention`` (migration 0017_retention); the change stream
leaves these deletions out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
from prometheus_client import Counter

from aura.config import Settings

log = logging.getLogger("aura.retention")

ARCHIVED = Counter(
    "aura_retention_archived_rows", "Rows retention moved to their archive table.", ["table"]
)
BATCHES = Counter("aura_retention_batches", "Batches (transactions) of retention.", ["table"])
RUNS = Counter("aura_retention_runs", "Retention runs, by outcome.", ["outcome"])

_SETTING = "SELECT set_config('aura.retention', 'archive', true)"


@dataclass(frozen=True)
class Policy:
    """A table whose rows older than ``days`` move to ``<table>_archive``."""

    table: str
    columns: tuple[str, ...]
    days: int

    @property
    def archive(self) -> str:
        return f"{self.table}_archive"

    def move_sql(self) -> str:
        columns = ", ".join(self.columns)
        return (
            f"WITH doomed AS (SELECT id FROM {self.table} WHERE created_at < $1 "
            "ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED), "
            f"moved AS (DELETE FROM {self.table} AS source USING doomed "
            "WHERE source.id = doomed.id RETURNING source.*) "
            f"INSERT INTO {self.archive} ({columns}) SELECT {columns} FROM moved"
        )


EVENT_COLUMNS = ("id", "project_id", "task_id", "user_id", "event_type", "payload", "created_at")
LOG_COLUMNS = (
    "id",
    "project_id",
    "task_id",
    "user_id",
    "step",
    "agent_type",
    "level",
    "message",
    "metadata",
    "created_at",
)


def policies(settings: Settings) -> tuple[Policy, ...]:
    return (
        Policy("events", EVENT_COLUMNS, settings.retention_events_days),
        Policy("execution_logs", LOG_COLUMNS, settings.retention_logs_days),
    )


async def archive_batch(
    conn: asyncpg.Connection, policy: Policy, cutoff: datetime, batch_size: int
) -> int:
    """Move at most ``batch_size`` rows older than ``cutoff``, in one transaction."""
    async with conn.transaction():
        await conn.execute(_SETTING)
        status = await conn.execute(policy.move_sql(), cutoff, batch_size)
    moved = int(status.split()[-1])
    if moved:
        ARCHIVED.labels(policy.table).inc(moved)
        BATCHES.labels(policy.table).inc()
    return moved


async def archive_older(
    conn: asyncpg.Connection, policy: Policy, cutoff: datetime, batch_size: int
) -> int:
    """Move every row older than ``cutoff``, batch after batch; returns how many moved."""
    total = 0
    while True:
        moved = await archive_batch(conn, policy, cutoff, batch_size)
        total += moved
        if moved < batch_size:
            return total


async def run_retention(
    pool: asyncpg.Pool, settings: Settings, *, now: datetime | None = None
) -> dict[str, int]:
    """One run over every policy; returns rows archived per table (logged, counted)."""
    moved: dict[str, int] = {}
    try:
        async with pool.acquire() as conn:
            at = now or await conn.fetchval("SELECT now()")
            for policy in policies(settings):
                if policy.days <= 0:
                    continue
                cutoff = at - timedelta(days=policy.days)
                moved[policy.table] = await archive_older(
                    conn, policy, cutoff, max(1, settings.retention_batch_size)
                )
                log.info(
                    "retention: %d %s older than %s archived into %s",
                    moved[policy.table],
                    policy.table,
                    cutoff.isoformat(),
                    policy.archive,
                )
    except Exception:
        RUNS.labels("failed").inc()
        raise
    RUNS.labels("completed").inc()
    return moved
