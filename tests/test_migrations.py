"""Migrations go up, down to base and up again, and match the table definitions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from aura.db import migrate
from aura.db.database import with_database
from aura.db.migrate import include_object
from aura.domains import metadata  # every domain's tables (the registry imports them)


@pytest.fixture
async def empty_database(pg_server: str) -> AsyncIterator[str]:
    name = f"mig_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg_server)
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(pg_server, name)
    finally:
        await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await conn.close()


async def _objects(dsn: str) -> dict[str, set[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        views = await conn.fetch("SELECT viewname FROM pg_views WHERE schemaname = 'public'")
        policies = await conn.fetch("SELECT policyname FROM pg_policies")
        schemas = await conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname = 'aura'")
        return {
            "tables": {r[0] for r in tables} - {"alembic_version"},
            "views": {r[0] for r in views},
            "policies": {r[0] for r in policies},
            "schemas": {r[0] for r in schemas},
        }
    finally:
        await conn.close()


async def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    await migrate.upgrade(empty_database)
    upgraded = await _objects(empty_database)
    assert {"users", "projects", "tasks", "task_dependencies", "comments"} <= upgraded["tables"]
    assert {"active_tasks", "task_progress", "recent_events"} <= upgraded["views"]
    assert upgraded["policies"]

    await migrate.downgrade(empty_database, "base")
    assert await _objects(empty_database) == {
        "tables": set(),
        "views": set(),
        "policies": set(),
        "schemas": set(),
    }

    await migrate.upgrade(empty_database)
    assert await _objects(empty_database) == upgraded


async def test_migrations_match_the_table_definitions(empty_database: str) -> None:
    await migrate.upgrade(empty_database)
    engine = create_async_engine(migrate.sqlalchemy_url(empty_database), poolclass=NullPool)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_object": include_object}), metadata
            )
        )
    await engine.dispose()
    assert diff == []


async def test_every_table_has_row_level_security(db: asyncpg.Connection) -> None:
    unprotected = await db.fetch(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity "
        "AND relname <> 'alembic_version'"
    )
    assert [r[0] for r in unprotected] == []
    views = await db.fetch(
        "SELECT relname, reloptions FROM pg_class WHERE relkind = 'v' "
        "AND relnamespace = 'public'::regnamespace"
    )
    assert all("security_invoker=true" in (r["reloptions"] or []) for r in views)
