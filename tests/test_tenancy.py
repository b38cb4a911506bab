"""Nothing leaks across tenants: not by root field, ID, nested field, filter or mutation."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People


@pytest.fixture
async def alices(client: Client) -> dict[str, Any]:
    """Alice's complete tree: a project with an epic, an issue, two tasks and comments."""
    project = await factories.project(client, "secret-project")
    epic = await factories.epic(client, project["id"])
    issue = await factories.issue(client, project["id"], epicId=epic["id"])
    first = await factories.task(client, project["id"], "first", status="IN_PROGRESS")
    second = await factories.task(client, project["id"], "second", dependencyIds=[first["id"]])
    comment = await factories.comment(client, taskId=first["id"], content="secret")
    await client.gql(
        'mutation($id: ID!) { claimTask(id: $id, agentId: "a") { id } }', {"id": first["id"]}
    )
    return {
        "project": project,
        "epic": epic,
        "issue": issue,
        "task": first,
        "second": second,
        "comment": comment,
    }


ROOT_LISTS = ["projects", "epics", "issues", "tasks", "comments", "activeTasks", "taskProgress"]
BY_ID = {
    "project": "project",
    "epic": "epic",
    "issue": "issue",
    "task": "task",
    "comment": "comment",
}


@pytest.mark.parametrize("field", ROOT_LISTS)
async def test_other_user_sees_no_rows_in_lists(
    client: Client, people: People, alices: dict[str, Any], field: str
) -> None:
    mine = await client.gql(f"{{ {field} {{ totalCount }} }}")
    assert mine.ok()[field]["totalCount"] > 0
    theirs = await client.as_(people.bob).gql(f"{{ {field} {{ totalCount nodes {{ id }} }} }}")
    assert theirs.ok() == {field: {"totalCount": 0, "nodes": []}}


@pytest.mark.parametrize("kind", list(BY_ID))
async def test_other_user_cannot_read_by_id(
    client: Client, people: People, alices: dict[str, Any], kind: str
) -> None:
    query = f"query($id: ID!) {{ {BY_ID[kind]}(id: $id) {{ id }} }}"
    assert (await client.gql(query, {"id": alices[kind]["id"]})).ok()[kind] is not None
    theirs = await client.as_(people.bob).gql(query, {"id": alices[kind]["id"]})
    assert theirs.ok() == {kind: None}


async def test_other_user_cannot_reach_rows_by_filter(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    bob = client.as_(people.bob)
    response = await bob.gql(
        "query($p: ID!) { tasks(filter: {projectId: {eq: $p}}) { totalCount } "
        'comments(filter: {content: {eq: "secret"}}) { totalCount } '
        'projects(filter: {name: {like: "secret%"}}) { totalCount } }',
        {"p": alices["project"]["id"]},
    )
    assert response.ok() == {
        "tasks": {"totalCount": 0},
        "comments": {"totalCount": 0},
        "projects": {"totalCount": 0},
    }


async def test_nested_fields_stay_inside_the_tenant(
    client: Client, people: People, alices: dict[str, Any], db: asyncpg.Connection
) -> None:
    # given bob's own task that (through SQL, bypassing the API) points at alice's rows
    bob = client.as_(people.bob)
    bobs_project = await factories.project(bob, "bobs")
    bobs_task = await factories.task(bob, bobs_project["id"], "mine")
    await db.execute("SET session_replication_role = replica")  # skip integrity triggers
    await db.execute(
        "UPDATE tasks SET epic_id = $1, issue_id = $2 WHERE id = $3",
        alices["epic"]["id"],
        alices["issue"]["id"],
        bobs_task["id"],
    )
    await db.execute(
        "INSERT INTO task_dependencies (task_id, depends_on_id, project_id) VALUES ($1, $2, $3)",
        bobs_task["id"],
        alices["task"]["id"],
        bobs_project["id"],
    )
    await db.execute("RESET session_replication_role")
    # when bob follows every relation
    response = await bob.gql(
        "{ tasks { nodes { epic { id } issue { id } dependencies { totalCount nodes { id } } "
        "project { tasks { totalCount } } } } me { projects { totalCount } } users { totalCount } }"
    )
    # then alice's rows stay invisible
    data = response.ok()
    node = data["tasks"]["nodes"][0]
    assert node["epic"] is None
    assert node["issue"] is None
    assert node["dependencies"] == {"totalCount": 0, "nodes": []}
    assert node["project"] == {"tasks": {"totalCount": 1}}
    assert data["me"] == {"projects": {"totalCount": 1}}
    assert data["users"] == {"totalCount": 1}


UPDATES = {
    "project": 'updateProject(id: $id, input: {name: "stolen"}) { id }',
    "epic": 'updateEpic(id: $id, input: {title: "stolen"}) { id }',
    "issue": 'updateIssue(id: $id, input: {title: "stolen"}) { id }',
    "task": 'updateTask(id: $id, input: {title: "stolen"}) { id }',
    "comment": 'updateComment(id: $id, input: {content: "stolen"}) { id }',
}
TABLES = {
    "project": "projects",
    "epic": "epics",
    "issue": "issues",
    "task": "tasks",
    "comment": "comments",
}


@pytest.mark.parametrize("kind", list(UPDATES))
async def test_other_user_cannot_update_or_delete(
    client: Client, people: People, alices: dict[str, Any], db: asyncpg.Connection, kind: str
) -> None:
    bob = client.as_(people.bob)
    before = dict(
        await db.fetchrow(f"SELECT * FROM {TABLES[kind]} WHERE id = $1", alices[kind]["id"])
    )
    updated = await bob.gql(f"mutation($id: ID!) {{ {UPDATES[kind]} }}", {"id": alices[kind]["id"]})
    assert updated.codes == ["NOT_FOUND"]
    deleted = await bob.gql(
        f"mutation($id: ID!) {{ delete{kind.capitalize()}(id: $id) }}", {"id": alices[kind]["id"]}
    )
    assert deleted.codes == ["NOT_FOUND"]
    after = dict(
        await db.fetchrow(f"SELECT * FROM {TABLES[kind]} WHERE id = $1", alices[kind]["id"])
    )
    assert after == before


async def test_other_user_cannot_attach_rows_to_foreign_parents(
    client: Client, people: People, alices: dict[str, Any], db: asyncpg.Connection
) -> None:
    bob = client.as_(people.bob)
    bobs_project = await factories.project(bob, "bobs")
    bobs_task = await factories.task(bob, bobs_project["id"])
    attempts = [
        (
            'mutation($p: ID!) { createTask(input: {projectId: $p, title: "x"}) { id } }',
            {"p": alices["project"]["id"]},
        ),
        (
            'mutation($p: ID!) { createEpic(input: {projectId: $p, key: "e", title: "x"}) { id } }',
            {"p": alices["project"]["id"]},
        ),
        (
            'mutation($t: ID!) { createComment(input: {taskId: $t, content: "x"}) { id } }',
            {"t": alices["task"]["id"]},
        ),
        (
            "mutation($t: ID!, $d: ID!) { addTaskDependency(taskId: $t, dependsOnId: $d) { id } }",
            {"t": bobs_task["id"], "d": alices["task"]["id"]},
        ),
        (
            "mutation($t: ID!, $e: ID!) { updateTask(id: $t, input: {epicId: $e}) { id } }",
            {"t": bobs_task["id"], "e": alices["epic"]["id"]},
        ),
        (
            'mutation($id: ID!) { claimTask(id: $id, agentId: "thief") { id } }',
            {"id": alices["second"]["id"]},
        ),
        (
            'mutation($id: ID!) { releaseTask(id: $id, agentId: "thief") { id } }',
            {"id": alices["task"]["id"]},
        ),
    ]
    counts_before = await _counts(db)
    for query, variables in attempts:
        response = await bob.gql(query, variables)
        assert response.codes in (["BAD_USER_INPUT"], ["NOT_FOUND"]), (query, response.errors)
        assert "secret" not in str(response.errors)
    assert await _counts(db) == counts_before
    assert (
        await db.fetchval("SELECT locked_by FROM tasks WHERE id = $1", alices["task"]["id"]) == "a"
    )


async def _counts(db: asyncpg.Connection) -> dict[str, int]:
    return {
        t: await db.fetchval(f"SELECT count(*) FROM {t}")
        for t in ("projects", "epics", "issues", "tasks", "task_dependencies", "comments")
    }


async def test_admin_sees_everything(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    admin = client.as_(people.admin)
    response = await admin.gql(
        "{ projects { totalCount } users { totalCount } tasks { totalCount } }"
    )
    assert response.ok() == {
        "projects": {"totalCount": 1},
        "users": {"totalCount": 4},
        "tasks": {"totalCount": 2},
    }


async def test_pending_user_sees_only_themself(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    pending = client.as_(people.pending)
    response = await pending.gql(
        "{ me { email role } users { totalCount } projects { totalCount } tasks { totalCount } }"
    )
    assert response.ok() == {
        "me": {"email": people.pending.email, "role": "PENDING"},
        "users": {"totalCount": 1},
        "projects": {"totalCount": 0},
        "tasks": {"totalCount": 0},
    }
    created = await pending.gql('mutation { createProject(input: {name: "mine"}) { id } }')
    assert created.codes == ["FORBIDDEN"]


async def test_users_cannot_promote_themselves(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    response = await client.gql(
        "mutation($id: ID!) { updateUser(id: $id, input: {role: ADMIN}) { role } }",
        {"id": people.alice.id},
    )
    assert response.codes == ["FORBIDDEN"]
    assert await db.fetchval("SELECT role FROM users WHERE id = $1", people.alice.id) == "USER"
    other = await client.gql(
        'mutation($id: ID!) { updateUser(id: $id, input: {displayName: "x"}) { id } }',
        {"id": people.bob.id},
    )
    assert other.codes == ["NOT_FOUND"]
    created = await client.gql('mutation { createUser(input: {email: "x@y.z"}) { id } }')
    assert created.codes == ["FORBIDDEN"]


async def test_anonymous_and_bad_tokens_get_unauthenticated(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    anonymous = client.as_(None)
    for query in (
        "{ projects { totalCount } }",
        "{ me { id } }",
        'mutation { createProject(input: {name: "x"}) { id } }',
    ):
        response = await anonymous.gql(query)
        assert response.codes == ["UNAUTHENTICATED"], query
    forged = await anonymous.gql(
        "{ projects { totalCount } }", headers={"authorization": "Bearer not.a.jwt"}
    )
    assert forged.codes == ["UNAUTHENTICATED"]
    basic = await anonymous.gql(
        "{ projects { totalCount } }", headers={"authorization": "Basic YWxpY2U6cHc="}
    )
    assert basic.codes == ["UNAUTHENTICATED"]
    # a valid token whose user has been deleted
    await db.execute("DELETE FROM users WHERE id = $1", people.bob.id)
    gone = await client.as_(people.bob).gql("{ projects { totalCount } }")
    assert gone.codes == ["UNAUTHENTICATED"]
    assert await db.fetchval("SELECT count(*) FROM projects") == 0


async def test_introspection_is_open_without_a_token(client: Client) -> None:
    response = await client.as_(None).gql("{ __schema { queryType { name } } __typename }")
    assert response.ok() == {"__schema": {"queryType": {"name": "Query"}}, "__typename": "Query"}


async def test_introspection_can_be_turned_off(http: Any, people: People) -> None:
    import dataclasses

    from aura.api import build_schema
    from aura.config import Settings

    schema = build_schema(dataclasses.replace(Settings(), introspection=False))
    result = await schema.execute("{ __schema { queryType { name } } }")
    assert result.errors
    assert result.errors[0].extensions["code"] == "GRAPHQL_VALIDATION_FAILED"
    plain = await schema.execute("{ __typename }")
    assert plain.errors is None
