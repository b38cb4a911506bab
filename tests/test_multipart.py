"""Subscriptions over multipart HTTP (``subscriptionSpec=1.0``), with Apollo Client.

Apollo Client's own HttpLink (tests/http_clients, pinned) subscribes to alice's
execution logs over a plain POST, takes what it is sent and unsubscribes; what was
committed while it was away arrives exactly, in order, when it subscribes again with
``after``. httpx checks the wire format and the ends the client turns into errors:
``SUBSCRIBER_TOO_SLOW`` with its cursor, ``UNAUTHENTICATED`` on revocation, refusals
before the stream as JSON errors. Queries sent with the same Accept stay ordinary.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from aura.config import Settings
from tests import factories
from tests.conftest import Client, People, Server
from tests.streams import NodeRun
from tests.test_sse import LOGS, insert_logs, logs, subscribed, unsubscribed

pytestmark = pytest.mark.timeout(90)

ACCEPT = "multipart/mixed;boundary=graphql;subscriptionSpec=1.0, application/json"


@pytest.fixture
async def work(client: Client) -> dict[str, Any]:
    project = await factories.project(client)
    return await factories.task(client, project["id"])


async def test_apollo_client_subscribes_over_http_and_resumes_exactly(
    server: Server, people: People, db: asyncpg.Connection, work: dict[str, Any]
) -> None:
    url = server.url + "/graphql"
    variables = {"taskId": work["id"]}
    first = await NodeRun.start(
        "apollo_subscribe.mjs", url, people.alice.token, LOGS, json.dumps(variables), "2"
    )
    try:
        await subscribed(server, 1)
        await insert_logs(db, work, "one")
        await insert_logs(db, work, "two")
        got = await first.finished()
    finally:
        first.kill()
    assert logs(got) == ["one", "two"]
    await unsubscribed(server)

    await insert_logs(db, work, "three", "four")  # while the client is away
    resumed = {**variables, "after": got[-1]["data"]["executionLogs"]["cursor"]}
    second = await NodeRun.start(
        "apollo_subscribe.mjs", url, people.alice.token, LOGS, json.dumps(resumed), "3"
    )
    try:
        await subscribed(server, 1)
        await insert_logs(db, work, "five")
        got = await second.finished()
    finally:
        second.kill()
    assert logs(got) == ["three", "four", "five"]
    await unsubscribed(server)


async def test_apollo_client_gets_the_refusal_of_another_tenant(
    server: Server, people: People, work: dict[str, Any]
) -> None:
    run = await NodeRun.start(
        "apollo_subscribe.mjs",
        server.url + "/graphql",
        people.bob.token,
        LOGS,
        json.dumps({"taskId": work["id"]}),
        "1",
    )
    got = await run.finished()
    assert got[0]["error"]["errors"][0]["extensions"]["code"] == "NOT_FOUND", got


# -- the wire ------------------------------------------------------------------------------


async def parts(response: httpx.Response) -> AsyncIterator[Any]:
    """The JSON of each part, heartbeats (``{}``) aside, until the closing boundary."""
    buffer = ""
    async for chunk in response.aiter_text():
        buffer += chunk
        while True:
            start = buffer.find("\r\n--graphql")
            end = buffer.find("\r\n--graphql", start + 1)
            if start < 0 or end < 0:
                break
            part, buffer = buffer[start + len("\r\n--graphql") : end], buffer[end:]
            headers, _, body = part.partition("\r\n\r\n")
            assert "application/json" in headers
            value = json.loads(body)
            if value != {}:
                yield value
    assert buffer.endswith("\r\n--graphql--\r\n"), buffer


@asynccontextmanager
async def multipart(
    http: httpx.AsyncClient, variables: dict[str, Any], token: str
) -> AsyncIterator[httpx.Response]:
    headers = {"accept": ACCEPT, "authorization": f"Bearer {token}"}
    body = {"query": LOGS, "variables": variables}
    async with http.stream("POST", "/graphql", json=body, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("multipart/mixed")
        assert 'subscriptionSpec="1.0"' in response.headers["content-type"]
        yield response


async def test_queries_with_the_multipart_accept_are_ordinary(
    http: httpx.AsyncClient, people: People
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ me { email } }"},
        headers={"accept": ACCEPT, "authorization": f"Bearer {people.alice.token}"},
    )
    assert response.json() == {"data": {"me": {"email": people.alice.email}}}


class TestTooSlow:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, subscription_backlog=3)

    async def test_a_subscriber_that_falls_behind_is_told_with_its_cursor(
        self,
        server: Server,
        http: httpx.AsyncClient,
        people: People,
        db: asyncpg.Connection,
        work: dict[str, Any],
    ) -> None:
        async with multipart(http, {"taskId": work["id"]}, people.alice.token) as response:
            await subscribed(server, 1)
            received = parts(response)
            await insert_logs(db, work, "first")
            first = await anext(received)
            await insert_logs(db, work, *(f"line {n}" for n in range(10)))
            rest = [p async for p in received]
        assert len(rest) == 1, rest
        assert rest[0]["payload"] is None
        error = rest[0]["errors"][0]
        assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
        assert error["extensions"]["cursor"] == first["payload"]["data"]["executionLogs"]["cursor"]
        await unsubscribed(server)


async def test_revoking_the_token_ends_the_stream(
    server: Server, http: httpx.AsyncClient, client: Client, work: dict[str, Any]
) -> None:
    issued = (
        await client.gql(
            'mutation { issueAccessToken(input: {name: "apollo", scopes: ["read"]}) '
            "{ accessToken token { id } } }"
        )
    ).ok()["issueAccessToken"]
    async with multipart(http, {"taskId": work["id"]}, issued["accessToken"]) as response:
        await subscribed(server, 1)
        revoked = await client.gql(
            "mutation($id: ID!) { revokeAccessToken(id: $id) { id } }",
            {"id": issued["token"]["id"]},
        )
        revoked.ok()
        got = [p async for p in parts(response)]
    assert [e["extensions"]["code"] for e in got[0]["errors"]] == ["UNAUTHENTICATED"]
    await unsubscribed(server)


async def test_no_token_is_refused_before_the_stream(
    http: httpx.AsyncClient, work: dict[str, Any]
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": LOGS, "variables": {"taskId": work["id"]}},
        headers={"accept": ACCEPT},
    )
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
