"""Production guards: no demo data outside development, no unconfirmed wipe in production."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys

import asyncpg
import pytest

from aura.auth.crypto import new_master_key
from aura.config import Settings
from aura.db.seed import SeedRefused, check_seed_allowed, demo_wanted

DEMO_ADMIN = "admin@aura.dev"


async def aura(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``aura ARGS`` in a process of its own, with ``env`` added to the environment."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "aura.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def production(dsn: str) -> dict[str, str]:
    return {
        "AURA_ENV": "production",
        "DATABASE_URL": dsn,
        "AURA_JWT_SECRET": "guard-test-secret",
        "AURA_MASTER_KEY": new_master_key(),
    }


async def emails(db: asyncpg.Connection) -> set[str]:
    return {row[0] for row in await db.fetch("SELECT email FROM users")}


@pytest.mark.slow
async def test_seed_reset_refuses_in_production_without_force(
    database: str, db: asyncpg.Connection
) -> None:
    await db.execute("INSERT INTO users (email, role) VALUES ('real@example.com', 'ADMIN')")
    refused = await aura("seed", "--reset", **production(database))
    assert refused.returncode == 2, refused.stderr
    assert "refusing to delete every user" in refused.stderr
    assert "--force" in refused.stderr
    assert await emails(db) == {"real@example.com"}  # nothing deleted, nothing loaded

    forced = await aura("seed", "--reset", "--force", **production(database))
    assert forced.returncode == 0, forced.stderr
    assert "demo data reloaded" in forced.stdout
    after = await emails(db)
    assert DEMO_ADMIN in after
    assert "real@example.com" not in after


@pytest.mark.slow
async def test_seeding_demo_users_refuses_in_production_without_force(
    database: str, db: asyncpg.Connection
) -> None:
    refused = await aura("seed", **production(database))
    assert refused.returncode == 2, refused.stderr
    assert "refusing to load the demo data" in refused.stderr
    assert await emails(db) == set()


def test_check_seed_allowed_only_guards_production() -> None:
    check_seed_allowed(Settings(), reset=True, force=False)  # development: allowed
    check_seed_allowed(Settings(environment="production"), reset=True, force=True)
    with pytest.raises(SeedRefused, match="delete every user"):
        check_seed_allowed(Settings(environment="production"), reset=True, force=False)


def test_no_demo_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AURA_ENV", "AURA_SEED_DEMO", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert demo_wanted(Settings.from_env())  # development on the embedded database
    monkeypatch.setenv("AURA_ENV", "production")
    settings = Settings.from_env()
    assert not settings.seed_demo
    assert not demo_wanted(settings)
    # Not even when asked for: the demo's ADMIN has a published address.
    monkeypatch.setenv("AURA_SEED_DEMO", "1")
    assert not demo_wanted(Settings.from_env())
    monkeypatch.setenv("AURA_ENV", "staging")
    assert not demo_wanted(Settings.from_env())
    development = Settings()
    assert not demo_wanted(dataclasses.replace(development, database_url="postgresql://x/y"))
    assert not demo_wanted(dataclasses.replace(development, seed_demo=False))
