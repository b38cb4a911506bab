"""Sessions and connections under failure, and dates at the edges (hardening issue 9).

Every session is closed exactly once and gives its connection back exactly once, a
failed field cannot leak a connection through a resolver that outlives the request,
a killed backend is DATABASE_UNAVAILABLE (503, Retry-After) over HTTP and websockets,
and every timestamp reads back as the instant written.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from graphql import GraphQLError

from aura import errors
from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.session import Session, SessionClosed
from aura.engine.errors import present
from tests import factories
from tests.conftest import JWT_SECRET, Client, People, Server
from tests.realtime import connect
from tests.waiting import until

POOL_SIZE = 3
DEADLINE = 10.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A small pool: a leak of a few connections is enough to stop the server."""
    return Settings(
        home=tmp_path,
        jwt_secret=JWT_SECRET,
        pool_min_size=1,
        pool_max_size=POOL_SIZE,
        seed_demo=False,
    )


def checked_out(server: Server) -> int:
    pool: asyncpg.Pool = server.app.state.pool
    return pool.get_size() - pool.get_idle_size()


async def idle_in_transaction(db: asyncpg.Connection) -> int:
    return int(
        await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
        )
    )


async def no_connection_left(server: Server, db: asyncpg.Connection) -> None:
    async def settled() -> bool:
        return checked_out(server) == 0 and await idle_in_transaction(db) == 0

    await until(settled, "every connection back in the pool", within=DEADLINE)


async def blocked_backend(db: asyncpg.Connection, query_like: str) -> int:
    """The pid of the request's backend once it waits on a lock in ``query_like``."""
    pid: int | None = None

    async def waiting() -> bool:
        nonlocal pid
        pid = await db.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE $1 AND pid <> pg_backend_pid()",
            query_like,
        )
        return pid is not None

    await until(waiting, f"a backend waiting in {query_like}", within=DEADLINE)
    assert pid is not None
    return pid


# -- item 1: a failed field leaks no connection ---------------------------------------

# The nested page size is checked as the field runs, after the projects' page query:
# the error nulls the whole answer while the sibling `totalCount` is still pending.
FAILING = "{ projects(first: 10) { totalCount nodes { tasks(first: 1000) { totalCount } } } }"


async def test_a_failed_field_leaks_no_connection(
    server: Server, client: Client, db: asyncpg.Connection
) -> None:
    await factories.project(client)
    before = checked_out(server)
    for _ in range(POOL_SIZE * 3):
        failed = await client.gql(FAILING)
        assert failed.codes == ["BAD_USER_INPUT"]
    await no_connection_left(server, db)
    started = time.monotonic()
    answer = await asyncio.wait_for(client.gql("{ projects { totalCount } }"), DEADLINE)
    assert answer.ok()["projects"]["totalCount"] == 1
    assert time.monotonic() - started < DEADLINE
    assert before == 0
    assert checked_out(server) == 0


async def test_a_closed_session_refuses_to_begin_again(server: Server, people: People) -> None:
    pool: asyncpg.Pool = server.app.state.pool
    session = Session(pool, Principal(user_id=people.alice.id), statement_timeout_ms=1000)
    assert await session.fetchval("SELECT 1") == 1
    assert checked_out(server) == 1
    await session.close()
    await session.close()  # a second close does nothing
    assert checked_out(server) == 0
    with pytest.raises(SessionClosed):
        await session.fetchval("SELECT 1")
    with pytest.raises(SessionClosed):
        await session.fetch_alone("SELECT 1")
    assert checked_out(server) == 0
    assert session.statements == 3  # BEGIN, SELECT and one COMMIT, never a second


# -- item 11: dates that are accepted read back ------------------------------------------

TOKENS = "{ userTokens(first: 100) { totalCount nodes { provider expiresAt isExpired } } }"


async def test_a_provider_token_of_year_one_reads_back_and_is_expired(
    server: Server, client: Client, db: asyncpg.Connection
) -> None:
    await client.gql(
        'mutation { upsertUserToken(input: {provider: "p", accessToken: "x", '
        'expiresAt: "0001-01-01T00:00:00Z"}) { id } }'
    )
    for _ in range(12):
        data = (await client.gql(TOKENS)).ok()
        assert data["userTokens"] == {
            "totalCount": 1,
            "nodes": [
                {"provider": "p", "expiresAt": "0001-01-01T00:00:00+00:00", "isExpired": True}
            ],
        }
    # Stored as that instant, not as -infinity.
    assert await db.fetchval("SELECT expires_at = '0001-01-01 00:00:00+00' FROM user_tokens")
    await no_connection_left(server, db)


ECHO = "mutation($input: UpsertUserTokenInput!) { upsertUserToken(input: $input) { expiresAt } }"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00+00:00"),
        ("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999+00:00"),
        ("0001-01-01T00:00:00.000001Z", "0001-01-01T00:00:00.000001+00:00"),
        ("0001-01-01T01:00:00+01:00", "0001-01-01T00:00:00+00:00"),
    ],
)
async def test_every_timestamp_reads_back_as_the_instant_written(
    client: Client, written: str, read: str
) -> None:
    response = await client.gql(
        ECHO, {"input": {"provider": "p", "accessToken": "x", "expiresAt": written}}
    )
    assert response.ok()["upsertUserToken"]["expiresAt"] == read
    data = (await client.gql("{ userTokens { nodes { expiresAt isExpired } } }")).ok()
    expired = datetime.fromisoformat(read) <= datetime.now(UTC)
    assert data["userTokens"]["nodes"] == [{"expiresAt": read, "isExpired": expired}]


@pytest.mark.parametrize(
    "written",
    [
        "2024-05-01T12:00:00",  # no offset: which instant?
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC
        "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
        "not a date",
    ],
)
async def test_ambiguous_or_unreadable_timestamps_are_refused(
    client: Client, db: asyncpg.Connection, written: str
) -> None:
    response = await client.gql(
        ECHO, {"input": {"provider": "p", "accessToken": "x", "expiresAt": written}}
    )
    assert response.codes == ["BAD_USER_INPUT"], response.body
    assert response.statements == 0
    assert await db.fetchval("SELECT count(*) FROM user_tokens") == 0


async def test_a_secret_expired_in_1900_leaves_the_view_readable(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    created = await client.gql(
        "mutation($input: CreateSecretInput!) { createSecret(input: $input) { id expiresAt } }",
        {
            "input": {
                "projectId": project["id"],
                "keyName": "OLD",
                "value": "v",
                "expiresAt": "1900-01-01T00:00:00Z",
            }
        },
    )
    assert created.ok()["createSecret"]["expiresAt"] == "1900-01-01T00:00:00+00:00"
    query = "{ secretsExpiringSoon { nodes { keyName expiresAt secondsUntilExpiry } } }"
    for who in (people.alice, people.admin):
        nodes = (await client.gql(query, as_user=who)).ok()["secretsExpiringSoon"]["nodes"]
        assert nodes == [
            {
                "keyName": "OLD",
                "expiresAt": "1900-01-01T00:00:00+00:00",
                "secondsUntilExpiry": -(2**31),  # clamped to the Int range
            }
        ]


async def test_a_rotation_after_the_year_9999_is_refused(client: Client) -> None:
    project = await factories.project(client)
    secret = (
        await client.gql(
            "mutation($input: CreateSecretInput!) { createSecret(input: $input) { id } }",
            {"input": {"projectId": project["id"], "keyName": "K", "value": "v"}},
        )
    ).ok()["createSecret"]
    response = await client.gql(
        "mutation($input: CreateSecretRotationScheduleInput!) { "
        "createSecretRotationSchedule(input: $input) { id nextRotationAt } }",
        {"input": {"secretId": secret["id"], "rotationIntervalDays": 3_000_000}},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert "9999" in response.errors[0]["message"]


# -- item 14: the aborted transaction is a coded error with a request id ---------------


async def test_after_a_failed_statement_the_next_gets_a_coded_error(
    server: Server, people: People
) -> None:
    pool: asyncpg.Pool = server.app.state.pool
    session = Session(pool, Principal(user_id=people.alice.id), statement_timeout_ms=1000)
    try:
        with pytest.raises(errors.BadUserInput):
            await session.fetchval("SELECT 'apollo' LIKE '%\\'")
        with pytest.raises(errors.TransactionAborted) as aborted:
            await session.fetchval("SELECT 1")
    finally:
        await session.close()
    assert checked_out(server) == 0
    # As a client sees it: coded, and pointing at the server log.
    shown = present(GraphQLError("x", path=["b"], original_error=aborted.value), "req-1")
    assert shown.extensions == {"code": "TRANSACTION_ABORTED", "requestId": "req-1"}
    internal = present(GraphQLError("x", path=["b"], original_error=errors.ApiError("x")), "r2")
    assert internal.extensions == {"code": "INTERNAL", "requestId": "r2"}


# -- item 17 and DATABASE_UNAVAILABLE: a backend killed mid-request --------------------

RENAME = 'mutation($id: ID!) { updateProject(id: $id, input: {name: "renamed"}) { id name } }'


@pytest.fixture
def connection_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING)
    return caplog


def assert_clean_handling(log: pytest.LogCaptureFixture) -> None:
    text = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in log.records if r.levelno >= logging.ERROR
    )
    assert "another operation is in progress" not in text
    assert "released back to the pool" not in text
    assert "Resetting connection with an active transaction" not in text


async def test_a_backend_killed_mid_statement_is_database_unavailable(
    server: Server,
    client: Client,
    db: asyncpg.Connection,
    database: str,
    connection_log: pytest.LogCaptureFixture,
) -> None:
    project = await factories.project(client)
    locker = await asyncpg.connect(database)
    try:
        await locker.execute("BEGIN; SELECT 1 FROM projects FOR UPDATE")
        request = asyncio.create_task(client.gql(RENAME, {"id": project["id"]}))
        pid = await blocked_backend(db, "%UPDATE%projects%")
        assert await db.fetchval("SELECT pg_terminate_backend($1)", pid)
        response = await asyncio.wait_for(request, DEADLINE)
    finally:
        await locker.close()
    assert response.status == 503
    assert response.headers["retry-after"] == "1"
    [error] = response.errors
    assert error["extensions"] == {
        "code": "DATABASE_UNAVAILABLE",
        "requestId": response.headers["x-request-id"],
    }
    await no_connection_left(server, db)
    # The pool replaced the dead connection; the rename never happened.
    assert (await client.gql("{ projects { nodes { name } } }")).ok()["projects"]["nodes"] == [
        {"name": project["name"]}
    ]
    assert_clean_handling(connection_log)


async def test_a_backend_killed_during_commit_is_database_unavailable(
    server: Server,
    client: Client,
    db: asyncpg.Connection,
    database: str,
    connection_log: pytest.LogCaptureFixture,
) -> None:
    # A deferred trigger makes COMMIT wait on a lock the test holds.
    await db.execute(
        """
        CREATE FUNCTION public.wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT ON projects
          DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.wait_at_commit();
        """
    )
    locker = await asyncpg.connect(database)
    try:
        await locker.execute("BEGIN; SELECT pg_advisory_xact_lock(4242)")
        request = asyncio.create_task(
            client.gql('mutation { createProject(input: {name: "late"}) { id } }')
        )
        pid = await blocked_backend(db, "COMMIT")
        assert await db.fetchval("SELECT pg_terminate_backend($1)", pid)
        response = await asyncio.wait_for(request, DEADLINE)
    finally:
        await locker.close()
    assert response.status == 503
    assert response.headers["retry-after"] == "1"
    assert response.data is None
    [error] = response.errors
    assert error["extensions"] == {
        "code": "DATABASE_UNAVAILABLE",
        "requestId": response.headers["x-request-id"],
    }
    assert "may or may not" in error["message"]
    assert await db.fetchval("SELECT count(*) FROM projects") == 0
    await no_connection_left(server, db)
    assert_clean_handling(connection_log)


async def test_over_a_websocket_a_killed_backend_is_database_unavailable(
    server: Server, client: Client, people: People, db: asyncpg.Connection, database: str
) -> None:
    project = await factories.project(client)
    locker = await asyncpg.connect(database)
    try:
        await locker.execute("BEGIN; SELECT 1 FROM projects FOR UPDATE")
        async with connect(server, people.alice) as ws:
            await ws.subscribe("1", RENAME, {"id": project["id"]})
            pid = await blocked_backend(db, "%UPDATE%projects%")
            assert await db.fetchval("SELECT pg_terminate_backend($1)", pid)
            message: dict[str, Any] = await ws.recv()
            assert message["type"] == "next", message
            [error] = message["payload"]["errors"]
            assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
            assert error["extensions"]["requestId"]
            assert (await ws.recv())["type"] == "complete"
    finally:
        await locker.close()
    await no_connection_left(server, db)
