"""Run Alembic migrations programmatically (``aura migrate``, server start-up, tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]


def sqlalchemy_url(dsn: str) -> str:
    """Turn a libpq DSN into a SQLAlchemy asyncpg URL."""
    parts = urlsplit(dsn)
    return urlunsplit(("postgresql+asyncpg", *parts[1:]))


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Views are created by SQL in the migrations, not by autogenerate."""
    return not (type_ == "table" and obj.info.get("view"))


def alembic_config(dsn: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["dsn"] = dsn
    return config


def _run(func: str, dsn: str, revision: str) -> None:
    getattr(command, func)(alembic_config(dsn), revision)


async def upgrade(dsn: str, revision: str = "head") -> None:
    # Alembic's env runs its own event loop, so it goes to a worker thread.
    await asyncio.to_thread(_run, "upgrade", dsn, revision)


async def downgrade(dsn: str, revision: str) -> None:
    await asyncio.to_thread(_run, "downgrade", dsn, revision)
