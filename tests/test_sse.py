"""GraphQL over Server-Sent Events (graphql-sse), both modes, with the real npm client.

The graphql-sse client (tests/http_clients, pinned) subscribes with alice's token in the
distinct-connections mode and in the single-connection mode (PUT reserve, GET stream,
POST operations, DELETE to stop), takes what it is sent, disposes; lines committed while
it is away arrive, exactly and in order, when it subscribes again with ``after`` set to
the last cursor. httpx checks what the client hides: refusals, an end with
``SUBSCRIBER_TOO_SLOW`` and its cursor, the end on revocation, reservations bound to
their user. "The subscription runs" is the hub's own count of subscriptions, never the
clock.
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

from aura.auth.tokens import mint
from aura.config import Settings
from tests import factories
from tests.conftest import JWT_SECRET, Client, People, Server
from tests.realtime import settled
from tests.streams import NodeRun
from tests.waiting import until

pytestmark = pytest.mark.timeout(90)

LOGS = """
subscription Logs($taskId: ID!, $after: String) {
  executionLogs(taskId: $taskId, after: $after) { cursor node { message } }
}
"""
SSE = {"accept": "text/event-stream", "content-type": "application/json"}


@pytest.fixture
async def work(client: Client) -> dict[str, Any]:
    project = await factories.project(client)
    return await factories.task(client, project["id"])


async def insert_logs(db: asyncpg.Connection, task: dict[str, Any], *messages: str) -> None:
    """Log lines committed in one transaction, as an agent's connection would."""
    async with db.transaction():
        for message in messages:
            await db.execute(
                "INSERT INTO execution_logs (project_id, task_id, agent_type, message) "
                "VALUES ($1, $2, 'WORKER', $3)",
                task["projectId"],
                task["id"],
                message,
            )


async def subscribed(server: Server, count: int) -> None:
    hub = server.app.state.hub
    await until(lambda: hub.subscriptions >= count, f"{count} subscriptions in the hub")


async def unsubscribed(server: Server) -> None:
    hub = server.app.state.hub
    await until(lambda: hub.subscriptions == 0, "the hub to have no subscription")


def logs(results: list[dict[str, Any]]) -> list[str]:
    return [r["data"]["executionLogs"]["node"]["message"] for r in results]


@pytest.mark.parametrize("mode", ["distinct", "single"])
async def test_graphql_sse_client_subscribes_and_resumes_exactly(
    server: Server, people: People, db: asyncpg.Connection, work: dict[str, Any], mode: str
) -> None:
    url = server.url + "/graphql"
    variables = {"taskId": work["id"]}
    first = await NodeRun.start(
        "sse.mjs", url, people.alice.token, mode, LOGS, json.dumps(variables), "2"
    )
    try:
        await subscribed(server, 1)
        await insert_logs(db, work, "one")
        await insert_logs(db, work, "two")
        got = await first.finished()
    finally:
        first.kill()
    assert logs(got) == ["one", "two"]
    cursor = got[-1]["data"]["executionLogs"]["cursor"]
    await unsubscribed(server)

    await insert_logs(db, work, "three")  # while the client is away
    await insert_logs(db, work, "four")
    resumed = {**variables, "after": cursor}
    second = await NodeRun.start(
        "sse.mjs", url, people.alice.token, mode, LOGS, json.dumps(resumed), "3"
    )
    try:
        await subscribed(server, 1)
        await insert_logs(db, work, "five")  # live, after the replay
        got = await second.finished()
    finally:
        second.kill()
    assert logs(got) == ["three", "four", "five"]
    await unsubscribed(server)


async def test_graphql_sse_client_runs_queries_in_both_modes(
    server: Server, people: People
) -> None:
    for mode in ("distinct", "single"):
        run = await NodeRun.start(
            "sse.mjs",
            server.url + "/graphql",
            people.alice.token,
            mode,
            "{ me { email } }",
            "{}",
            "5",
        )
        got = await run.finished()
        assert got == [{"data": {"me": {"email": people.alice.email}}}, {"complete": True}]


# -- what the client hides: the stream itself -----------------------------------------------


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """The (event, data) pairs of an event stream, comments (keep-alives) aside."""
    kind, data = None, []
    async for line in response.aiter_lines():
        if line.startswith(":"):
            continue
        if line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and kind is not None:
            text = "\n".join(data)
            yield kind, json.loads(text) if text else None
            kind, data = None, []


@asynccontextmanager
async def sse(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None
) -> AsyncIterator[httpx.Response]:
    headers = {**SSE, **({"authorization": f"Bearer {token}"} if token else {})}
    body = {"query": query, "variables": variables}
    async with http.stream("POST", "/graphql", json=body, headers=headers) as response:
        yield response


async def test_refusals_arrive_as_graphql_errors_on_the_stream(
    http: httpx.AsyncClient, people: People, work: dict[str, Any]
) -> None:
    cases = [
        (None, "UNAUTHENTICATED"),  # no token
        (people.bob.token, "NOT_FOUND"),  # another tenant's task
    ]
    for token, code in cases:
        async with sse(http, LOGS, {"taskId": work["id"]}, token) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            got = [e async for e in events(response)]
        assert got[0][0] == "next"
        assert got[0][1]["errors"][0]["extensions"]["code"] == code
        assert got[1:] == [("complete", None)]
    async with sse(http, "subscription { nope }", {}, people.alice.token) as response:
        got = [e async for e in events(response)]
    assert got[0][1]["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    response = await http.post(
        "/graphql", json={"query": LOGS}, headers={**SSE, "authorization": "Bearer nonsense"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await http.post("/graphql", content=b"{", headers=SSE)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_mutations_run_over_post_and_not_over_get(
    http: httpx.AsyncClient, people: People
) -> None:
    mutation = 'mutation { createProject(input: {name: "streamed"}) { name } }'
    async with sse(http, mutation, {}, people.alice.token) as response:
        got = [e async for e in events(response)]
    assert got == [("next", {"data": {"createProject": {"name": "streamed"}}}), ("complete", None)]
    headers = {"accept": "text/event-stream", "authorization": f"Bearer {people.alice.token}"}
    async with http.stream("GET", "/graphql", params={"query": mutation}, headers=headers) as r:
        got = [e async for e in events(r)]
    assert got[0][1]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


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
        async with sse(http, LOGS, {"taskId": work["id"]}, people.alice.token) as response:
            await subscribed(server, 1)
            received = events(response)
            await insert_logs(db, work, "first")
            kind, first = await anext(received)
            assert kind == "next"
            # One commit of ten lines reaches the subscriber at once: past its backlog of
            # three, so it is ended, and what was queued behind is not sent.
            await insert_logs(db, work, *(f"line {n}" for n in range(10)))
            rest = [e async for e in received]
        assert len(rest) == 2, rest
        (kind, ended), complete = rest
        assert (kind, complete) == ("next", ("complete", None))
        error = ended["errors"][0]
        assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
        # The cursor of the last line it was sent: resuming there loses nothing.
        assert error["extensions"]["cursor"] == first["data"]["executionLogs"]["cursor"]
        await unsubscribed(server)


async def test_revoking_the_token_ends_the_stream(
    server: Server, http: httpx.AsyncClient, client: Client, work: dict[str, Any]
) -> None:
    issued = (
        await client.gql(
            'mutation { issueAccessToken(input: {name: "sse", scopes: ["read"]}) '
            "{ accessToken token { id } } }"
        )
    ).ok()["issueAccessToken"]
    async with sse(http, LOGS, {"taskId": work["id"]}, issued["accessToken"]) as response:
        await subscribed(server, 1)
        revoked = await client.gql(
            "mutation($id: ID!) { revokeAccessToken(id: $id) { id } }",
            {"id": issued["token"]["id"]},
        )
        revoked.ok()
        got = [e async for e in events(response)]
    assert got[0][1]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert got[1:] == [("complete", None)]
    await unsubscribed(server)


async def test_a_client_that_goes_away_ends_its_subscription(
    server: Server, http: httpx.AsyncClient, people: People, work: dict[str, Any]
) -> None:
    async with sse(http, LOGS, {"taskId": work["id"]}, people.alice.token):
        await subscribed(server, 1)
    await unsubscribed(server)


# -- single-connection mode by hand ------------------------------------------------------------


async def test_a_reservation_belongs_to_its_user_and_operations_stop_on_delete(
    server: Server,
    http: httpx.AsyncClient,
    people: People,
    db: asyncpg.Connection,
    work: dict[str, Any],
) -> None:
    alice = {"authorization": f"Bearer {people.alice.token}"}
    bob = {"authorization": f"Bearer {people.bob.token}"}
    reserved = await http.put("/graphql", headers=alice)
    assert reserved.status_code == 201
    token = reserved.text
    stream_headers = {**alice, "accept": "text/event-stream", "x-graphql-event-stream-token": token}
    # Another user (or nobody) presenting the token finds no such stream.
    for who in (bob, {}):
        refused = await http.get(
            "/graphql",
            headers={**who, "accept": "text/event-stream", "x-graphql-event-stream-token": token},
        )
        assert refused.status_code == 404
        assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    async with http.stream("GET", "/graphql", headers=stream_headers) as stream:
        assert stream.status_code == 200
        again = await http.get("/graphql", headers=stream_headers)
        assert again.status_code == 409
        operation = {
            "query": LOGS,
            "variables": {"taskId": work["id"]},
            "extensions": {"operationId": "logs"},
        }
        op_headers = {**alice, "x-graphql-event-stream-token": token}
        posted = await http.post("/graphql", json=operation, headers=op_headers)
        assert posted.status_code == 202
        duplicate = await http.post("/graphql", json=operation, headers=op_headers)
        assert duplicate.status_code == 409
        await subscribed(server, 1)
        await insert_logs(db, work, "hello")
        received = events(stream)
        kind, data = await anext(received)
        assert (kind, data["id"]) == ("next", "logs")
        assert data["payload"]["data"]["executionLogs"]["node"]["message"] == "hello"
        stopped = await http.delete("/graphql", params={"operationId": "logs"}, headers=op_headers)
        assert stopped.status_code == 200
        await unsubscribed(server)
        await insert_logs(db, work, "after the stop")
        await settled(server.app.state.hub)
        # A query on the same stream: its result is the next message, nothing between.
        query = {"query": "{ me { email } }", "extensions": {"operationId": "me"}}
        assert (await http.post("/graphql", json=query, headers=op_headers)).status_code == 202
        kind, data = await anext(received)
        assert data == {"id": "me", "payload": {"data": {"me": {"email": people.alice.email}}}}
        assert await anext(received) == ("complete", {"id": "me"})

    # The client closed the stream: its reservation goes (the server notices the
    # disconnect on its own time; a stop of nothing answers 200 while it exists).
    async def gone() -> bool:
        probe = await http.delete("/graphql", params={"operationId": "-"}, headers=op_headers)
        return probe.status_code == 404

    await until(gone, "the closed stream's reservation to go")
    refused = await http.post("/graphql", json=query, headers=op_headers)
    assert refused.status_code == 404


async def test_shutdown_ends_the_stream_with_a_cursor_to_resume(
    server: Server,
    http: httpx.AsyncClient,
    people: People,
    db: asyncpg.Connection,
    work: dict[str, Any],
) -> None:
    async with sse(http, LOGS, {"taskId": work["id"]}, people.alice.token) as response:
        await subscribed(server, 1)
        received = events(response)
        await insert_logs(db, work, "before")
        _, first = await anext(received)
        server.app.state.end_streams()  # what `aura serve` calls as shutdown starts
        rest = [e async for e in received]
    (kind, ended), complete = rest
    assert kind == "next"
    error = ended["errors"][0]
    assert error["extensions"] == {
        "code": "SHUTTING_DOWN",
        "cursor": first["data"]["executionLogs"]["cursor"],
    }
    assert complete == ("complete", None)


async def test_the_stream_ends_when_its_token_expires(
    server: Server, http: httpx.AsyncClient, people: People, work: dict[str, Any]
) -> None:
    short = mint(JWT_SECRET, people.alice.id, email=people.alice.email, ttl_seconds=2)
    async with sse(http, LOGS, {"taskId": work["id"]}, short) as response:
        got = [e async for e in events(response)]  # waits for the expiry itself
    assert got[0][1]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in got[0][1]["errors"][0]["message"]
    assert got[1:] == [("complete", None)]


async def test_scopes_apply_on_the_stream(http: httpx.AsyncClient, client: Client) -> None:
    issued = (
        await client.gql(
            'mutation { issueAccessToken(input: {name: "ro", scopes: ["read"]}) { accessToken } }'
        )
    ).ok()["issueAccessToken"]
    mutation = 'mutation { createProject(input: {name: "nope"}) { id } }'
    async with sse(http, mutation, {}, issued["accessToken"]) as response:
        got = [e async for e in events(response)]
    assert got[0][1]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


class TestRateLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_per_minute=1)

    async def test_each_streamed_operation_takes_a_token(
        self, http: httpx.AsyncClient, people: People
    ) -> None:
        outcomes = []
        for _ in range(2):
            async with sse(http, "{ __typename }", {}, people.alice.token) as response:
                (_, result), _ = [e async for e in events(response)]
            outcomes.append(result.get("data") or result["errors"][0]["extensions"]["code"])
        assert outcomes == [{"__typename": "Query"}, "RATE_LIMITED"]
        reserved = await http.put(
            "/graphql", headers={"authorization": f"Bearer {people.alice.token}"}
        )
        assert reserved.status_code == 429
        assert reserved.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
