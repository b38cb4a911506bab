"""Limits: a request just over one is refused with its own code before any SQL runs,
one just under it is served."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
import websockets
from graphql import get_introspection_query, get_operation_ast
from websockets.exceptions import InvalidStatus
from websockets.typing import Origin, Subprotocol

from aura.api import build_schema
from aura.config import Settings
from aura.engine.cost import operation_cost
from aura.engine.limits import Limits
from aura.engine.ratelimit import RateLimiter
from tests import factories
from tests.conftest import Client, People, Response, Server
from tests.realtime import LEGACY, LOGS, TRANSPORT, connect
from tests.test_nested import NESTED

# Two nested connections: cost = 2 + p * (2 + t) (see aura/engine/limits.py).
TWO_LEVELS = """query($p: Int, $t: Int) {
  projects(first: $p) { nodes { tasks(first: $t) { nodes { id } } } }
}"""

GRAPHIQL_INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)


def _refused(response: Response, code: str) -> dict[str, Any]:
    """The single error of a request refused before any SQL."""
    assert response.codes == [code], response.errors
    assert response.data is None
    assert response.headers["x-aura-sql-statements"] == "0"
    return response.errors[0]


# -- document limits --------------------------------------------------------------------


class TestDocumentLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(
            settings, max_depth=5, max_aliases=3, max_tokens=60, max_cost=500
        )

    async def test_depth(self, client: Client) -> None:
        under = await client.gql("{ projects { nodes { tasks { nodes { id } } } } }")
        assert under.ok() == {"projects": {"nodes": []}}
        assert under.statements > 0

        over = await client.gql("{ projects { nodes { tasks { nodes { project { id } } } } } }")
        error = _refused(over, "QUERY_TOO_DEEP")
        assert error["message"] == "query depth 6 exceeds the limit of 5"

    async def test_depth_counts_through_fragments(self, client: Client) -> None:
        over = await client.gql(
            "{ projects { nodes { ...P } } } "
            "fragment P on Project { tasks { nodes { ... on Task { project { id } } } } }"
        )
        assert "query depth 6" in _refused(over, "QUERY_TOO_DEEP")["message"]
        under = await client.gql(
            "{ projects { nodes { ...P } } } "
            "fragment P on Project { tasks { nodes { ... on Task { id } } } }"
        )
        under.ok()

    async def test_aliases(self, client: Client) -> None:
        under = await client.gql("{ a: me { id } b: me { email } c: me { role } }")
        assert set(under.ok()) == {"a", "b", "c"}

        over = await client.gql("{ a: me { id } b: me { email } c: me { role } d: __typename }")
        error = _refused(over, "TOO_MANY_ALIASES")
        assert error["message"] == "4 aliases exceed the limit of 3 per operation"

    async def test_aliases_count_every_use_of_a_fragment(self, client: Client) -> None:
        over = await client.gql(
            "{ projects { nodes { ...Names } } tasks { nodes { project { ...Names } } } } "
            "fragment Names on Project { a: name b: name }"
        )
        assert "4 aliases" in _refused(over, "TOO_MANY_ALIASES")["message"]

    async def test_tokens(self, client: Client) -> None:
        # "{", "}" and one token per field: 60 tokens pass, 61 do not.
        under = await client.as_(None).gql("{" + " __typename" * 58 + " }")
        assert under.ok() == {"__typename": "Query"}

        over = await client.gql("{" + " __typename" * 59 + " }")
        error = _refused(over, "TOO_MANY_TOKENS")
        assert error["message"] == "the document has more than 60 tokens, the limit is 60"

    async def test_comments_count_as_tokens(self, client: Client) -> None:
        over = await client.gql("#\n" * 61 + "{ __typename }")
        assert "more than 60 comments" in _refused(over, "TOO_MANY_TOKENS")["message"]
        under = await client.gql("#\n" * 60 + "{ __typename }")
        under.ok()

    async def test_cost(self, client: Client) -> None:
        # 2 + 10 * (2 + 47) = 492 passes, 2 + 10 * (2 + 48) = 502 does not.
        under = await client.gql(
            "{ projects(first: 10) { nodes { tasks(first: 47) { nodes { id } } } } }"
        )
        under.ok()
        assert under.statements > 0

        over = await client.gql(
            "{ projects(first: 10) { nodes { tasks(first: 48) { nodes { id } } } } }"
        )
        error = _refused(over, "QUERY_TOO_COSTLY")
        assert error["message"].startswith("query cost 502 exceeds the limit of 500")

    async def test_cost_follows_the_variables_of_each_request(self, client: Client) -> None:
        # One document, so one parse: its cost is computed per request's page sizes.
        assert (await client.gql(TWO_LEVELS, {"p": 10, "t": 47})).ok()
        over = await client.gql(TWO_LEVELS, {"p": 10, "t": 48})
        assert "query cost 502" in _refused(over, "QUERY_TOO_COSTLY")["message"]
        assert (await client.gql(TWO_LEVELS, {"p": 10, "t": 47})).ok()
        # Left out, a page size is the default (20): 2 + 20 * (2 + 20) = 442.
        assert (await client.gql(TWO_LEVELS, {"p": None})).ok()
        over = await client.gql(TWO_LEVELS, {"p": 23})
        assert "query cost 508" in _refused(over, "QUERY_TOO_COSTLY")["message"]

    async def test_cost_of_variable_defaults(self, client: Client) -> None:
        query = TWO_LEVELS.replace("$t: Int", "$t: Int = 48")
        over = await client.gql(query, {"p": 10})
        assert "query cost 502" in _refused(over, "QUERY_TOO_COSTLY")["message"]
        assert (await client.gql(query, {"p": 10, "t": 47})).ok()

    async def test_cost_of_the_default_page_size(self, client: Client) -> None:
        over = await client.gql("{ projects { nodes { tasks { nodes { id title } } } } }")
        error = _refused(over, "QUERY_TOO_COSTLY")
        assert error["message"].startswith("query cost 842 exceeds the limit of 500")

    async def test_graphql_response_clients_get_400(self, http: httpx.AsyncClient) -> None:
        response = await http.post(
            "/graphql",
            json={"query": "{" + " __typename" * 59 + " }"},
            headers={"accept": "application/graphql-response+json"},
        )
        assert response.status_code == 400
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_TOKENS"

    async def test_limits_apply_over_websockets(self, server: Server) -> None:
        deep = "{ projects { nodes { tasks { nodes { project { id } } } } } }"
        async with _ws(server) as ws:
            await ws.send(_subscribe("1", deep))
            message = orjson.loads(await ws.recv())
        assert message["type"] == "error"
        assert message["id"] == "1"
        assert [e["extensions"]["code"] for e in message["payload"]] == ["QUERY_TOO_DEEP"]


async def test_cost_formula() -> None:
    schema = build_schema(Settings())

    def cost(query: str) -> int:
        prepared = schema.admission.prepare(query)
        assert prepared.document is not None
        assert not prepared.errors
        operation = get_operation_ast(prepared.document)
        assert operation is not None
        return operation_cost(
            schema.graphql_schema,
            prepared.document,
            operation,
            {},
            Limits(),
            schema.admission.list_sizes,
        )

    # projects: 1 + nodes (1 + 20 tasks * (1 + nodes (1 + 20 comments * 7)))
    assert (
        cost(
            "{ projects(first: 20) { nodes { tasks(first: 20) { nodes { comments(first: 5) "
            "{ nodes { id } } } } } } }"
        )
        == 2842
    )
    # totalCount and pageInfo count once per page, not per item
    assert cost("{ tasks(first: 10) { totalCount pageInfo { hasNextPage } nodes { id } } }") == (
        1 + 1 + 2 + 1 + 10
    )
    # page sizes are clamped to the maximum (a larger one is refused anyway)
    assert cost("{ tasks(first: 5000) { nodes { id } } }") == 2 + 100
    assert cost(NESTED) == 64_602
    assert 10_000 < cost(GRAPHIQL_INTROSPECTION) < Limits().max_cost


# -- defaults ---------------------------------------------------------------------------


class TestDefaults:
    async def test_graphiql_introspection_passes(self, client: Client) -> None:
        for query in (get_introspection_query(), GRAPHIQL_INTROSPECTION):
            response = await client.as_(None).gql(query)
            assert response.ok()["__schema"]["queryType"]["name"] == "Query"
            assert response.statements == 0

    async def test_nested_query_passes(self, client: Client) -> None:
        assert (await client.gql(NESTED)).ok() == {"projects": {"nodes": []}}

    def test_settings(self) -> None:
        settings = Settings()
        assert (settings.max_depth, settings.max_aliases, settings.max_tokens) == (15, 30, 2000)
        assert settings.max_cost == 2_000_000
        assert settings.max_body_bytes == 1 << 20
        assert settings.rate_limit_per_minute == 600
        assert settings.ws_max_operations == 100
        assert settings.ws_origins == ()

    def test_settings_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        env = {
            "AURA_MAX_DEPTH": "7",
            "AURA_MAX_ALIASES": "8",
            "AURA_MAX_TOKENS": "900",
            "AURA_MAX_COST": "1000",
            "AURA_MAX_BODY_BYTES": "4096",
            "AURA_RATE_LIMIT_PER_MINUTE": "0",
            "AURA_WS_MAX_OPERATIONS": "3",
            "AURA_CORS_ORIGINS": "https://a.example, https://b.example",
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = Settings.from_env()
        assert (settings.max_depth, settings.max_aliases, settings.max_tokens) == (7, 8, 900)
        assert (settings.max_cost, settings.max_body_bytes) == (1000, 4096)
        assert (settings.rate_limit_per_minute, settings.ws_max_operations) == (0, 3)
        # websocket origins default to the CORS origins ...
        assert settings.ws_origins == ("https://a.example", "https://b.example")
        # ... unless set on their own (empty: the server's own origin only)
        monkeypatch.setenv("AURA_WS_ORIGINS", "")
        assert Settings.from_env().ws_origins == ()


class TestIntrospectionOff:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, introspection=False)

    async def test_introspection_is_refused(self, client: Client, server: Server) -> None:
        response = await client.gql(get_introspection_query())
        assert set(response.codes) == {"GRAPHQL_VALIDATION_FAILED"}
        assert response.headers["x-aura-sql-statements"] == "0"
        assert "introspection has been disabled" in response.errors[0]["message"]
        assert (await client.gql("{ __typename }")).ok() == {"__typename": "Query"}

        async with _ws(server) as ws:
            query = "{ __schema { queryType { name } } }"
            await ws.send(_subscribe("1", query))
            message = orjson.loads(await ws.recv())
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


# -- request body -----------------------------------------------------------------------


class TestStatementTimeout:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, statement_timeout_ms=300)

    async def test_a_statement_over_the_time_limit_is_cancelled_and_changes_nothing(
        self, client: Client, database: str
    ) -> None:
        project = await factories.project(client)
        task = await factories.task(client, project["id"], title="before")
        # Given another transaction holding the task's row ...
        holder = await asyncpg.connect(database)
        try:
            async with holder.transaction():
                await holder.execute("SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE", task["id"])
                # ... an update of it waits past the limit.
                response = await client.gql(
                    'mutation($id: ID!) { updateTask(id: $id, input: {title: "after"}) { id } }',
                    {"id": task["id"]},
                )
        finally:
            await holder.close()
        assert response.codes == ["QUERY_TIMEOUT"]
        title = await client.gql("query($id: ID!) { task(id: $id) { title } }", {"id": task["id"]})
        assert title.ok() == {"task": {"title": "before"}}


class TestBodySize:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, max_body_bytes=2000)

    @staticmethod
    def _body(size: int) -> bytes:
        """A JSON GraphQL request of exactly ``size`` bytes (padded with blanks)."""
        empty = orjson.dumps({"query": "{ __typename }"})
        return orjson.dumps({"query": "{ __typename }" + " " * (size - len(empty))})

    async def test_declared_length(self, http: httpx.AsyncClient) -> None:
        headers = {"content-type": "application/json"}
        under = await http.post("/graphql", content=self._body(2000), headers=headers)
        assert under.status_code == 200
        assert under.json() == {"data": {"__typename": "Query"}}

        over = await http.post("/graphql", content=self._body(2001), headers=headers)
        assert over.status_code == 413
        error = over.json()["errors"][0]
        assert error["extensions"]["code"] == "REQUEST_TOO_LARGE"
        assert error["message"] == "request body of 2001 bytes exceeds the limit of 2000 bytes"

    async def test_streamed_body_is_counted(self, http: httpx.AsyncClient) -> None:
        async def chunks(body: bytes) -> AsyncIterator[bytes]:
            for start in range(0, len(body), 300):
                yield body[start : start + 300]

        headers = {"content-type": "application/json"}
        under = await http.post("/graphql", content=chunks(self._body(2000)), headers=headers)
        assert under.status_code == 200
        assert under.json() == {"data": {"__typename": "Query"}}

        over = await http.post("/graphql", content=chunks(self._body(2001)), headers=headers)
        assert over.status_code == 413
        assert over.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


# -- rate limit -------------------------------------------------------------------------


class TestRateLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_per_minute=5)

    async def test_sixth_request_in_a_minute_is_refused(
        self, client: Client, people: People
    ) -> None:
        for _ in range(5):
            assert (await client.gql("{ me { id } }")).ok()

        refused = await client.gql("{ me { id } }")
        assert refused.status == 429
        assert refused.codes == ["RATE_LIMITED"]
        assert refused.headers["x-aura-sql-statements"] == "0"
        assert 1 <= int(refused.headers["retry-after"]) <= 12
        assert refused.errors[0]["extensions"]["requestId"] == refused.headers["x-request-id"]

        # Another principal has a bucket of its own; so do anonymous callers (by address).
        assert (await client.as_(people.bob).gql("{ me { id } }")).ok()
        for _ in range(5):
            assert (await client.as_(None).gql("{ __typename }")).ok()
        assert (await client.as_(None).gql("{ __typename }")).status == 429
        assert (await client.as_(people.bob).gql("{ me { id } }")).ok()


def test_token_bucket_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one per second, bursts of 60
    assert all(limiter.acquire("a") == 0 for _ in range(60))
    assert limiter.acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("b") == 0
    now[0] += 2.5
    assert limiter.acquire("a") == 0
    assert limiter.acquire("a") == 0
    assert limiter.acquire("a") > 0
    assert RateLimiter(0).acquire("a") == 0  # 0 turns it off


def test_token_bucket_keeps_bounded_memory() -> None:
    now = [0.0]
    limiter = RateLimiter(60, max_keys=100, clock=lambda: now[0])
    for i in range(1000):
        limiter.acquire(f"k{i}")
        now[0] += 0.001
    assert len(limiter._buckets) <= 100


# -- websockets -------------------------------------------------------------------------


def _subscribe(operation_id: str, query: str) -> str:
    message = {"type": "subscribe", "id": operation_id, "payload": {"query": query}}
    return orjson.dumps(message).decode()


def _ws(server: Server, **kwargs: Any) -> Any:
    url = server.url.replace("http://", "ws://") + "/graphql"
    return _Connected(url, kwargs)


class _Connected:
    """A graphql-transport-ws connection, initialised."""

    def __init__(self, url: str, kwargs: dict[str, Any]) -> None:
        self.connect = websockets.connect(
            url, subprotocols=[Subprotocol("graphql-transport-ws")], **kwargs
        )

    async def __aenter__(self) -> Any:
        ws = await self.connect.__aenter__()
        await ws.send('{"type": "connection_init", "payload": {}}')
        assert orjson.loads(await ws.recv())["type"] == "connection_ack"
        return ws

    async def __aexit__(self, *exc: object) -> None:
        await self.connect.__aexit__(*exc)  # type: ignore[arg-type]


class TestWebsocketLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(
            settings, ws_origins=("https://app.example",), ws_max_operations=2
        )

    async def test_origins(self, server: Server) -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with _ws(server, origin=Origin("https://evil.example")):
                pass
        assert refused.value.response.status_code == 403

        async with _ws(server, origin=Origin("https://app.example")):
            pass
        async with _ws(server):  # no Origin: not a browser
            pass

    @pytest.mark.parametrize("protocol", [TRANSPORT, LEGACY])
    async def test_operations_over_the_limit_get_an_error_code(
        self, server: Server, client: Client, people: People, protocol: str
    ) -> None:
        project = await factories.project(client)
        task = await factories.task(client, project["id"])
        async with connect(server, people.alice, protocol) as ws:
            for operation_id in ("1", "2", "3"):
                await ws.subscribe(operation_id, LOGS, {"taskId": task["id"]})
            refused = await ws.recv()
            await ws.stop("1")  # a finished operation frees its place
            if protocol == LEGACY:  # which that protocol confirms
                assert await ws.recv() == {"id": "1", "type": "complete"}
            await ws.subscribe("4", LOGS, {"taskId": task["id"]})
            await ws.nothing()
        assert refused["type"] == "error"
        assert refused["id"] == "3"
        payload = refused["payload"]
        error = payload[0] if isinstance(payload, list) else payload
        assert error["extensions"]["code"] == "TOO_MANY_OPERATIONS"
        assert "2 operations" in error["message"]
