"""Create, read, update and delete every entity; check the response and the row."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People


async def _given_project_tree(client: Client) -> dict[str, Any]:
    project = await factories.project(client, "apollo")
    epic = await factories.epic(client, project["id"])
    issue = await factories.issue(client, project["id"], epicId=epic["id"])
    task = await factories.task(client, project["id"], epicId=epic["id"], issueId=issue["id"])
    return {"project": project, "epic": epic, "issue": issue, "task": task}


async def test_project_lifecycle(client: Client, db: asyncpg.Connection, people: People) -> None:
    # when
    created = await factories.project(
        client, "apollo", description="to the moon", rules={"gates": ["review"]}
    )
    # then: owned by the caller, stored as sent
    assert created["ownerId"] == people.alice.id
    row = await db.fetchrow("SELECT * FROM projects WHERE id = $1", created["id"])
    assert row["name"] == "apollo"
    assert row["rules"] == {"gates": ["review"]}
    assert row["status"] == "ACTIVE"

    # when
    updated = await client.gql(
        "mutation($id: ID!) { updateProject(id: $id, input: {status: PAUSED, description: null}) "
        "{ status description updatedAt createdAt } }",
        {"id": created["id"]},
    )
    # then
    data = updated.ok()["updateProject"]
    assert data["status"] == "PAUSED"
    assert data["description"] is None
    assert data["updatedAt"] > data["createdAt"]
    assert await db.fetchval("SELECT status FROM projects WHERE id = $1", created["id"]) == "PAUSED"

    # when
    deleted = await client.gql(
        "mutation($id: ID!) { deleteProject(id: $id) }", {"id": created["id"]}
    )
    # then
    assert deleted.ok() == {"deleteProject": created["id"]}
    assert await db.fetchval("SELECT count(*) FROM projects") == 0


@pytest.mark.parametrize(
    ("entity", "update_input", "expected"),
    [
        ("epic", {"title": "Renamed", "estimatedHours": 12.5}, {"title": "Renamed"}),
        ("issue", {"title": "Renamed", "labels": ["ui", "bug"]}, {"title": "Renamed"}),
        ("task", {"title": "Renamed", "priority": "HIGH"}, {"title": "Renamed"}),
    ],
)
async def test_update_and_delete_children(
    client: Client,
    db: asyncpg.Connection,
    entity: str,
    update_input: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    tree = await _given_project_tree(client)
    target = tree[entity]
    type_name = entity.capitalize()
    response = await client.gql(
        f"mutation($id: ID!, $input: Update{type_name}Input!) "
        f"{{ update{type_name}(id: $id, input: $input) {{ id title }} }}",
        {"id": target["id"], "input": update_input},
    )
    assert response.ok()[f"update{type_name}"] == {"id": target["id"], **expected}
    table = {"epic": "epics", "issue": "issues", "task": "tasks"}[entity]
    assert await db.fetchval(f"SELECT title FROM {table} WHERE id = $1", target["id"]) == "Renamed"

    response = await client.gql(
        f"mutation($id: ID!) {{ delete{type_name}(id: $id) }}", {"id": target["id"]}
    )
    assert response.ok() == {f"delete{type_name}": target["id"]}
    assert await db.fetchval(f"SELECT count(*) FROM {table} WHERE id = $1", target["id"]) == 0


async def test_read_every_entity_by_id_and_in_lists(client: Client) -> None:
    tree = await _given_project_tree(client)
    comment = await factories.comment(client, taskId=tree["task"]["id"])
    for field, row in [
        ("project", tree["project"]),
        ("epic", tree["epic"]),
        ("issue", tree["issue"]),
        ("task", tree["task"]),
        ("comment", comment),
    ]:
        response = await client.gql(
            f"query($id: ID!) {{ {field}(id: $id) {{ id }} }}", {"id": row["id"]}
        )
        assert response.ok() == {field: {"id": row["id"]}}
        listing = await client.gql(f"{{ {field}s {{ totalCount nodes {{ id }} }} }}")
        assert listing.ok() == {f"{field}s": {"totalCount": 1, "nodes": [{"id": row["id"]}]}}


async def test_unknown_id_reads_as_null(client: Client) -> None:
    response = await client.gql('{ task(id: "00000000-0000-0000-0000-000000000000") { id } }')
    assert response.ok() == {"task": None}


async def test_issue_numbers_count_up_per_project(client: Client) -> None:
    first = await factories.project(client, "one")
    second = await factories.project(client, "two")
    numbers = [(await factories.issue(client, first["id"]))["number"] for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert (await factories.issue(client, second["id"]))["number"] == 1


async def test_comment_derives_project_and_author(client: Client, people: People) -> None:
    tree = await _given_project_tree(client)
    comment = await factories.comment(client, issueId=tree["issue"]["id"])
    assert comment["projectId"] == tree["project"]["id"]
    assert comment["author"] == "Alice"
    response = await client.gql(
        'mutation($id: ID!) { updateComment(id: $id, input: {content: "edited"}) '
        "{ content user { email } } }",
        {"id": comment["id"]},
    )
    assert response.ok() == {
        "updateComment": {"content": "edited", "user": {"email": people.alice.email}}
    }
    response = await client.gql(
        "mutation($id: ID!) { deleteComment(id: $id) }", {"id": comment["id"]}
    )
    assert response.ok() == {"deleteComment": comment["id"]}


async def test_create_task_with_dependencies(client: Client, db: asyncpg.Connection) -> None:
    project = await factories.project(client)
    first = await factories.task(client, project["id"], "first")
    second = await factories.task(client, project["id"], "second")
    third = await factories.task(
        client, project["id"], "third", dependencyIds=[first["id"], second["id"]]
    )
    deps = await db.fetch(
        "SELECT depends_on_id FROM task_dependencies WHERE task_id = $1", third["id"]
    )
    assert {r["depends_on_id"] for r in deps} == {first["id"], second["id"]}

    removed = await client.gql(
        "mutation($t: ID!, $d: ID!) { removeTaskDependency(taskId: $t, dependsOnId: $d) "
        "{ dependencies { nodes { id } } } }",
        {"t": third["id"], "d": first["id"]},
    )
    assert removed.ok()["removeTaskDependency"]["dependencies"]["nodes"] == [{"id": second["id"]}]

    added = await client.gql(
        "mutation($t: ID!, $d: ID!) { addTaskDependency(taskId: $t, dependsOnId: $d) "
        "{ dependencies { totalCount } } }",
        {"t": third["id"], "d": first["id"]},
    )
    assert added.ok()["addTaskDependency"]["dependencies"]["totalCount"] == 2


async def test_users_admin_manages_users(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    created = await admin.gql(
        'mutation { createUser(input: {email: "carol@example.com", role: USER}) { id role } }'
    )
    user_id = created.ok()["createUser"]["id"]
    assert await db.fetchval("SELECT role FROM users WHERE id = $1", user_id) == "USER"

    promoted = await admin.gql(
        "mutation($id: ID!) { updateUser(id: $id, input: {role: MANAGER}) { role } }",
        {"id": user_id},
    )
    assert promoted.ok() == {"updateUser": {"role": "MANAGER"}}

    deleted = await admin.gql("mutation($id: ID!) { deleteUser(id: $id) }", {"id": user_id})
    assert deleted.ok() == {"deleteUser": user_id}
    assert await db.fetchval("SELECT count(*) FROM users WHERE id = $1", user_id) == 0


async def test_me_and_own_profile(client: Client, people: People) -> None:
    me = await client.gql("{ me { email role displayName } }")
    assert me.ok() == {"me": {"email": people.alice.email, "role": "USER", "displayName": "Alice"}}
    renamed = await client.gql(
        'mutation($id: ID!) { updateUser(id: $id, input: {displayName: "Al"}) { displayName } }',
        {"id": people.alice.id},
    )
    assert renamed.ok() == {"updateUser": {"displayName": "Al"}}


async def test_views_active_tasks_and_progress(client: Client) -> None:
    project = await factories.project(client)
    dependency = await factories.task(client, project["id"], "dep", status="IN_PROGRESS")
    task = await factories.task(
        client,
        project["id"],
        "main",
        acceptanceCriteria=["a", "b", "c"],
        dependencyIds=[dependency["id"]],
    )
    await factories.comment(client, taskId=task["id"])
    await client.gql(
        'mutation($id: ID!) { claimTask(id: $id, agentId: "w1") { id } }', {"id": dependency["id"]}
    )

    active = await client.gql(
        "{ activeTasks { nodes { title projectName isActivelyLocked lockedBy task { id } } } }"
    )
    assert active.ok()["activeTasks"]["nodes"] == [
        {
            "title": "dep",
            "projectName": "apollo",
            "isActivelyLocked": True,
            "lockedBy": "w1",
            "task": {"id": dependency["id"]},
        }
    ]
    progress = await client.gql(
        "query($p: ID!) { taskProgress(filter: {projectId: {eq: $p}}, "
        "orderBy: [{field: TITLE}]) { nodes { title totalCriteria dependencyCount "
        "completedDependencyCount commentCount } } }",
        {"p": project["id"]},
    )
    assert progress.ok()["taskProgress"]["nodes"] == [
        {
            "title": "dep",
            "totalCriteria": 0,
            "dependencyCount": 0,
            "completedDependencyCount": 0,
            "commentCount": 0,
        },
        {
            "title": "main",
            "totalCriteria": 3,
            "dependencyCount": 1,
            "completedDependencyCount": 0,
            "commentCount": 1,
        },
    ]


async def test_deleting_a_full_project_cascades(client: Client, db: asyncpg.Connection) -> None:
    tree = await _given_project_tree(client)
    other_task = await factories.task(
        client,
        tree["project"]["id"],
        "other",
        issueId=tree["issue"]["id"],
        dependencyIds=[tree["task"]["id"]],
    )
    await factories.comment(client, taskId=other_task["id"])
    await factories.comment(client, issueId=tree["issue"]["id"])
    deleted = await client.gql(
        "mutation($id: ID!) { deleteProject(id: $id) }", {"id": tree["project"]["id"]}
    )
    assert deleted.ok() == {"deleteProject": tree["project"]["id"]}
    for table in ("epics", "issues", "tasks", "task_dependencies", "comments"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0, table


async def test_deleting_an_epic_or_issue_unlinks_its_tasks(
    client: Client, db: asyncpg.Connection
) -> None:
    tree = await _given_project_tree(client)
    for kind in ("epic", "issue"):
        response = await client.gql(
            f"mutation($id: ID!) {{ delete{kind.capitalize()}(id: $id) }}", {"id": tree[kind]["id"]}
        )
        assert response.ok()
    row = await db.fetchrow("SELECT epic_id, issue_id FROM tasks WHERE id = $1", tree["task"]["id"])
    assert (row["epic_id"], row["issue_id"]) == (None, None)
