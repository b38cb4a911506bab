"""The compiled path: one data statement per query, the resolved path's exact bytes.

Each query is sent twice to the same server: as is (the compiled path) and with
``x-aura-execution: resolved`` (the resolved path, the reference). The response bodies
must be byte-identical, and the compiled one must have cost BEGIN, one statement and
COMMIT.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from aura.engine import compiler, node
from aura.engine.compiler.catalog import NodeKey
from aura.engine.compiler.formats import node_id_json
from bench.workloads import DEFINITIONS
from tests.conftest import People, User

# BEGIN with the principal's claims, the data statement, COMMIT.
ONE_DATA_STATEMENT = 3

ORCHESTRATION = """
query Orchestration($id: ID!) {
  project(id: $id) {
    id name
    tasks(first: 10) {
      totalCount
      nodes {
        id key status
        events(first: 5) { totalCount nodes { id eventType createdAt } }
        plans { nodes { id key approach
          decisions { nodes { id title selectedOption decidedAt } } } }
      }
    }
    events(first: 3, orderBy: [{field: CREATED_AT, direction: DESC}]) {
      edges { cursor node { id eventType task { key } } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}"""


async def given_work(db: asyncpg.Connection, owner: str, projects: int = 3) -> list[str]:
    """``projects`` projects with tasks, comments, plans, decisions and events."""
    await db.execute(
        """
        WITH p AS (
          INSERT INTO projects (owner_id, name, created_at)
          SELECT $1::uuid, 'project ' || g || ' ✓', '2024-05-01 12:00:00+00'::timestamptz
                 + g * interval '1 second'
          FROM generate_series(1, $2) g RETURNING id
        ), t AS (
          INSERT INTO tasks (project_id, key, title, user_id, status, priority, created_at)
          SELECT p.id, 'task-' || n, 'task "' || n || E'"\\n\\ttab', $1::uuid,
                 (ARRAY['PENDING','IN_PROGRESS','COMPLETED'])[1 + n % 3],
                 (ARRAY['LOW','HIGH','CRITICAL'])[1 + n % 3],
                 '2024-05-01 12:00:00.5+00'::timestamptz + n * interval '1.000123 second'
          FROM p, generate_series(1, 12) n
          RETURNING id, project_id, key
        ), c AS (
          INSERT INTO comments (project_id, task_id, author, content, user_id)
          SELECT t.project_id, t.id, 'agent', 'note ' || k || ' — ünïcødé', $1::uuid
          FROM t, generate_series(1, 3) k
        ), pl AS (
          INSERT INTO plans (project_id, task_id, key, approach)
          SELECT project_id, id, 'plan-' || key, 'approach' FROM t
          RETURNING id, project_id, task_id
        ), d AS (
          INSERT INTO decisions (project_id, task_id, plan_id, title, user_id, options,
                                 selected_option, decided_at)
          SELECT project_id, task_id, id, 'decision', $1::uuid, '["a", "b", "c"]', 2,
                 '2025-01-02 03:04:05+00'
          FROM pl
        )
        INSERT INTO events (project_id, task_id, event_type)
        SELECT t.project_id, t.id, 'task.touched_' || e FROM t, generate_series(1, 2) e
        """,
        owner,
        projects,
    )
    rows = await db.fetch("SELECT id::text FROM projects ORDER BY created_at, id")
    return [r[0] for r in rows]


async def both(
    http: httpx.AsyncClient, user: User, query: str, variables: dict[str, Any] | None = None
) -> tuple[httpx.Response, httpx.Response]:
    """The compiled and the resolved answer to one request."""
    body = {"query": query, "variables": variables or {}}
    auth = {"authorization": f"Bearer {user.token}"}
    compiled = await http.post("/graphql", json=body, headers=auth)
    resolved = await http.post(
        "/graphql", json=body, headers={**auth, "x-aura-execution": "resolved"}
    )
    assert resolved.headers["x-aura-execution"] == "resolved"
    return compiled, resolved


def assert_identical(compiled: httpx.Response, resolved: httpx.Response) -> None:
    assert compiled.headers["x-aura-execution"] == "compiled", compiled.content[:300]
    assert compiled.content == resolved.content
    assert "errors" not in compiled.json()


@pytest.mark.parametrize("name", ["Q1", "Q2", "Q3", "Q4"])
async def test_benchmark_queries_cost_one_statement(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People, name: str
) -> None:
    projects = await given_work(db, people.alice.id)
    task = await db.fetchval("SELECT id::text FROM tasks ORDER BY key DESC, id LIMIT 1")
    variables = {"Q1": {"id": task}, "Q4": {}}.get(name, {"id": projects[1]})
    query = str(DEFINITIONS[name]["aura"])
    compiled, resolved = await both(http, people.alice, query, variables)
    assert_identical(compiled, resolved)
    assert int(compiled.headers["x-aura-sql-statements"]) == ONE_DATA_STATEMENT
    assert int(resolved.headers["x-aura-sql-statements"]) > ONE_DATA_STATEMENT or name == "Q1"
    assert compiled.json()["data"]  # something was found


async def test_four_level_orchestration_query_costs_one_statement(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    projects = await given_work(db, people.alice.id)
    compiled, resolved = await both(http, people.alice, ORCHESTRATION, {"id": projects[0]})
    assert_identical(compiled, resolved)
    assert int(compiled.headers["x-aura-sql-statements"]) == ONE_DATA_STATEMENT
    project = compiled.json()["data"]["project"]
    assert project["tasks"]["totalCount"] == 12
    assert (
        project["tasks"]["nodes"][0]["plans"]["nodes"][0]["decisions"]["nodes"][0]["selectedOption"]
        == 2
    )
    assert project["events"]["pageInfo"]["hasNextPage"] is True


async def test_other_tenants_rows_stay_invisible(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    projects = await given_work(db, people.alice.id)
    compiled, resolved = await both(http, people.bob, ORCHESTRATION, {"id": projects[0]})
    assert_identical(compiled, resolved)
    assert compiled.json() == {"data": {"project": None}}
    compiled, resolved = await both(http, people.bob, str(DEFINITIONS["Q4"]["aura"]))
    assert_identical(compiled, resolved)
    assert compiled.json() == {"data": {"projects": {"nodes": []}}}


async def test_paging_through_with_cursors(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    await given_work(db, people.alice.id, projects=1)
    query = """query($after: String, $before: String, $first: Int, $last: Int) {
      tasks(first: $first, after: $after, last: $last, before: $before,
            orderBy: [{field: PRIORITY, direction: DESC}, {field: CREATED_AT}]) {
        totalCount edges { cursor node { key priority } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    after = None
    pages = 0
    while True:
        compiled, resolved = await both(http, people.alice, query, {"first": 5, "after": after})
        assert_identical(compiled, resolved)
        info = compiled.json()["data"]["tasks"]["pageInfo"]
        pages += 1
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert pages == 3
    compiled, resolved = await both(http, people.alice, query, {"last": 4, "before": after})
    assert_identical(compiled, resolved)
    assert len(compiled.json()["data"]["tasks"]["edges"]) == 4


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 1000},  # over the page limit
        {"first": 1, "last": 1},
        {"after": "not a cursor"},
        {"after": "WyJ4IiwieSJd"},  # a cursor of another ordering
    ],
)
async def test_what_the_resolved_path_refuses_falls_back(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People, variables: dict[str, Any]
) -> None:
    await given_work(db, people.alice.id, projects=1)
    query = """query($first: Int, $last: Int, $after: String) {
      tasks(first: $first, last: $last, after: $after) { nodes { id } } }"""
    compiled, resolved = await both(http, people.alice, query, variables)
    assert compiled.headers["x-aura-execution"] == "resolved"
    assert compiled.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert resolved.json()["errors"][0]["message"] == compiled.json()["errors"][0]["message"]


async def test_unknown_fields_fall_back(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    await given_work(db, people.alice.id, projects=1)
    compiled, resolved = await both(http, people.alice, "{ me { email } tasks { totalCount } }")
    assert compiled.headers["x-aura-execution"] == "resolved"
    assert compiled.content == resolved.content


@pytest.mark.parametrize(
    ("query", "variables", "path"),
    [
        ('{ tasks(search: "task") { totalCount nodes { key } } }', {}, "resolved"),
        ("query($s: String) { tasks(search: $s) { nodes { key } } }", {"s": "task"}, "resolved"),
        # A null search is no search: the compiled path serves it.
        ("query($s: String) { tasks(search: $s) { nodes { key } } }", {"s": None}, "compiled"),
        ('{ projects { nodes { tasks(search: "task") { nodes { key } } } } }', {}, "resolved"),
        # Aggregates are compiled (``test_aggregates_are_compiled``); groups are resolved.
        ("{ tasks { aggregate { count } } }", {}, "compiled"),
        (
            "{ projects { nodes { tasks { groupBy(by: [STATUS]) { key { status } } } } } }",
            {},
            "resolved",
        ),
    ],
)
async def test_search_and_groups_are_resolved(
    http: httpx.AsyncClient,
    db: asyncpg.Connection,
    people: People,
    query: str,
    variables: dict[str, Any],
    path: str,
) -> None:
    await given_work(db, people.alice.id, projects=1)
    compiled, resolved = await both(http, people.alice, query, variables)
    assert compiled.headers["x-aura-execution"] == path
    assert compiled.content == resolved.content
    assert "errors" not in compiled.json()


async def test_counters_count_each_path(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    projects = await given_work(db, people.alice.id, projects=1)
    before = compiler.counters()
    await both(http, people.alice, ORCHESTRATION, {"id": projects[0]})
    await both(http, people.alice, "{ me { email } }")
    after = compiler.counters()
    assert after["compiled"] - before.get("compiled", 0) == 1
    assert after["resolved"] - before.get("resolved", 0) == 3  # two asked for, one fell back
    assert after["fallback:Query.me"] - before.get("fallback:Query.me", 0) == 1


async def test_a_statement_the_database_refuses_is_resolved_instead(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    projects = await given_work(db, people.alice.id, projects=1)
    # A schema the mapping no longer matches: the compiled statement cannot be planned.
    await db.execute("ALTER TABLE projects RENAME COLUMN name TO title")
    before = compiler.counters().get("fallback:statement fault", 0)
    auth = {"authorization": f"Bearer {people.alice.token}"}
    body = {"query": "query($id: ID!) { project(id: $id) { id name } }", "variables": {}}
    body["variables"] = {"id": projects[0]}
    response = await http.post("/graphql", json=body, headers=auth)
    assert response.headers["x-aura-execution"] == "resolved"
    assert compiler.counters()["fallback:statement fault"] == before + 1
    # The resolved path then meets the same fault and reports it, masked.
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"


async def test_relay_node_ids_are_compiled(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    projects = await given_work(db, people.alice.id, projects=1)
    query = """query($id: ID!) { project(id: $id) { nodeId
      tasks(first: 3) { nodes { nodeId plans { nodes { nodeId decisions { nodes { nodeId } } } } } }
    } }"""
    compiled, resolved = await both(http, people.alice, query, {"id": projects[0]})
    assert_identical(compiled, resolved)
    node_id = compiled.json()["data"]["project"]["nodeId"]
    assert node.decode(node_id) == ("Project", projects[0])


@pytest.mark.parametrize("length", [1, 20, 21, 22, 60, 120])
async def test_node_id_text_matches_the_encoder(db: asyncpg.Connection, length: int) -> None:
    # PostgreSQL's base64 breaks its lines every 76 characters: a long type name or key
    # must still give the one-line text of ``aura.engine.node.encode``.
    type_name = ("Secret" * 30)[:length]
    keys = ["0b6f6a0e-5a4b-4c2e-9d1f-1a2b3c4d5e6f", "42", "ünï/cødé+?" * 7]
    for key, sql_type in zip(keys, ["UUID", "BIGINT", "TEXT"], strict=True):
        spec = NodeKey(type_name, "k", sql_type)
        cast = {"UUID": "uuid", "BIGINT": "bigint", "TEXT": "text"}[sql_type]
        sql = f"SELECT ({node_id_json(spec, 'x')})::text FROM (SELECT $1::{cast} AS k) x"
        text = await db.fetchval(sql, int(key) if sql_type == "BIGINT" else key)
        assert text == f'"{node.encode(type_name, key)}"'


AGGREGATES = """query($id: ID!) {
  tasks(filter: {status: {in: [PENDING, COMPLETED]}}) {
    aggregate { count countDistinct { status key } sum { orderIndex estimatedMinutes }
      avg { estimatedMinutes } min { createdAt estimatedMinutes } max { createdAt } }
  }
  project(id: $id) { tasks(first: 2) { totalCount aggregate { count __typename
    max { createdAt } avg { orderIndex } } } }
  empty: projects(filter: {name: {eq: "none"}}) { nodes { tasks { aggregate { count
    sum { estimatedMinutes } } } } aggregate { count countDistinct { name } } }
}"""


async def test_aggregates_are_compiled(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    projects = await given_work(db, people.alice.id, projects=2)
    await db.execute(
        "UPDATE tasks SET estimated_minutes = length(key) * 7, order_index = length(title)"
    )
    compiled, resolved = await both(http, people.alice, AGGREGATES, {"id": projects[0]})
    assert_identical(compiled, resolved)
    assert int(compiled.headers["x-aura-sql-statements"]) == ONE_DATA_STATEMENT
    data = compiled.json()["data"]
    totals = data["tasks"]["aggregate"]
    expected = await db.fetchrow(
        "SELECT count(*) AS n, sum(estimated_minutes) AS s, avg(estimated_minutes) AS a "
        "FROM tasks WHERE status IN ('PENDING', 'COMPLETED')"
    )
    assert totals["count"] == expected["n"] == 16
    assert totals["sum"]["estimatedMinutes"] == str(expected["s"])  # a BigInt
    assert totals["avg"]["estimatedMinutes"] == float(expected["a"])
    assert totals["countDistinct"] == {"status": 2, "key": 8}
    nested = data["project"]["tasks"]
    assert nested["aggregate"]["count"] == nested["totalCount"] == 12
    assert data["empty"] == {"nodes": [], "aggregate": {"count": 0, "countDistinct": {"name": 0}}}
    # Another tenant's rows count for nothing.
    compiled, resolved = await both(http, people.bob, AGGREGATES, {"id": projects[0]})
    assert_identical(compiled, resolved)
    assert compiled.json()["data"]["tasks"]["aggregate"]["count"] == 0
