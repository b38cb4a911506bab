"""Where the database comes from: ``DATABASE_URL`` or the embedded cluster."""

from __future__ import annotations

from aura.config import Settings
from aura.db.embedded import EmbeddedPostgres

DATABASE_NAME = "aura"

_embedded: EmbeddedPostgres | None = None


def embedded_server(settings: Settings) -> EmbeddedPostgres:
    """The process-wide embedded server for the configured data directory."""
    global _embedded
    if _embedded is None:
        _embedded = EmbeddedPostgres(settings.data_dir)
    return _embedded


def with_database(dsn: str, database: str) -> str:
    """Replace the database name of a ``postgresql://`` DSN."""
    head, _, tail = dsn.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}" + (f"?{tail}" if tail else "")


def resolve_dsn(settings: Settings | None = None) -> str:
    """The DSN of Aura's database, starting the embedded server when there is no URL.

    On the embedded server Aura uses its own database (``aura``), created on first use.
    """
    settings = settings or Settings.from_env()
    if settings.database_url:
        return settings.database_url
    server_dsn = embedded_server(settings).start()
    ensure_database(server_dsn, DATABASE_NAME)
    return with_database(server_dsn, DATABASE_NAME)


def ensure_database(server_dsn: str, name: str) -> None:
    import asyncio

    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(server_dsn)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(create())
        return
    # Called from inside a running loop (the server's lifespan): do it on a thread.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
