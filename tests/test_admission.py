"""One admission path (issue 10, item 2): the same cases refused with the same codes over
HTTP, graphql-transport-ws and the legacy graphql-ws protocol.

Scoped access tokens, document limits, cost and the introspection policy are decided by
``aura.engine.admission`` for every transport; the websocket copy of the check once
drifted (it never checked scopes), which is what this test would catch.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest

from aura.api import build_schema
from aura.auth.principal import Principal
from aura.config import Settings
from aura.engine.admission import HTTP_GET, HTTP_POST, WEBSOCKET, Admitted, Reason, Refused
from tests.conftest import Client, People, Server, User
from tests.realtime import LEGACY, TRANSPORT, Socket, connect

pytestmark = pytest.mark.timeout(90)

ISSUE = """
mutation($input: IssueAccessTokenInput!) {
  issueAccessToken(input: $input) { accessToken }
}"""

WORK_QUERY = "{ projects { nodes { id name } } }"
WORK_MUTATION = 'mutation { createProject(input: {name: "nope"}) { id } }'
SUBSCRIPTION = "subscription { taskChanged { cursor } }"
ME = "{ me { id } }"
DEEP = "{ projects { nodes { tasks { nodes { comments { nodes { id } } } } } } }"  # depth 7
COSTLY = "{ projects(first: 100) { nodes { tasks(first: 100) { nodes { id } } } } }"
INTROSPECTION = "{ __schema { queryType { name } } }"

# (token: its scopes, or None for the user's unscoped JWT; query; the code expected, None
# when the operation runs)
CASES: dict[str, tuple[list[str] | None, str, str | None]] = {
    "accounts:read runs a work query": (["accounts:read"], WORK_QUERY, "FORBIDDEN"),
    "accounts:read runs a work mutation": (["accounts:read"], WORK_MUTATION, "FORBIDDEN"),
    "accounts:read subscribes to work": (["accounts:read"], SUBSCRIPTION, "FORBIDDEN"),
    "read runs a mutation": (["read"], WORK_MUTATION, "FORBIDDEN"),
    "accounts:read asks who it is": (["accounts:read"], ME, None),
    "an over-deep query": (None, DEEP, "QUERY_TOO_DEEP"),
    "an over-costly query": (None, COSTLY, "QUERY_TOO_COSTLY"),
    "introspection while it is off": (None, INTROSPECTION, "GRAPHQL_VALIDATION_FAILED"),
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, introspection=False, max_depth=6, max_cost=1000)


async def _users(client: Client, people: People) -> dict[str | None, User]:
    users: dict[str | None, User] = {None: people.alice}
    for scopes, _, _ in CASES.values():
        if scopes is None or ",".join(scopes) in users:
            continue
        response = await client.gql(ISSUE, {"input": {"name": "agent", "scopes": scopes}})
        token = response.ok()["issueAccessToken"]["accessToken"]
        users[",".join(scopes)] = dataclasses.replace(people.alice, token=token)
    return users


def _user(users: dict[str | None, User], scopes: list[str] | None) -> User:
    return users[None if scopes is None else ",".join(scopes)]


async def _over_http(client: Client, users: dict[str | None, User]) -> dict[str, str | None]:
    codes: dict[str, str | None] = {}
    for name, (scopes, query, _) in CASES.items():
        response = await client.gql(query, as_user=_user(users, scopes))
        codes[name] = response.codes[0] if response.codes else None
        if response.codes:
            assert response.data is None, (name, response.body)
            assert response.statements == 0, name  # refused before any SQL
    return codes


async def _outcome(ws: Socket, query: str) -> str | None:
    """The first error code sent for the operation, None when it ran (a query's result),
    ``"LIVE"`` when it runs on (a subscription).

    A probe query follows a subscription: a connection handles its messages in order,
    so a refusal of the subscription is sent before the probe is even started.
    """
    await ws.subscribe("op", query)
    if query.startswith("subscription"):
        await ws.subscribe("probe", ME)
    while True:
        message = await ws.recv()
        if message.get("id") == "op":
            break
        assert message.get("id") == "probe", message
        if message["type"] == "complete":
            return "LIVE"
    if message["type"] == "error":
        payload = message["payload"]
        error = payload[0] if isinstance(payload, list) else payload
        return str(error["extensions"]["code"])
    assert message["type"] in ("next", "data"), message
    assert "errors" not in message["payload"], message
    return None


async def _over_websocket(
    server: Server, users: dict[str | None, User], protocol: str
) -> dict[str, str | None]:
    codes: dict[str, str | None] = {}
    for name, (scopes, query, _) in CASES.items():
        async with connect(server, _user(users, scopes), protocol) as ws:
            codes[name] = await _outcome(ws, query)
    return codes


async def test_the_same_cases_get_the_same_codes_on_every_transport(
    server: Server, client: Client, people: People
) -> None:
    # given: a token per scope set, and a server with small limits and no introspection
    users = await _users(client, people)
    expected = {name: code for name, (_, _, code) in CASES.items()}
    # when: every case is sent over each transport
    http = await _over_http(client, users)
    transport_ws = await _over_websocket(server, users, TRANSPORT)
    legacy_ws = await _over_websocket(server, users, LEGACY)
    # then: the same codes everywhere; a subscription over HTTP is not served at all
    over_http = expected | {"accounts:read subscribes to work": "OPERATION_NOT_SUPPORTED"}
    assert http == over_http
    assert transport_ws == expected
    assert legacy_ws == expected


# -- admission itself ----------------------------------------------------------------------


def test_kinds_per_transport_and_the_cached_path() -> None:
    admission = build_schema(Settings()).admission
    alice = Principal("00000000-0000-0000-0000-000000000001")
    subscription = admission.admit(SUBSCRIPTION, None, {}, alice, HTTP_POST)
    mutation_over_get = admission.admit(WORK_MUTATION, None, {}, alice, HTTP_GET)
    assert isinstance(subscription, Refused)
    assert subscription.reason is Reason.NOT_ALLOWED
    assert subscription.errors[0].extensions == {"code": "OPERATION_NOT_SUPPORTED"}
    assert isinstance(mutation_over_get, Refused)
    assert mutation_over_get.reason is Reason.NOT_ALLOWED
    # over a websocket all three kinds run
    for query in (SUBSCRIPTION, WORK_MUTATION, ME):
        assert isinstance(admission.admit(query, None, {}, alice, WEBSOCKET), Admitted)
    # a repeated query text is parsed and validated once
    assert admission.prepare(ME) is admission.prepare(ME)
    # naming no operation of the document, or none among several, is its own refusal
    two = "query A { me { id } } query B { me { email } }"
    for name in (None, "C"):
        refused = admission.admit(two, name, {}, alice, HTTP_POST)
        assert isinstance(refused, Refused)
        assert refused.reason is Reason.NO_OPERATION
    assert isinstance(admission.admit(two, "B", {}, alice, HTTP_POST), Admitted)


async def test_strawberrys_own_subscribe_is_admitted_too() -> None:
    """``schema.subscribe`` (in-process) refuses what the token may not stream."""
    schema = build_schema(Settings())
    scoped = Principal("00000000-0000-0000-0000-000000000001", scopes=frozenset({"accounts:read"}))
    context: Any = SimpleNamespace(principal=scoped, request_id="test", hub=None)
    result = await schema.subscribe(SUBSCRIPTION, context_value=context)
    first = await result.__anext__()  # type: ignore[union-attr]
    assert first.data is None
    assert [e.extensions["code"] for e in first.errors] == ["FORBIDDEN"]
