"""Seeding: loading the demo (aura/db/demo.py) into a database.

Runs as the database owner (row-level security does not apply to it) in one
transaction, so a failed seed leaves nothing behind.
"""

from __future__ import annotations

import asyncpg

from aura.db import demo
from aura.db.pool import connect


async def seed(conn: asyncpg.Connection) -> None:
    """Load the demo in one transaction: all of it, or nothing."""
    async with conn.transaction():
        await demo.load(conn)


async def seed_if_empty(dsn: str) -> bool:
    """Load the demo into a database without users; True when it did."""
    conn = await connect(dsn)
    try:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users)"):
            return False
        await seed(conn)
        return True
    finally:
        await conn.close()


async def reset(dsn: str) -> None:
    """Remove all data and load the demo again."""
    conn = await connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("TRUNCATE users, projects CASCADE")
        await seed(conn)
    finally:
        await conn.close()
