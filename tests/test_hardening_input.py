"""Malformed requests and unstorable values: a coded error every time, never a 500.

Over real HTTP: bodies that are not a GraphQL request, subscriptions sent over HTTP,
filter and JSON values the database (or the statement cache's key) cannot encode, and
lists that would multiply what they hold past the cost limit.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest
from graphql import get_operation_ast

from aura.api import build_schema
from aura.config import Settings
from aura.engine.body import decode_json
from aura.engine.cost import operation_cost, page_sizes
from aura.engine.limits import Limits
from tests import factories
from tests.conftest import Client, People

JSON_ACCEPT = "application/json"
GRAPHQL_ACCEPT = "application/graphql-response+json"
ACCEPTS = [JSON_ACCEPT, GRAPHQL_ACCEPT]
ME = "{ me { id } }"


def _nested(levels: int, leaf: str = "1") -> str:
    return "[" * levels + leaf + "]" * levels


def _nested_object(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


async def _post(
    http: httpx.AsyncClient,
    people: People,
    body: bytes,
    *,
    accept: str = JSON_ACCEPT,
    content_type: str = "application/json",
) -> httpx.Response:
    headers = {
        "content-type": content_type,
        "accept": accept,
        "authorization": f"Bearer {people.alice.token}",
    }
    return await http.post("/graphql", content=body, headers=headers)


def _coded(response: httpx.Response, code: str, status: int) -> dict[str, Any]:
    """The single coded error of a JSON refusal."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] in ACCEPTS
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    assert "data" not in body or body["data"] is None
    assert len(response.headers["x-request-id"]) == 16  # every answer can be quoted
    return dict(body["errors"][0])


# -- 6. malformed bodies are a coded 400 ---------------------------------------------------

MALFORMED_BODIES: dict[str, tuple[bytes, str]] = {
    "variables nested 10,000 levels": (
        b'{"query": "{ me { id } }", "variables": {"x": ' + _nested(10_000).encode() + b"}}",
        "nests too deeply",
    ),
    "extensions nested 10,000 levels": (
        b'{"query": "{ me { id } }", "extensions": {"x": ' + _nested(10_000).encode() + b"}}",
        "nests too deeply",
    ),
    "invalid UTF-8": (b'{"query": "{ me { id } }", "x": "\xff\xfe"}', "UTF-8"),
    "a number": (b"42", "not a number"),
    "null": (b"null", "not null"),
    "a string": (b'"{ me { id } }"', "not a string"),
    "a batch": (b'[{"query": "{ me { id } }"}]', "batched"),
    "an empty batch": (b"[]", "batched"),
    "not JSON": (b"{query: me}", "not valid JSON"),
    "empty": (b"", "not valid JSON"),
    "query a number": (b'{"query": 42}', "`query`"),
    "query an object": (b'{"query": {"a": 1}}', "`query`"),
    "operationName a number": (b'{"query": "{ me { id } }", "operationName": 42}', "operationName"),
    "operationName a list": (
        b'{"query": "{ me { id } }", "operationName": ["a"]}',
        "operationName",
    ),
    "variables a list": (b'{"query": "{ me { id } }", "variables": [1]}', "`variables`"),
    "variables a string": (b'{"query": "{ me { id } }", "variables": "{}"}', "`variables`"),
    "extensions a number": (b'{"query": "{ me { id } }", "extensions": 1}', "`extensions`"),
    "NaN": (b'{"query": "{ me { id } }", "variables": {"x": NaN}}', "NaN"),
    "Infinity": (b'{"query": "{ me { id } }", "variables": {"x": -Infinity}}', "Infinity"),
    "no query": (b'{"variables": {}}', "no GraphQL query"),
}


async def test_malformed_post_bodies_are_a_coded_400(
    http: httpx.AsyncClient, people: People
) -> None:
    for case, (body, says) in MALFORMED_BODIES.items():
        for accept in ACCEPTS:
            error = _coded(await _post(http, people, body, accept=accept), "BAD_REQUEST", 400)
            assert says in error["message"], (case, error)


OTHER_CONTENT = [
    ("application/x-www-form-urlencoded", urlencode({"query": ME}).encode()),
    ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="query"'),
    ("text/plain", ME.encode()),
    ("", json.dumps({"query": ME}).encode()),
]


async def test_other_content_types_are_a_coded_400(http: httpx.AsyncClient, people: People) -> None:
    for content_type, body in OTHER_CONTENT:
        response = await _post(http, people, body, content_type=content_type)
        error = _coded(response, "BAD_REQUEST", 400)
        assert "application/json" in error["message"], (content_type, error)


GET_PARAMETERS: dict[str, tuple[dict[str, str], str]] = {
    "variables nested 10,000 levels": ({"variables": _nested(10_000)}, "nests too deeply"),
    "extensions nested 10,000 levels": ({"extensions": _nested(10_000)}, "nests too deeply"),
    "variables not JSON": ({"variables": "{x"}, "`variables` parameter is not valid JSON"),
    "variables a number": ({"variables": "42"}, "`variables`"),
    "variables NaN": ({"variables": '{"x": NaN}'}, "NaN"),
    "extensions a list": ({"extensions": "[]"}, "`extensions`"),
}


async def test_malformed_get_parameters_are_a_coded_400(
    http: httpx.AsyncClient, people: People
) -> None:
    for case, (params, says) in GET_PARAMETERS.items():
        for accept in ACCEPTS:
            response = await http.get(
                "/graphql",
                params={"query": ME, **params},
                headers={"accept": accept, "authorization": f"Bearer {people.alice.token}"},
            )
            error = _coded(response, "BAD_REQUEST", 400)
            assert says in error["message"], (case, error)


async def test_well_formed_requests_still_work(
    http: httpx.AsyncClient, people: People, client: Client
) -> None:
    """The stricter reading keeps every valid form: POST, GET, empty variables, nulls."""
    auth = {"authorization": f"Bearer {people.alice.token}"}
    expected = {"me": {"id": people.alice.id}}
    posted = await _post(
        http, people, b'{"query": "{ me { id } }", "variables": null, "operationName": null}'
    )
    assert posted.status_code == 200
    assert posted.json() == {"data": expected}
    got = await http.get("/graphql", params={"query": ME, "variables": ""}, headers=auth)
    assert got.status_code == 200
    assert got.json() == {"data": expected}
    got = await http.get("/graphql", params={"query": ME, "variables": "{}"}, headers=auth)
    assert got.status_code == 200
    assert got.json() == {"data": expected}


async def test_get_mutation_is_a_coded_405(http: httpx.AsyncClient, people: People) -> None:
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { createProject(input: {name: "x"}) { id } }'},
        headers={"accept": GRAPHQL_ACCEPT, "authorization": f"Bearer {people.alice.token}"},
    )
    error = _coded(response, "BAD_REQUEST", 405)
    assert response.headers["allow"] == "POST"
    assert "POST" in error["message"]


# -- 7. subscriptions over HTTP are a coded refusal ----------------------------------------

SUBSCRIPTION = "subscription { taskChanged { cursor operation node { id } } }"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_subscription_over_http_names_the_websocket(
    http: httpx.AsyncClient, people: People, method: str, caplog: pytest.LogCaptureFixture
) -> None:
    # An Accept that takes a stream (text/event-stream, multipart subscriptionSpec) is
    # served instead: tests/test_sse.py and tests/test_multipart.py.
    for accept in [*ACCEPTS, "*/*", "multipart/mixed"]:
        headers = {"accept": accept, "authorization": f"Bearer {people.alice.token}"}
        with caplog.at_level(logging.INFO):
            if method == "POST":
                response = await http.post(
                    "/graphql", json={"query": SUBSCRIPTION}, headers=headers
                )
            else:
                response = await http.get(
                    "/graphql", params={"query": SUBSCRIPTION}, headers=headers
                )
        # A request error: 400 for graphql-response+json clients, 200 for the others.
        status = 400 if accept == GRAPHQL_ACCEPT else 200
        error = _coded(response, "OPERATION_NOT_SUPPORTED", status)
        assert "websocket at /graphql" in error["message"]
        assert "graphql-transport-ws" in error["message"]
        assert "text/event-stream" in error["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- 8. filter values the statement key cannot encode --------------------------------------

ROOT = "query($f: TaskFilter) { tasks(filter: $f) { nodes { id } } }"
NESTED = "query($f: TaskFilter) { projects { nodes { tasks(filter: $f) { nodes { id } } } } }"
UNENCODABLE_FILTERS: dict[str, dict[str, Any]] = {
    "lone surrogate in eq": {"title": {"eq": "\ud800"}},
    "lone surrogate in in": {"title": {"in": ["ok", "\udfff"]}},
    "lone surrogate in hasKey": {"metadata": {"hasKey": "\ud800"}},
    "integer beyond 64 bits in contains": {"metadata": {"contains": {"size": 2**70}}},
    "negative integer beyond 64 bits in contains": {"metadata": {"contains": [-(2**64)]}},
    "contains nested 300 levels": {"metadata": {"contains": _nested_object(300)}},
}


@pytest.mark.parametrize("query", [ROOT, NESTED], ids=["root", "nested"])
async def test_unencodable_filter_values_are_bad_user_input(
    http: httpx.AsyncClient, people: People, client: Client, query: str
) -> None:
    await factories.project(client)  # a parent, so that the nested filter runs
    for case, filter_ in UNENCODABLE_FILTERS.items():
        # json.dumps escapes the surrogates (httpx's json= cannot encode them at all)
        body = json.dumps({"query": query, "variables": {"f": filter_}})
        response = await _post(http, people, body.encode())
        assert response.status_code == 200
        errors = response.json()["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], (case, errors)


@pytest.mark.parametrize("query", [ROOT, NESTED], ids=["root", "nested"])
async def test_unencodable_filter_literals_are_bad_user_input(client: Client, query: str) -> None:
    await factories.project(client)
    inline = query.replace("query($f: TaskFilter)", "").replace(
        "$f", "{metadata: {contains: {size: 1180591620717411303424}}}"
    )
    response = await client.gql(inline)
    assert response.codes == ["BAD_USER_INPUT"], response.errors
    assert "64 bits" in response.errors[0]["message"]


async def test_encodable_filter_values_still_match(client: Client) -> None:
    project = await factories.project(client)
    await factories.task(client, project["id"], "été ☃ 𝄞", metadata={"big": 2**63 - 1})
    response = await client.gql(
        NESTED,
        {"f": {"title": {"eq": "été ☃ 𝄞"}, "metadata": {"contains": {"big": 2**63 - 1}}}},
    )
    nodes = response.ok()["projects"]["nodes"][0]["tasks"]["nodes"]
    assert len(nodes) == 1


# -- 16. NaN, Infinity and 1e400 in JSON inputs --------------------------------------------


async def _task_count(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT count(*) FROM tasks"))


def _create_body(project_id: str, metadata: str) -> bytes:
    """A createTask request whose ``metadata`` variable is the raw text ``metadata``."""
    query = json.dumps(
        "mutation($p: ID!, $m: JSON) "
        '{ createTask(input: {projectId: $p, title: "t", metadata: $m}) { id } }'
    )
    return f'{{"query": {query}, "variables": {{"p": "{project_id}", "m": {metadata}}}}}'.encode()


async def test_non_json_numbers_in_variables_are_refused(
    http: httpx.AsyncClient, people: People, client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    before = await _task_count(db)
    for token in ["NaN", "Infinity", "-Infinity", '{"a": [NaN]}']:
        response = await _post(http, people, _create_body(project["id"], token))
        error = _coded(response, "BAD_REQUEST", 400)
        assert "not a JSON value" in error["message"], (token, error)
    assert await _task_count(db) == before


async def test_overflowing_numbers_in_variables_are_bad_user_input(
    http: httpx.AsyncClient, people: People, client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    before = await _task_count(db)
    for number in ["1e400", '{"a": [-1e400]}']:
        response = await _post(http, people, _create_body(project["id"], number))
        assert response.status_code == 200
        errors = response.json()["errors"]
        assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"], errors
        assert "infinity" in errors[0]["message"]
    assert await _task_count(db) == before


async def test_unstorable_json_literals_are_bad_user_input(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    before = await _task_count(db)
    for literal in ["1e400", "{a: [-1e400]}", "{a: 1180591620717411303424}"]:
        response = await client.gql(
            f'mutation {{ createTask(input: {{projectId: "{project["id"]}", title: "t", '
            f"metadata: {literal}}}) {{ id }} }}"
        )
        assert response.codes == ["BAD_USER_INPUT"], (literal, response.errors)
        assert response.statements == 0  # refused while validating, before any SQL
    assert await _task_count(db) == before


# -- 9. plain lists count their items in the cost --------------------------------------------

INNER = (
    "documents(first: 100) { nodes { taskHistory { documents(first: 100) "
    "{ nodes { id title } } } } }"
)
BY_LIMIT = f"query($n: Int!) {{ recentTaskHistory(limit: $n) {{ {INNER} }} }}"
BY_DEFAULT = f"query($n: Int! = 100) {{ recentTaskHistory(limit: $n) {{ {INNER} }} }}"


def _cost(query: str, variables: dict[str, Any] | None = None) -> int:
    schema = build_schema(Settings())
    prepared = schema.admission.prepare(query)
    assert prepared.document is not None
    assert not prepared.errors, prepared.errors
    operation = get_operation_ast(prepared.document)
    assert operation is not None
    sizes = page_sizes(operation, prepared.page_variables, variables, Limits())
    return operation_cost(
        schema.graphql_schema,
        prepared.document,
        operation,
        dict(zip(prepared.page_variables, sizes, strict=True)),
        Limits(),
        schema.admission.list_sizes,
    )


def test_a_plain_list_costs_as_much_as_a_connection_of_its_size() -> None:
    connection = _cost(f"{{ taskHistories(first: 100) {{ nodes {{ {INNER} }} }} }}")
    listed = _cost(f"{{ recentTaskHistory(limit: 100) {{ {INNER} }} }}")
    assert connection == 2_030_202
    assert listed == connection - 1  # the connection's `nodes` field itself
    assert _cost(BY_LIMIT, {"n": 100}) == listed
    assert _cost(BY_LIMIT, {"n": 1}) < Limits().max_cost
    assert _cost(BY_DEFAULT) == listed
    # the field's own default limit (10), and a limit clamped to the largest page
    assert _cost("{ recentTaskHistory { id } }") == 1 + 10
    assert _cost("{ recentTaskHistory(limit: 10000) { id } }") == 1 + 100
    # a list without a limit counts as the largest page
    assert _cost("{ taskHistoryStatistics { byStatus { status count } } }") == 2 + 100 * 2
    batch = (
        "mutation($i: [CreateGeneratedDocumentInput!]!) "
        "{ batchCreateGeneratedDocuments(inputs: $i) { id } }"
    )
    assert _cost(batch) == 1 + 100


async def test_a_costly_plain_list_is_refused_before_any_sql(client: Client) -> None:
    for query, variables in [
        (f"{{ recentTaskHistory(limit: 100) {{ {INNER} }} }}", None),
        (BY_LIMIT, {"n": 100}),
        (BY_DEFAULT, None),
    ]:
        response = await client.gql(query, variables)
        assert response.codes == ["QUERY_TOO_COSTLY"], response.errors
        assert response.statements == 0
    cheap = await client.gql(BY_LIMIT, {"n": 1})
    assert cheap.ok() == {"recentTaskHistory": []}


# -- 17. the fast JSON path reads bodies as Python's parser does --------------------------


def test_the_fast_json_path_reads_bodies_as_pythons_parser_does() -> None:
    bodies = [
        b'{"variables": {"v": [0.125, -1, 2.5e-7, 1e20]}}',
        b'{"a": 18446744073709551615, "b": 18446744073709551616}',  # 2**64 - 1, 2**64
        b'{"a": -9223372036854775808, "b": -9223372036854775809}',  # -2**63, one below
        b'{"a": 123456789012345678901234567890}',
        b'{"a": 0.1234567890123456789012}',  # 22 digits: the slow path, the same float
        '{"a": "caf\u00e9 \\u00e9"}'.encode(),
    ]
    for body in bodies:
        value = decode_json(body)
        assert value == json.loads(body)
        assert repr(value) == repr(json.loads(body))  # ints stay ints, exactly
