"""Connection aggregates and groupBy: checked against SQL computed here, as several
principals (row-level security), root and nested, with their scopes and cost."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import pytest
from graphql import get_operation_ast

from aura.api import build_schema
from aura.config import Settings
from aura.engine.cost import operation_cost
from aura.engine.limits import Limits
from tests import factories
from tests.conftest import Client, People, User

AGGREGATE = """
query($f: TaskFilter) {
  tasks(filter: $f, first: 1) {
    aggregate {
      count
      countDistinct { status projectId estimatedMinutes }
      sum { estimatedMinutes }
      avg { estimatedMinutes }
      min { estimatedMinutes createdAt }
      max { estimatedMinutes createdAt }
    }
  }
}"""

GROUPS = """
query($f: TaskFilter) {
  tasks(filter: $f) {
    groupBy(by: [PROJECT_ID, PRIORITY]) {
      key { projectId priority status }
      aggregate { count sum { estimatedMinutes } max { estimatedMinutes } }
    }
  }
}"""

# Visible to each principal, as the policies say: own projects' tasks; the admin all.
VISIBLE = "(SELECT id FROM projects WHERE $1::uuid IS NULL OR owner_id = $1::uuid)"


@pytest.fixture
async def work(client: Client, people: People) -> dict[str, list[str]]:
    """Alice owns two projects, bob one; tasks of several priorities and estimates."""
    owned: dict[str, list[str]] = {"alice": [], "bob": []}
    plan = {
        "alice": [
            [("HIGH", 10), ("HIGH", 20), ("LOW", None), ("MEDIUM", 5)],
            [("HIGH", 7), ("CRITICAL", 100)],
        ],
        "bob": [[("HIGH", 1000), ("LOW", 3), ("LOW", None)]],
    }
    for who, projects in plan.items():
        acting = client.as_(getattr(people, who))
        for n, tasks in enumerate(projects):
            project = await factories.project(acting, f"{who}-{n}")
            owned[who].append(project["id"])
            for i, (priority, minutes) in enumerate(tasks):
                fields: dict[str, Any] = {"priority": priority}
                if minutes is not None:
                    fields["estimatedMinutes"] = minutes
                await factories.task(acting, project["id"], f"t{i}", **fields)
    return owned


def _who(people: People, name: str) -> tuple[User, str | None]:
    user = getattr(people, name)
    return user, None if name == "admin" else user.id


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _same_time(shown: str | None, expected: datetime | None) -> bool:
    if shown is None or expected is None:
        return shown is expected
    return datetime.fromisoformat(shown.replace("Z", "+00:00")) == expected


@pytest.mark.parametrize("name", ["alice", "bob", "admin"])
@pytest.mark.parametrize(
    ("filter_", "where"),
    [
        (None, "TRUE"),
        ({"priority": {"in": ["HIGH", "LOW"]}}, "priority IN ('HIGH', 'LOW')"),
        ({"estimatedMinutes": {"gt": 1000}}, "estimated_minutes > 1000"),
    ],
)
async def test_root_aggregate_equals_sql(
    client: Client,
    people: People,
    db: asyncpg.Connection,
    work: dict[str, list[str]],
    name: str,
    filter_: dict[str, Any] | None,
    where: str,
) -> None:
    # given
    user, owner = _who(people, name)
    expected = await db.fetchrow(
        "SELECT count(*) AS count, count(DISTINCT status) AS statuses,"
        " count(DISTINCT project_id) AS projects, count(DISTINCT estimated_minutes) AS minutes,"
        " sum(estimated_minutes) AS sum, avg(estimated_minutes)::float8 AS avg,"
        " min(estimated_minutes) AS min, max(estimated_minutes) AS max,"
        " min(created_at) AS first, max(created_at) AS last"
        f" FROM tasks WHERE project_id IN {VISIBLE} AND {where}",
        owner,
    )
    # when
    response = await client.gql(AGGREGATE, {"f": filter_}, as_user=user)
    # then
    shown = response.ok()["tasks"]["aggregate"]
    assert shown["count"] == expected["count"]
    assert shown["countDistinct"] == {
        "status": expected["statuses"],
        "projectId": expected["projects"],
        "estimatedMinutes": expected["minutes"],
    }
    assert shown["sum"]["estimatedMinutes"] == (
        None if expected["sum"] is None else str(expected["sum"])
    )
    assert shown["avg"]["estimatedMinutes"] == expected["avg"]
    assert shown["min"]["estimatedMinutes"] == expected["min"]
    assert shown["max"]["estimatedMinutes"] == expected["max"]
    assert _same_time(shown["min"]["createdAt"], expected["first"])
    assert _same_time(shown["max"]["createdAt"], expected["last"])


@pytest.mark.parametrize("name", ["alice", "bob", "admin"])
async def test_group_by_equals_sql(
    client: Client, people: People, db: asyncpg.Connection, work: dict[str, list[str]], name: str
) -> None:
    # given
    user, owner = _who(people, name)
    rows = await db.fetch(
        "SELECT project_id, priority, count(*) AS count, sum(estimated_minutes) AS sum,"
        " max(estimated_minutes) AS max FROM tasks"
        f" WHERE project_id IN {VISIBLE} AND priority <> 'MEDIUM'"
        " GROUP BY project_id, priority ORDER BY project_id, priority",
        owner,
    )
    expected = [
        {
            "key": {"projectId": str(r["project_id"]), "priority": r["priority"], "status": None},
            "aggregate": {
                "count": r["count"],
                "sum": {"estimatedMinutes": None if r["sum"] is None else str(r["sum"])},
                "max": {"estimatedMinutes": r["max"]},
            },
        }
        for r in rows
    ]
    # when
    response = await client.gql(GROUPS, {"f": {"priority": {"ne": "MEDIUM"}}}, as_user=user)
    # then
    assert response.ok()["tasks"]["groupBy"] == expected
    assert len(expected) >= 2


async def test_nested_aggregates_take_one_statement_per_level(
    client: Client, db: asyncpg.Connection, work: dict[str, list[str]]
) -> None:
    # given: alice's two projects
    rows = await db.fetch(
        "SELECT project_id, count(*) AS count, sum(estimated_minutes) AS sum FROM tasks"
        " WHERE priority = 'HIGH' GROUP BY project_id"
    )
    sums = {str(r["project_id"]): (r["count"], str(r["sum"])) for r in rows}
    groups = await db.fetch(
        "SELECT project_id, priority, count(*) AS count FROM tasks"
        " GROUP BY project_id, priority ORDER BY project_id, priority"
    )
    # when
    response = await client.gql(
        """{ projects(orderBy: [{field: NAME}]) { nodes { id
              tasks(filter: {priority: {eq: HIGH}}) { aggregate { count sum { estimatedMinutes } } }
              all: tasks { groupBy(by: [PRIORITY], limit: 2) {
                key { priority } aggregate { count } } }
        } } }"""
    )
    # then
    nodes = response.ok()["projects"]["nodes"]
    assert [n["id"] for n in nodes] == work["alice"]
    for node in nodes:
        count, total = sums[node["id"]]
        assert node["tasks"]["aggregate"] == {
            "count": count,
            "sum": {"estimatedMinutes": total},
        }
        expected = [
            {"key": {"priority": g["priority"]}, "aggregate": {"count": g["count"]}}
            for g in groups
            if str(g["project_id"]) == node["id"]
        ][:2]
        assert node["all"]["groupBy"] == expected
    # per nested connection, for both projects: one page statement and one aggregate
    baseline = await client.gql("{ projects(orderBy: [{field: NAME}]) { nodes { id } } }")
    assert response.statements - baseline.statements == 2 * 2


async def test_aggregates_of_a_connection_without_rows(
    client: Client, work: dict[str, list[str]]
) -> None:
    response = await client.gql(
        """{ projects { nodes {
              tasks(filter: {title: {eq: "none"}}) {
                aggregate { count countDistinct { status } sum { estimatedMinutes }
                            min { createdAt } }
                groupBy(by: [STATUS]) { key { status } }
              } } } }"""
    )
    for node in response.ok()["projects"]["nodes"]:
        assert node["tasks"] == {
            "aggregate": {
                "count": 0,
                "countDistinct": {"status": 0},
                "sum": {"estimatedMinutes": None},
                "min": {"createdAt": None},
            },
            "groupBy": [],
        }


@pytest.mark.parametrize(
    "arguments",
    ["by: []", "by: [STATUS], limit: 101", "by: [STATUS], limit: -1"],
)
async def test_bad_group_by_is_bad_user_input(
    client: Client, work: dict[str, list[str]], arguments: str
) -> None:
    response = await client.gql(f"{{ tasks {{ groupBy({arguments}) {{ key {{ status }} }} }} }}")
    assert response.codes == ["BAD_USER_INPUT"]
    assert response.data is None or response.data.get("tasks") is None


async def test_aggregates_need_the_scope_of_their_items(
    client: Client, people: People, work: dict[str, list[str]]
) -> None:
    # given: a token that may read accounts only
    issued = await client.gql(
        "mutation($i: IssueAccessTokenInput!) { issueAccessToken(input: $i) { accessToken } }",
        {"i": {"name": "accounts only", "scopes": ["accounts:read"]}},
    )
    token = issued.ok()["issueAccessToken"]["accessToken"]
    scoped = User(people.alice.id, people.alice.email, people.alice.role, token)
    # when: the aggregates of alice's projects, without selecting a project
    refused = await client.gql("{ me { projects { aggregate { count } } } }", as_user=scoped)
    allowed = await client.gql("{ me { id } }", as_user=scoped)
    # then
    assert refused.codes == ["FORBIDDEN"]
    assert "work:read" in refused.errors[0]["message"]
    assert allowed.ok()["me"]["id"] == people.alice.id


def test_group_by_costs_by_its_limit_not_the_page_size() -> None:
    schema = build_schema(Settings())

    def cost(query: str) -> int:
        prepared = schema.admission.prepare(query)
        assert prepared.document is not None
        assert not prepared.errors
        operation = get_operation_ast(prepared.document)
        assert operation is not None
        return operation_cost(schema.graphql_schema, prepared.document, operation, {}, Limits(), {})

    one = cost("{ tasks(first: 0) { groupBy(by: [STATUS], limit: 1) { key { status } } } }")
    many = cost("{ tasks(first: 0) { groupBy(by: [STATUS], limit: 50) { key { status } } } }")
    default = cost("{ tasks(first: 0) { groupBy(by: [STATUS]) { key { status } } } }")
    aggregate = cost("{ tasks(first: 0) { aggregate { count sum { estimatedMinutes } } } }")
    # tasks + groupBy + limit x (key + status)
    assert (one, many, default) == (4, 2 + 50 * 2, 2 + 100 * 2)
    # tasks + aggregate + count + sum + estimatedMinutes
    assert aggregate == 5


def test_grouping_by_a_foreign_column_needs_its_domain() -> None:
    # given: RecentEvent.projectName copies the work domain's data into orchestration's
    schema = build_schema(Settings())

    def needs(query: str) -> set[tuple[str, bool]]:
        prepared = schema.admission.prepare(query)
        assert prepared.document is not None
        assert not prepared.errors
        operation = get_operation_ast(prepared.document)
        assert operation is not None
        return set(schema.access(prepared.document, operation).needs)

    # when / then
    own = needs("{ recentEvents { groupBy(by: [EVENT_TYPE]) { key { eventType } } } }")
    foreign = needs("{ recentEvents { groupBy(by: [PROJECT_NAME]) { aggregate { count } } } }")
    shown = needs("{ recentEvents { groupBy(by: [EVENT_TYPE]) { key { projectName } } } }")
    assert ("work", False) not in own
    assert ("work", False) in foreign
    assert ("work", False) in shown
