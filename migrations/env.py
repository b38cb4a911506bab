"""Alembic environment: runs migrations over asyncpg against Aura's database.

The URL comes from ``config.attributes["dsn"]`` when Aura runs the migrations itself
(``aura migrate``, ``aura serve``, the tests); from the command line it is resolved the
same way the server resolves it (``DATABASE_URL`` or the embedded cluster).
"""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from aura.db.migrate import include_object, sqlalchemy_url
from aura.domains import metadata  # every domain's tables (the registry imports them)

config = context.config


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        compare_server_default=False,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async() -> None:
    dsn = config.attributes.get("dsn")
    if dsn is None:
        from aura.db.database import resolve_dsn

        dsn = resolve_dsn()
    engine = create_async_engine(sqlalchemy_url(dsn), poolclass=NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Aura migrations run online only: use `aura migrate`.")

connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    asyncio.run(run_async())
