"""``aura ingest FILE --project … --type …``: the upload path of the API, from a file.

The job is created as the project's owner (under their row-level security, like a
request of theirs), then a worker in this process runs it (with ``--no-wait``, a server
or ``aura worker`` does) and its progress is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aura import errors
from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.ingest import FINAL, ColumnMapping, create_job
from aura.db.jobs import Worker
from aura.db.pool import connect, create_pool
from aura.db.session import Session

_FINAL = {s.value for s in FINAL}


async def _owner(dsn: str, project: str) -> tuple[str, str] | None:
    conn = await connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT id::text, owner_id::text FROM projects "
            "WHERE id::text = $1 OR name = $1 ORDER BY created_at LIMIT 1",
            project,
        )
        return (row["id"], row["owner_id"]) if row else None
    finally:
        await conn.close()


async def ingest_file(dsn: str, settings: Settings, args: argparse.Namespace) -> int:
    found = await _owner(dsn, args.project)
    if found is None:
        print(f"no project {args.project!r}", file=sys.stderr)
        return 1
    project_id, owner = found
    mapping = ColumnMapping(
        content=args.content_column,
        category=args.category_column or None,
        creator_id=args.creator_id_column,
        creator_name=args.creator_name_column,
        creator_email=args.creator_email_column,
    )
    pool = await create_pool(dsn, min_size=1, max_size=2)
    session = Session(pool, Principal(owner), statement_timeout_ms=0)
    try:
        with args.file.open("rb") as file:
            job = await create_job(
                session,
                project_id=project_id,
                type=args.type,
                file=file,
                file_name=args.file.name,
                mapping=mapping,
                max_bytes=0,
            )
        await session.close(commit=True)
    except errors.ApiError as exc:
        await session.close(commit=False)
        await pool.close()
        print(f"refused: {exc.message}", file=sys.stderr)
        return 1
    job_id = job["id"]
    print(f"ingest job {job_id}: {job['total_records']} rows queued", flush=True)
    if args.no_wait:
        await pool.close()
        return 0
    worker = Worker(dsn, heartbeat=settings.job_heartbeat_seconds, concurrency=1)
    worker.start()
    try:
        while True:
            row = await pool.fetchrow(
                "SELECT status, saved_count, skipped_count, total_records, error "
                "FROM ingest_jobs WHERE id = $1",
                job_id,
            )
            print(
                f"{row['status']}: {row['saved_count']} saved, {row['skipped_count']} skipped "
                f"of {row['total_records']}",
                flush=True,
            )
            if row["status"] in _FINAL:
                if row["error"]:
                    print(row["error"], file=sys.stderr)
                return 0 if row["status"] == "COMPLETED" else 1
            await asyncio.sleep(1)
    finally:
        await worker.stop()
        await pool.close()
