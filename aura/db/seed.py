"""Seeding: loading the demo (aura/db/demo.py) into a database.

Runs as the database owner (row-level security does not apply to it) in one
transaction, so a failed seed leaves nothing behind.

The demo's users have published addresses (``admin@aura.dev`` is an ADMIN), so demo data
belongs to development only: a server outside development never seeds itself, and
``aura seed`` refuses in production unless forced.
"""

from __future__ import annotations

import asyncpg

from aura.config import Settings
from aura.db import demo
from aura.db.pool import connect


class SeedRefused(RuntimeError):
    """``aura seed`` in production without ``--force``."""


def demo_wanted(settings: Settings) -> bool:
    """Whether ``aura serve`` seeds an empty database with the demo: only the embedded
    database of a development installation, and only when ``AURA_SEED_DEMO`` allows."""
    return (
        settings.seed_demo
        and settings.database_url is None
        and settings.environment == "development"
    )


def check_seed_allowed(settings: Settings, *, reset: bool, force: bool) -> None:
    """Refuse loading demo users (and, with ``reset``, deleting every user) in production."""
    if not settings.production or force:
        return
    what = "delete every user and project and load" if reset else "load"
    raise SeedRefused(
        f"refusing to {what} the demo data (with its published ADMIN account) in production "
        "(AURA_ENV=production): pass --force if you really mean it"
    )


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
