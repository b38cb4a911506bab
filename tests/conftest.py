"""Fixtures: a real PostgreSQL, a real HTTP server, real tokens.

One throwaway embedded cluster per test run (its own temporary directory and socket,
so parallel runs never meet), migrated once into a template database. Every test gets
a fresh database cloned from the template and its own Aura server on an ephemeral
port, so tests share nothing.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from alembic import command

from aura.app import create_app
from aura.auth.tokens import mint
from aura.cli import server_options
from aura.config import Settings
from aura.db.database import with_database
from aura.db.embedded import EmbeddedPostgres
from aura.db.migrate import alembic_config
from aura.db.pool import connect
from tests.ai_server import AIServer
from tests.waiting import until

TEMPLATE = "aura_template"
JWT_SECRET = "test-secret-" + uuid.uuid4().hex


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedPostgres]:
    """The run's embedded cluster, started, with the migrated template database."""
    with tempfile.TemporaryDirectory(prefix="aura-test-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pgdata", ephemeral=True)
        dsn = server.start()
        try:
            asyncio.run(_create_database(dsn, TEMPLATE))
            command.upgrade(alembic_config(with_database(dsn, TEMPLATE)), "head")
            yield server
        finally:
            server.stop(remove=True)


@pytest.fixture(scope="session")
def pg_server(pg_cluster: EmbeddedPostgres) -> str:
    """DSN of the run's embedded cluster (its maintenance database)."""
    return pg_cluster.dsn


async def _create_database(server_dsn: str, name: str, template: str | None = None) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await conn.close()


async def _drop_database(server_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def database(pg_server: str) -> AsyncIterator[str]:
    """DSN of a fresh, migrated database for this test only."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    await _create_database(pg_server, name, TEMPLATE)
    try:
        yield with_database(pg_server, name)
    finally:
        await _drop_database(pg_server, name)


@pytest.fixture
async def db(database: str) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection to the test database, for given/then checks."""
    conn = await connect(database)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path, jwt_secret=JWT_SECRET, pool_min_size=1, pool_max_size=25, seed_demo=False
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    settings: Settings
    app: Any = None  # the ASGI app, for tests that look inside (e.g. the realtime hub)


async def serving(uv: uvicorn.Server) -> asyncio.Task[None]:
    """Start ``uv`` in this loop; returns its task once it accepts connections (a start
    that fails raises here)."""
    task = asyncio.create_task(uv.serve())

    def started() -> bool:
        if task.done():
            task.result()  # raises what ended it
            raise AssertionError("the server stopped before it started")
        return bool(uv.started)

    await until(started, "the server to start", within=60)
    return task


@pytest.fixture
async def server(database: str, settings: Settings) -> AsyncIterator[Server]:
    """Aura served over real HTTP on an ephemeral port."""
    app = create_app(settings, dsn=database)
    port = _free_port()
    options = {**server_options(settings), "loop": "asyncio"}  # the test's own loop
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        **options,  # type: ignore[arg-type]
    )
    uv = uvicorn.Server(config)
    task = await serving(uv)
    try:
        yield Server(url=f"http://127.0.0.1:{port}", settings=settings, app=app)
    finally:
        uv.should_exit = True
        await task


@dataclass
class Response:
    status: int
    body: dict[str, Any]
    headers: httpx.Headers

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]

    @property
    def statements(self) -> int:
        return int(self.headers["x-aura-sql-statements"])

    def ok(self) -> Any:
        assert not self.errors, self.errors
        return self.data


@dataclass
class User:
    id: str
    email: str
    role: str
    token: str


@dataclass
class Client:
    """A GraphQL client over real HTTP, acting as one user (or anonymously)."""

    http: httpx.AsyncClient
    user: User | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: User | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        who = as_user or self.user
        sent = {"content-type": "application/json", **self.extra_headers, **(headers or {})}
        if who is not None:
            sent["authorization"] = f"Bearer {who.token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=sent
        )
        return Response(response.status_code, response.json(), response.headers)

    def as_(self, user: User | None) -> Client:
        return Client(self.http, user, self.extra_headers)


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield client


async def make_user(db: asyncpg.Connection, email: str, role: str = "USER") -> User:
    user_id = await db.fetchval(
        "INSERT INTO users (email, display_name, role) VALUES ($1, $2, $3) RETURNING id",
        email,
        email.split("@")[0].title(),
        role,
    )
    return User(user_id, email, role, mint(JWT_SECRET, user_id, email=email))


@dataclass
class People:
    alice: User
    bob: User
    admin: User
    pending: User


@pytest.fixture
async def people(db: asyncpg.Connection) -> People:
    return People(
        alice=await make_user(db, "alice@example.com"),
        bob=await make_user(db, "bob@example.com"),
        admin=await make_user(db, "root@example.com", "ADMIN"),
        pending=await make_user(db, "newbie@example.com", "PENDING"),
    )


@pytest.fixture
def client(http: httpx.AsyncClient, people: People) -> Client:
    """Acts as alice unless told otherwise."""
    return Client(http, people.alice)


@pytest.fixture
async def ai_server() -> AsyncIterator[AIServer]:
    """A local OpenAI-compatible provider on an ephemeral port (tests/ai_server.py)."""
    async with AIServer() as server:
        yield server
