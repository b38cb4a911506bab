"""Persisted queries: Apollo's automatic persisted queries and trusted documents.

Apollo Client's ``PersistedQueryLink`` (tests/http_clients, pinned) runs a query twice
in one process and once in a fresh one, over POST and over GET
(``useGETForHashedQueries``): the first request sends only the hash and gets
``PersistedQueryNotFound``, the link sends the query with its hash (registering it),
and every later request, from either client, sends the hash alone. httpx checks what
the link does not show: a hash that does not match its text, an unsupported version,
the cache's bound. In trusted-documents mode only registered documents run, by hash or
by text, over HTTP and over websockets alike; the table is for administrators only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import asyncpg
import httpx
import pytest

from aura import errors
from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.pool import create_pool
from aura.db.session import Session
from aura.engine.persisted import register
from tests.conftest import People, Server
from tests.realtime import connect
from tests.streams import NodeRun
from tests.waiting import until

pytestmark = pytest.mark.timeout(90)

ME = "query Me {\n  me {\n    email\n  }\n}"  # as Apollo prints it, so its hash is the same


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str | None, digest: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest or sha(text or "")}}
    }
    if text is not None:
        body["query"] = text
    return {**body, **extra}


def first_error(response: httpx.Response) -> dict[str, Any]:
    return dict(response.json()["errors"][0])


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_apollo_persisted_query_link_registers_then_sends_hashes_only(
    server: Server, people: People, method: str
) -> None:
    url = server.url + "/graphql"
    first = await NodeRun.start("apollo_persisted.mjs", url, people.alice.token, ME, method, "2")
    *results, wire = await first.finished()
    expected = {"data": {"me": {"__typename": "User", "email": people.alice.email}}, "error": None}
    assert results == [expected, expected]
    requests = wire["requests"]
    # Hash only (not found), the query with its hash (POST, as the link retries), then
    # the second round: the hash alone, found.
    assert [(r["method"], r["query"]) for r in requests] == [
        (method, False),
        ("POST", True),
        (method, False),
    ]
    assert all(r["status"] in (200, 400) for r in requests[:1])
    assert requests[1]["status"] == requests[2]["status"] == 200
    second = await NodeRun.start("apollo_persisted.mjs", url, people.alice.token, ME, method, "1")
    *results, wire = await second.finished()
    assert results == [expected]
    assert [(r["method"], r["query"], r["status"]) for r in wire["requests"]] == [
        (method, False, 200)
    ]


async def test_a_hash_only_request_gets_the_error_apollo_expects(
    http: httpx.AsyncClient, people: People
) -> None:
    body = persisted(None, sha("{ me { id } }"))
    for accept, status in (("application/json", 200), ("application/graphql-response+json", 400)):
        response = await http.post("/graphql", json=body, headers={"accept": accept})
        assert response.status_code == status
        assert response.headers["content-type"].startswith(accept)
        error = first_error(response)
        assert error["message"] == "PersistedQueryNotFound"
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    response = await http.get(
        "/graphql",
        params={"extensions": json.dumps(body["extensions"])},
        headers={"accept": "application/json"},
    )
    assert first_error(response)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_hash_that_is_not_the_texts_is_refused_and_not_stored(
    http: httpx.AsyncClient, people: People
) -> None:
    auth = {"authorization": f"Bearer {people.alice.token}"}
    wrong = sha("{ __typename }")
    response = await http.post("/graphql", json=persisted("{ me { id } }", wrong), headers=auth)
    assert first_error(response)["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    response = await http.post("/graphql", json=persisted(None, wrong), headers=auth)
    assert first_error(response)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    for bad in ({"version": 2, "sha256Hash": wrong}, {"version": 1, "sha256Hash": "abc"}, "x"):
        response = await http.post(
            "/graphql", json={"query": "{ __typename }", "extensions": {"persistedQuery": bad}}
        )
        code = first_error(response)["extensions"]["code"]
        assert code in ("PERSISTED_QUERY_NOT_SUPPORTED", "PERSISTED_QUERY_HASH_MISMATCH")


class TestBoundedCache:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, apq_cache_size=2)

    async def test_the_least_recently_used_query_is_forgotten(
        self, http: httpx.AsyncClient
    ) -> None:
        texts = ["{ __typename }", "query A { __typename }", "query B { __typename }"]
        for text in texts:
            registered = await http.post("/graphql", json=persisted(text))
            assert registered.json() == {"data": {"__typename": "Query"}}
        found = [
            "errors" not in (await http.post("/graphql", json=persisted(None, sha(t)))).json()
            for t in texts
        ]
        assert found == [False, True, True]


# -- trusted documents -------------------------------------------------------------------


class TestTrustedDocuments:
    @pytest.fixture
    async def settings(self, settings: Settings, db: asyncpg.Connection) -> Settings:
        # Registered before the server starts: read at start.
        await register(db, [("typename", "{ __typename }")])
        return dataclasses.replace(settings, trusted_documents=True)

    async def test_registered_by_text_or_hash_and_nothing_else(
        self, server: Server, http: httpx.AsyncClient, db: asyncpg.Connection, people: People
    ) -> None:
        auth = {"authorization": f"Bearer {people.alice.token}"}
        other = "{ me { id } }"
        refused = await http.post("/graphql", json={"query": other}, headers=auth)
        assert first_error(refused)["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
        early = await http.post("/graphql", json={"query": "{ __typename }"})
        assert early.json() == {"data": {"__typename": "Query"}}
        # Registered while the server runs: the table is the truth.
        await register(db, [("me", ME)])
        me = {"me": {"email": people.alice.email}}
        by_text = await http.post("/graphql", json={"query": ME}, headers=auth)
        assert by_text.json() == {"data": me}
        by_hash = await http.post("/graphql", json=persisted(None, sha(ME)), headers=auth)
        assert by_hash.json() == {"data": me}
        # APQ registration is off: sending a new text with its hash does not trust it.
        registering = await http.post("/graphql", json=persisted(other), headers=auth)
        assert first_error(registering)["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"
        # Websockets are held to it too (admission), for what the process knows.
        async with connect(server, people.alice) as ws:
            await ws.send({"id": "1", "type": "subscribe", "payload": {"query": other}})
            message = await ws.recv()
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "DOCUMENT_NOT_TRUSTED"


async def test_the_table_is_for_administrators_only(database: str, people: People) -> None:
    pool = await create_pool(database, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await register(conn, [("me", ME)])
        seen = {}
        for who in (people.alice, people.admin, people.pending):
            session = Session(pool, Principal(user_id=who.id), statement_timeout_ms=5000)
            try:
                seen[who.role] = await session.fetchval(
                    "SELECT count(*) FROM aura.trusted_documents"
                )
                if who.role != "ADMIN":
                    with pytest.raises(errors.Forbidden, match="not allowed"):
                        await session.execute(
                            "INSERT INTO aura.trusted_documents (sha256, body) VALUES ($1, 'x')",
                            sha("x"),
                        )
            finally:
                await session.close(commit=False)
    finally:
        await pool.close()
    assert seen == {"USER": 0, "ADMIN": 1, "PENDING": 0}


SUBSCRIPTION = "subscription Tasks { taskChanged { cursor } }"


async def test_streamed_subscriptions_take_persisted_queries(
    server: Server, http: httpx.AsyncClient, people: People
) -> None:
    auth = {"authorization": f"Bearer {people.alice.token}", "content-type": "application/json"}
    sse = {**auth, "accept": "text/event-stream"}
    multipart = {**auth, "accept": "multipart/mixed;subscriptionSpec=1.0"}
    hash_only = persisted(None, sha(SUBSCRIPTION))
    # Unknown hash: the error the link expects, on either stream.
    async with http.stream("POST", "/graphql", json=hash_only, headers=sse) as response:
        text = (await response.aread()).decode()
    assert "PERSISTED_QUERY_NOT_FOUND" in text
    unknown = await http.post("/graphql", json=hash_only, headers=multipart)
    assert first_error(unknown)["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # The link's retry sends the text with its hash: registered, then served by hash.
    async with http.stream(
        "POST", "/graphql", json=persisted(SUBSCRIPTION), headers=multipart
    ) as response:
        assert response.headers["content-type"].startswith("multipart/mixed")
        await until(lambda: server.app.state.hub.subscriptions == 1, "the subscription")
    await until(lambda: server.app.state.hub.subscriptions == 0, "the first to end")
    async with http.stream("POST", "/graphql", json=hash_only, headers=sse) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        await until(lambda: server.app.state.hub.subscriptions == 1, "the hashed subscription")
