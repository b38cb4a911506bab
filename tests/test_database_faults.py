"""What a client gets when the database refuses at COMMIT or cannot be reached at all.

A refusal at COMMIT (a deferred constraint) is the client's business, coded like the same
refusal during the request, and nothing is applied; an unreachable database is a
retryable 503 ``DATABASE_UNAVAILABLE`` on every path that needs it, the opaque-token
lookup and the readiness check included — never a 500.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from aura.db.embedded import EmbeddedPostgres
from tests.conftest import Client, People, Server
from tests.test_access_tokens import issue
from tests.waiting import until

DEADLINE = 30.0


async def test_a_conflict_at_commit_is_coded_and_applies_nothing(
    client: Client, db: asyncpg.Connection
) -> None:
    # A uniqueness checked only at COMMIT: the mutation itself succeeds, the commit fails.
    await db.execute(
        "ALTER TABLE projects ADD CONSTRAINT projects_description_once UNIQUE (description) "
        "DEFERRABLE INITIALLY DEFERRED"
    )
    create = 'mutation($n: String!) { createProject(input: {name: $n, description: "d"}) { id } }'
    (await client.gql(create, {"n": "first"})).ok()
    response = await client.gql(create, {"n": "second"})
    assert response.status == 200
    assert response.data is None
    [error] = response.errors
    assert error["extensions"]["code"] == "CONFLICT", error
    assert await db.fetchval("SELECT count(*) FROM projects") == 1


async def test_an_unreachable_database_is_503_for_token_lookups_and_health(
    server: Server,
    http: httpx.AsyncClient,
    client: Client,
    people: People,
    pg_cluster: EmbeddedPostgres,
    db: asyncpg.Connection,
) -> None:
    issued = await issue(client, scopes=["read"])  # looked up on first use: not cached yet
    await db.close()  # the outage ends this connection anyway
    await asyncio.to_thread(pg_cluster.halt)
    try:
        response = await http.post(
            "/graphql",
            json={"query": "{ me { id } }"},
            headers={"authorization": f"Bearer {issued['accessToken']}"},
        )
        readiness = await http.get("/ready")
        health = await http.get("/health")
    finally:
        await asyncio.to_thread(pg_cluster.resume)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert readiness.status_code == 503
    assert readiness.json()["status"] == "unavailable"
    assert readiness.json()["checks"]["database"] == "down"
    assert health.status_code == 200  # alive: waiting for the database is no reason to restart

    # Once the database is back, so is the server: the token works and health is ok.
    async def ready() -> bool:
        return (await http.get("/ready")).status_code == 200

    await until(ready, "the server to report itself ready again", within=DEADLINE)
    again = await http.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"authorization": f"Bearer {issued['accessToken']}"},
    )
    assert again.json() == {"data": {"me": {"id": people.alice.id}}}
