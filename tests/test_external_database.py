"""With DATABASE_URL, Aura migrates that database at start-up and loads no demo data."""

from __future__ import annotations

import dataclasses
import uuid

import asyncpg
import httpx
import uvicorn
from alembic.script import ScriptDirectory

from aura.app import create_app
from aura.auth.tokens import mint
from aura.config import Settings
from aura.db.database import with_database
from aura.db.migrate import alembic_config
from tests.conftest import JWT_SECRET, _free_port, serving


async def test_serve_migrates_an_external_database(pg_server: str, settings: Settings) -> None:
    name = f"ext_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(pg_server, name)
    try:
        app = create_app(dataclasses.replace(settings, database_url=dsn, seed_demo=True))
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        task = await serving(server)
        try:
            conn = await asyncpg.connect(dsn)
            try:
                head = ScriptDirectory.from_config(alembic_config(dsn)).get_current_head()
                assert await conn.fetchval("SELECT version_num FROM alembic_version") == head
                assert await conn.fetchval("SELECT count(*) FROM users") == 0
                user = await conn.fetchval(
                    "INSERT INTO users (email, role) VALUES ('ext@example.com', 'USER') "
                    "RETURNING id"
                )
            finally:
                await conn.close()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                response = await http.post(
                    "/graphql",
                    json={"query": "{ me { email } projects { totalCount } }"},
                    headers={"authorization": f"Bearer {mint(JWT_SECRET, str(user))}"},
                )
            assert response.json() == {
                "data": {"me": {"email": "ext@example.com"}, "projects": {"totalCount": 0}}
            }
        finally:
            server.should_exit = True
            await task
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
