"""Bad input gets a clear error code and changes nothing."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client

MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
async def given(client: Client) -> dict[str, Any]:
    project = await factories.project(client, "apollo")
    first = await factories.task(client, project["id"], "first", key="k1")
    second = await factories.task(client, project["id"], "second", dependencyIds=[first["id"]])
    other = await factories.project(client, "other")
    foreign = await factories.task(client, other["id"], "elsewhere")
    epic = await factories.epic(client, project["id"], key="e1")
    return {
        "project": project,
        "first": first,
        "second": second,
        "other": other,
        "foreign": foreign,
        "epic": epic,
    }


async def _snapshot(db: asyncpg.Connection) -> list[Any]:
    rows = []
    for table in ("users", "projects", "epics", "issues", "tasks", "task_dependencies", "comments"):
        rows.append(await db.fetch(f"SELECT * FROM {table} ORDER BY 1, 2"))
    return rows


CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # (name, mutation, variables with {placeholders}, expected code)
    (
        "wrong type",
        'createTask(input: {projectId: "{project}", title: 42}) { id }',
        {},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "invalid enum",
        'createTask(input: {projectId: "{project}", title: "x", status: DONE}) { id }',
        {},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (
        "malformed id",
        'updateTask(id: "not-a-uuid", input: {title: "x"}) { id }',
        {},
        "BAD_USER_INPUT",
    ),
    ("unknown id", f'updateTask(id: "{MISSING}", input: {{title: "x"}}) {{ id }}', {}, "NOT_FOUND"),
    ("unknown id on delete", f'deleteTask(id: "{MISSING}")', {}, "NOT_FOUND"),
    (
        "duplicate key",
        'createTask(input: {projectId: "{project}", title: "x", key: "k1"}) { id }',
        {},
        "CONFLICT",
    ),
    ("duplicate project name", 'createProject(input: {name: "apollo"}) { id }', {}, "CONFLICT"),
    (
        "duplicate epic key",
        'createEpic(input: {projectId: "{project}", key: "e1", title: "x"}) { id }',
        {},
        "CONFLICT",
    ),
    (
        "dangling project",
        f'createTask(input: {{projectId: "{MISSING}", title: "x"}}) {{ id }}',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "dangling epic",
        f'createTask(input: {{projectId: "{{project}}", title: "x", '
        f'epicId: "{MISSING}"}}) {{ id }}',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "blank title",
        'createTask(input: {projectId: "{project}", title: "  "}) { id }',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "negative estimate",
        'createTask(input: {projectId: "{project}", title: "x", estimatedMinutes: -5}) { id }',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "null for a required column",
        'updateTask(id: "{first}", input: {title: null}) { id }',
        {},
        "BAD_USER_INPUT",
    ),
    ("bad email", 'updateUser(id: "{alice}", input: {email: "nope"}) { id }', {}, "BAD_USER_INPUT"),
    (
        "dependency cycle",
        'addTaskDependency(taskId: "{first}", dependsOnId: "{second}") { id }',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "self dependency",
        'addTaskDependency(taskId: "{first}", dependsOnId: "{first}") { id }',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "cross-project dependency",
        'addTaskDependency(taskId: "{first}", dependsOnId: "{foreign}") { id }',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "dependency twice",
        'addTaskDependency(taskId: "{second}", dependsOnId: "{first}") { id }',
        {},
        "CONFLICT",
    ),
    (
        "create with cyclic dependencies",
        'createTask(input: {projectId: "{project}", '
        'title: "x", dependencyIds: ["{foreign}"]}) { id }',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "epic of another project",
        'updateTask(id: "{foreign}", input: {epicId: "{epic}"}) { id }',
        {},
        "BAD_USER_INPUT",
    ),
    (
        "illegal status change",
        'updateTask(id: "{first}", input: {status: COMPLETED}) { id }',
        {},
        "BAD_USER_INPUT",
    ),
    ("comment without parent", 'createComment(input: {content: "x"}) { id }', {}, "BAD_USER_INPUT"),
    (
        "oversized int",
        'createTask(input: {projectId: "{project}", title: "x", '
        "estimatedMinutes: 99999999999}) { id }",
        {},
        "GRAPHQL_VALIDATION_FAILED",
    ),
]


@pytest.mark.parametrize(
    ("name", "mutation", "variables", "code"), CASES, ids=[c[0] for c in CASES]
)
async def test_mutation_refused_and_nothing_changes(
    client: Client,
    db: asyncpg.Connection,
    given: dict[str, Any],
    people: Any,
    name: str,
    mutation: str,
    variables: dict[str, Any],
    code: str,
) -> None:
    ids = {k: v["id"] for k, v in given.items()} | {"alice": people.alice.id}
    for placeholder, value in ids.items():
        mutation = mutation.replace("{" + placeholder + "}", value)
    before = await _snapshot(db)
    response = await client.gql(f"mutation {{ {mutation} }}", variables)
    assert response.codes == [code], response.errors
    message = response.errors[0]["message"]
    assert "SELECT" not in message
    assert "Traceback" not in message
    assert "violates" not in message
    assert await _snapshot(db) == before
    assert response.status < 500


async def test_variables_of_the_wrong_type(client: Client, given: dict[str, Any]) -> None:
    response = await client.gql(
        "mutation($input: CreateTaskInput!) { createTask(input: $input) { id } }",
        {"input": {"projectId": given["project"]["id"], "title": "x", "priority": "URGENT"}},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    response = await client.gql("query($n: Int) { tasks(first: $n) { totalCount } }", {"n": "ten"})
    assert response.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ("first: 101", "between 0 and 100"),
        ("last: 5000", "between 0 and 100"),
        ("first: -1", "between 0 and 100"),
        ("first: 2, last: 2", "either first or last"),
        ('after: "garbage"', "not a valid cursor"),
        ('filter: {id: {eq: "nope"}}', "not a valid ID"),
    ],
)
async def test_bad_page_arguments(
    client: Client, given: dict[str, Any], arguments: str, fragment: str
) -> None:
    response = await client.gql(f"{{ tasks({arguments}) {{ nodes {{ id }} }} }}")
    assert response.codes == ["BAD_USER_INPUT"]
    assert fragment in response.errors[0]["message"]


async def test_cursor_of_another_ordering_is_refused(client: Client, given: dict[str, Any]) -> None:
    page = await client.gql("{ tasks(first: 1) { pageInfo { endCursor } } }")
    cursor = page.ok()["tasks"]["pageInfo"]["endCursor"]
    response = await client.gql(
        "query($c: String) { tasks(after: $c, orderBy: [{field: TITLE}]) { nodes { id } } }",
        {"c": cursor},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert "different orderBy" in response.errors[0]["message"]


async def test_a_failing_mutation_rolls_back_the_whole_request(
    client: Client, db: asyncpg.Connection, given: dict[str, Any]
) -> None:
    before = await _snapshot(db)
    response = await client.gql(
        'mutation($p: ID!) { good: createTask(input: {projectId: $p, title: "kept?"}) { id } '
        'bad: createTask(input: {projectId: $p, title: "dup", key: "k1"}) { id } '
        'after: createTask(input: {projectId: $p, title: "also?"}) { id } }',
        {"p": given["project"]["id"]},
    )
    assert response.codes[0] == "CONFLICT"
    assert response.data is None
    assert await _snapshot(db) == before


async def test_internal_errors_are_masked(
    client: Client, db: asyncpg.Connection, given: dict[str, Any]
) -> None:
    # Break the view behind the API: the failure must not leak SQL to the client.
    await db.execute("DROP VIEW task_progress")
    response = await client.gql("{ taskProgress { nodes { id } } }")
    assert response.codes == ["INTERNAL"]
    error = response.errors[0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


async def test_document_errors_have_their_own_codes(client: Client) -> None:
    unused = await client.gql("query($id: ID) { tasks { totalCount } }")
    assert unused.codes == ["GRAPHQL_VALIDATION_FAILED"]
    missing = await client.gql("query($id: ID!) { task(id: $id) { id } }")
    assert missing.codes == ["BAD_USER_INPUT"]
    broken = await client.gql("{ tasks { ")
    assert broken.codes == ["GRAPHQL_PARSE_FAILED"]
