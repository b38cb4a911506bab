"""Filtered bulk updates and deletes: all or nothing, bounded, tenant-scoped, and with
the events single changes append, per row."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People


@pytest.fixture
async def tasks(client: Client) -> dict[str, Any]:
    project = await factories.project(client, "bulk")
    made = [
        await factories.task(client, project["id"], f"Task {n}", key=f"k{n}", priority=p)
        for n, p in enumerate(["LOW", "LOW", "LOW", "HIGH"])
    ]
    return {"project": project, "tasks": made}


async def _event_types(db: asyncpg.Connection, task_id: str) -> list[str]:
    rows = await db.fetch(
        "SELECT event_type FROM events WHERE task_id = $1::uuid ORDER BY created_at, id", task_id
    )
    return [r[0] for r in rows]


async def test_bulk_update_changes_every_match_with_its_events(
    client: Client, db: asyncpg.Connection, tasks: dict[str, Any]
) -> None:
    low = [t["id"] for t in tasks["tasks"][:3]]
    # when
    response = await client.gql(
        "mutation { updateTasks(filter: {priority: {eq: LOW}}, set: {status: IN_PROGRESS}) "
        "{ id status } }"
    )
    # then
    changed = response.ok()["updateTasks"]
    assert sorted(t["id"] for t in changed) == sorted(low)
    assert {t["status"] for t in changed} == {"IN_PROGRESS"}
    statuses = await db.fetch("SELECT id::text, status FROM tasks")
    assert {r["id"]: r["status"] for r in statuses} == {
        **{i: "IN_PROGRESS" for i in low},
        tasks["tasks"][3]["id"]: "PENDING",
    }
    # each row has the events a single updateTask appends
    single = await factories.task(client, tasks["project"]["id"], "Single")
    await client.gql(
        "mutation($id: ID!) { updateTask(id: $id, input: {status: IN_PROGRESS}) { id } }",
        {"id": single["id"]},
    )
    expected = await _event_types(db, single["id"])
    assert len(expected) == 2
    for task_id in low:
        assert await _event_types(db, task_id) == expected


async def test_bulk_delete_removes_every_match_with_its_events(
    client: Client, db: asyncpg.Connection, tasks: dict[str, Any]
) -> None:
    low = sorted(t["id"] for t in tasks["tasks"][:3])
    response = await client.gql("mutation { deleteTasks(filter: {priority: {eq: LOW}}) }")
    assert sorted(response.ok()["deleteTasks"]) == low
    assert await db.fetchval("SELECT count(*) FROM tasks") == 1
    for task_id in low:
        assert await _event_types(db, task_id) == ["task.created", "task.deleted"]


async def test_a_bulk_change_failing_on_one_row_changes_none(
    client: Client, db: asyncpg.Connection, tasks: dict[str, Any]
) -> None:
    # when: the same key for three tasks of one project: the second row conflicts
    response = await client.gql(
        'mutation { updateTasks(filter: {priority: {eq: LOW}}, set: {key: "same", '
        'title: "Renamed"}) { id } }'
    )
    # then
    assert response.codes == ["CONFLICT"]
    keys = await db.fetch("SELECT key, title FROM tasks ORDER BY key")
    assert [(r["key"], r["title"]) for r in keys] == [(f"k{n}", f"Task {n}") for n in range(4)]
    updates = await db.fetchval(
        "SELECT count(*) FROM events WHERE event_type NOT IN ('task.created', 'project.created')"
    )
    assert updates == 0


async def test_a_bulk_change_over_the_limit_changes_nothing(
    client: Client, db: asyncpg.Connection, tasks: dict[str, Any]
) -> None:
    # given: 101 tasks in all
    await db.execute(
        "INSERT INTO tasks (project_id, title) "
        "SELECT $1::uuid, 'extra ' || n FROM generate_series(1, 97) n",
        tasks["project"]["id"],
    )
    # when
    deleted = await client.gql("mutation { deleteTasks(filter: {}) }")
    updated = await client.gql('mutation { updateTasks(filter: {}, set: {title: "x"}) { id } }')
    within = await client.gql('mutation { deleteTasks(filter: {title: {startsWith: "extra"}}) }')
    # then
    assert deleted.codes == updated.codes == ["BAD_USER_INPUT"]
    assert "more than 100" in deleted.errors[0]["message"]
    assert len(within.ok()["deleteTasks"]) == 97
    assert await db.fetchval("SELECT count(*) FROM tasks WHERE title = 'x'") == 0
    assert await db.fetchval("SELECT count(*) FROM tasks") == 4


async def test_a_bulk_change_reaches_only_the_callers_rows(
    client: Client, people: People, db: asyncpg.Connection, tasks: dict[str, Any]
) -> None:
    # given: bob's own task
    bob = client.as_(people.bob)
    theirs = await factories.project(bob, "bob's")
    own = await factories.task(bob, theirs["id"], "Bob's", priority="LOW")
    # when: bob deletes everything, and then alice's project by name
    everything = await bob.gql("mutation { deleteTasks(filter: {}) }")
    aimed = await bob.gql(
        'mutation($p: ID!) { updateTasks(filter: {projectId: {eq: $p}}, set: {title: "x"}) '
        "{ id } }",
        {"p": tasks["project"]["id"]},
    )
    # then
    assert everything.ok()["deleteTasks"] == [own["id"]]
    assert aimed.ok()["updateTasks"] == []
    assert await db.fetchval("SELECT count(*) FROM tasks") == 4
    assert await db.fetchval("SELECT count(*) FROM tasks WHERE title = 'x'") == 0


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ("updateTasks(filter: {}, set: {}) { id }", "at least one field"),
        ('updateComments(filter: {content: {eq: "x"}}, set: {content: ""}) { id }', None),
    ],
)
async def test_bad_bulk_changes_are_refused(
    client: Client, tasks: dict[str, Any], mutation: str, message: str | None
) -> None:
    response = await client.gql(f"mutation {{ {mutation} }}")
    if message is None:
        # no comment matches: nothing to change, no error
        assert response.ok() == {"updateComments": []}
    else:
        assert response.codes == ["BAD_USER_INPUT"]
        assert message in response.errors[0]["message"]


async def test_bulk_changes_of_issues_epics_and_comments(
    client: Client, db: asyncpg.Connection, tasks: dict[str, Any]
) -> None:
    project_id = tasks["project"]["id"]
    for n in range(2):
        await factories.issue(client, project_id, f"Issue {n}")
        await factories.epic(client, project_id, f"e{n}")
        await factories.comment(client, f"Note {n}", taskId=tasks["tasks"][0]["id"])
    response = await client.gql(
        "mutation { updateIssues(filter: {}, set: {priority: HIGH}) { priority }"
        ' deleteEpics(filter: {}) deleteComments(filter: {content: {eq: "Note 0"}}) }'
    )
    data = response.ok()
    assert [i["priority"] for i in data["updateIssues"]] == ["HIGH", "HIGH"]
    assert len(data["deleteEpics"]) == 2
    assert len(data["deleteComments"]) == 1
    assert await db.fetchval("SELECT count(*) FROM comments") == 1
