"""The event log: every state change appends events in its transaction; events are
append-only; a failed mutation leaves none; a project's events go with the project."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import pytest

from aura.db import migrate
from aura.db.database import with_database
from tests import factories
from tests.conftest import Client, People


async def _events(db: asyncpg.Connection, **where: Any) -> list[dict[str, Any]]:
    """Events in the order they were appended, as plain dicts (payload decoded)."""
    conditions = " AND ".join(f"{k} = ${i}" for i, k in enumerate(where, 1)) or "true"
    rows = await db.fetch(
        f"SELECT event_type, project_id, task_id, user_id, payload FROM events "
        f"WHERE {conditions} ORDER BY created_at, id",
        *where.values(),
    )
    return [dict(r) for r in rows]


def _types(events: list[dict[str, Any]]) -> list[str]:
    return [e["event_type"] for e in events]


async def test_work_mutations_append_events(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    # given
    project = await factories.project(client, "apollo")
    first = await factories.task(client, project["id"], "first", key="task-001")
    # when a task is created, changed, claimed, released, linked, commented and deleted
    second = await factories.task(client, project["id"], "second", key="task-002")
    await client.gql(
        'mutation($id: ID!) { updateTask(id: $id, input: {title: "2nd", priority: HIGH}) { id } }',
        {"id": second["id"]},
    )
    await client.gql(
        "mutation($id: ID!) { updateTask(id: $id, input: {status: IN_PROGRESS}) { id } }",
        {"id": second["id"]},
    )
    await client.gql(
        "mutation($t: ID!, $d: ID!) { addTaskDependency(taskId: $t, dependsOnId: $d) { id } }",
        {"t": second["id"], "d": first["id"]},
    )
    await client.gql(
        'mutation($id: ID!) { claimTask(id: $id, agentId: "w1") { id } }', {"id": first["id"]}
    )
    await client.gql(
        'mutation($id: ID!) { releaseTask(id: $id, agentId: "w1") { id } }', {"id": first["id"]}
    )
    await factories.comment(client, taskId=second["id"], content="ship it")
    await client.gql("mutation($id: ID!) { deleteTask(id: $id) }", {"id": second["id"]})

    # then the second task's history is complete and ordered
    history = await _events(db, task_id=second["id"])
    assert _types(history) == [
        "task.created",
        "task.updated",
        "task.status_changed",
        "task.dependency_added",
        "comment.created",
        "task.deleted",
        "comment.deleted",  # cascaded (after the task); the dependency went with the task
    ]
    by_type = {e["event_type"]: e for e in history}
    assert by_type["task.created"]["payload"] == {
        "id": second["id"],
        "key": "task-002",
        "title": "second",
    }
    assert by_type["task.updated"]["payload"]["fields"] == ["priority", "title"]
    assert by_type["task.status_changed"]["payload"] == {
        "id": second["id"],
        "key": "task-002",
        "title": "2nd",
        "from": "PENDING",
        "to": "IN_PROGRESS",
    }
    assert by_type["task.dependency_added"]["payload"] == {
        "id": second["id"],
        "dependsOnId": first["id"],
    }
    assert all(e["user_id"] == people.alice.id for e in history)
    assert all(e["project_id"] == project["id"] for e in history)

    locks = await _events(db, task_id=first["id"])
    assert _types(locks) == ["task.created", "task.claimed", "task.released"]
    assert locks[1]["payload"]["agentId"] == "w1"
    assert locks[1]["payload"]["previousAgentId"] is None
    assert locks[2]["payload"]["agentId"] == "w1"

    assert _types(await _events(db, task_id=None, project_id=project["id"])) == []
    project_events = await _events(db, project_id=project["id"])
    assert _types(project_events)[0] == "project.created"


async def test_epic_issue_and_project_events(client: Client, db: asyncpg.Connection) -> None:
    project = await factories.project(client, "apollo")
    epic = await factories.epic(client, project["id"])
    issue = await factories.issue(client, project["id"], epicId=epic["id"])
    await client.gql(
        "mutation($id: ID!) { updateIssue(id: $id, input: {status: CLOSED}) { id } }",
        {"id": issue["id"]},
    )
    await client.gql(
        "mutation($id: ID!) { updateProject(id: $id, input: {status: PAUSED, "
        'description: "on hold"}) { id } }',
        {"id": project["id"]},
    )
    events = await _events(db, project_id=project["id"])
    assert _types(events) == [
        "project.created",
        "epic.created",
        "issue.created",
        "issue.status_changed",
        "project.status_changed",
        "project.updated",
    ]
    assert events[3]["payload"] == {
        "id": issue["id"],
        "number": 1,
        "title": "an issue",
        "from": "OPEN",
        "to": "CLOSED",
    }
    assert events[5]["payload"] == {
        "id": project["id"],
        "name": "apollo",
        "fields": ["description"],
    }


async def test_orchestration_mutations_append_events(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    project = await factories.project(client, "apollo")
    task = await factories.task(client, project["id"])
    plan = await factories.plan(client, task["id"], key="plan-001-a")
    await client.gql("mutation($id: ID!) { approvePlan(id: $id) { id } }", {"id": plan["id"]})
    decision = await factories.decision(
        client, planId=plan["id"], options=["a", "b"], choice="b", key="decision-001"
    )
    override = await factories.human_override(client, taskId=task["id"])
    await client.gql(
        "mutation($id: ID!) { recordOverrideApplied(id: $id) { id } }", {"id": override["id"]}
    )
    await factories.execution_log(client, task["id"])  # logs are their own stream

    events = await _events(db, task_id=task["id"])
    assert _types(events) == [
        "task.created",
        "plan.created",
        "plan.approved",
        "decision.created",
        "human_override.created",
        "human_override.applied",
    ]
    assert events[2]["payload"] == {
        "id": plan["id"],
        "key": "plan-001-a",
        "approach": "the obvious way",
        "from": "PROPOSED",
        "to": "APPROVED",
    }
    assert events[3]["payload"] == {
        "id": decision["id"],
        "key": "decision-001",
        "title": "which way",
        "choice": "b",
    }
    assert events[5]["payload"]["appliedCount"] == 1
    assert await db.fetchval("SELECT count(*) FROM events WHERE event_type LIKE 'execution%'") == 0


async def test_personal_records_append_events_only_their_user_sees(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    workflow = await factories.workflow(client)
    await factories.create(client, "WorkflowHistory", {"workflowId": workflow["id"]})
    personal = await _events(db, user_id=people.alice.id)
    assert _types(personal) == ["workflow.created", "workflow_history.created"]
    assert all(e["project_id"] is None for e in personal)

    query = "{ events { totalCount nodes { eventType project { id } } } }"
    mine = await client.gql(query)
    assert mine.ok()["events"] == {
        "totalCount": 2,
        "nodes": [
            {"eventType": "workflow.created", "project": None},
            {"eventType": "workflow_history.created", "project": None},
        ],
    }
    theirs = await client.as_(people.bob).gql(query)
    assert theirs.ok()["events"] == {"totalCount": 0, "nodes": []}
    admins = await client.as_(people.admin).gql(query)
    assert admins.ok()["events"]["totalCount"] == 2


async def test_a_failed_mutation_leaves_no_event(client: Client, db: asyncpg.Connection) -> None:
    project = await factories.project(client, "apollo")
    task = await factories.task(client, project["id"], status="COMPLETED")
    before = await db.fetchval("SELECT count(*) FROM events")
    # a refused status change
    refused = await client.gql(
        "mutation($id: ID!) { updateTask(id: $id, input: {status: PENDING}) { id } }",
        {"id": task["id"]},
    )
    assert refused.codes == ["BAD_USER_INPUT"]
    # a request whose second mutation fails rolls back the first and its events
    response = await client.gql(
        'mutation($p: ID!, $t: ID!) { createTask(input: {projectId: $p, title: "new"}) { id } '
        "executePlan(id: $t) { id } }",
        {"p": project["id"], "t": task["id"]},
    )
    assert response.codes == ["NOT_FOUND"]
    # an invalid decision
    invalid = await client.gql(
        'mutation($p: ID!) { createDecision(input: {projectId: $p, title: "x", '
        "options: [], selectedOption: 0}) { id } }",
        {"p": project["id"]},
    )
    assert invalid.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM events") == before
    assert await db.fetchval("SELECT count(*) FROM tasks") == 1


async def test_an_update_that_changes_nothing_appends_nothing(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client, "apollo")
    task = await factories.task(client, project["id"], "same")
    before = await db.fetchval("SELECT count(*) FROM events")
    response = await client.gql(
        'mutation($id: ID!) { updateTask(id: $id, input: {title: "same"}) { id } }',
        {"id": task["id"]},
    )
    response.ok()
    assert await db.fetchval("SELECT count(*) FROM events") == before


# -- clients append events; nobody changes them -------------------------------------------


async def test_clients_append_events_as_themselves(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    project = await factories.project(client, "apollo")
    task = await factories.task(client, project["id"])
    created = await factories.create(
        client,
        "Event",
        {"taskId": task["id"], "eventType": "agent.note", "payload": {"text": "hi"}},
        "eventType projectId userId payload task { id }",
    )
    assert created == {
        "eventType": "agent.note",
        "projectId": project["id"],
        "userId": people.alice.id,
        "payload": {"text": "hi"},
        "task": {"id": task["id"]},
    }
    for bad in ("Agent Note", "agent..note", "", "x" * 101):
        response = await client.gql(
            "mutation($t: String!) { createEvent(input: {eventType: $t}) { id } }", {"t": bad}
        )
        assert response.codes == ["BAD_USER_INPUT"], bad


async def test_the_api_cannot_change_or_delete_events(client: Client) -> None:
    response = await client.as_(None).gql('{ __type(name: "Mutation") { fields { name } } }')
    names = {f["name"] for f in response.ok()["__type"]["fields"]}
    event_mutations = {n for n in names if n.endswith(("Event", "Events"))}
    assert event_mutations == {"createEvent"}


async def _as_app(db: asyncpg.Connection, user: str, role: str = "USER") -> None:
    await db.execute("BEGIN")
    await db.execute(
        "SELECT set_config('aura.user_id', $1, true), set_config('aura.user_role', $2, true)",
        user,
        role,
    )
    await db.execute("SET LOCAL ROLE aura_app")


@pytest.mark.parametrize("role", ["USER", "ADMIN"])
@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET payload = '{}'", "DELETE FROM events"],
    ids=["update", "delete"],
)
async def test_the_app_role_cannot_change_or_delete_events(
    client: Client, db: asyncpg.Connection, people: People, statement: str, role: str
) -> None:
    await factories.project(client, "apollo")
    before = await _events(db)
    user = people.admin if role == "ADMIN" else people.alice
    await _as_app(db, user.id, role)
    try:
        visible = await db.fetchval("SELECT count(*) FROM events")
        assert visible == len(before) == 1
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await db.execute(statement)
    finally:
        await db.execute("ROLLBACK")
    assert await _events(db) == before


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET payload = '{}'", "DELETE FROM events"],
    ids=["update", "delete"],
)
async def test_not_even_the_owner_changes_an_event(
    client: Client, db: asyncpg.Connection, statement: str
) -> None:
    await factories.project(client, "apollo")
    before = await _events(db)
    with pytest.raises(asyncpg.PostgresError) as raised:
        await db.execute(statement)
    assert raised.value.sqlstate == "AU403"
    assert "append-only" in str(raised.value)
    assert await _events(db) == before


async def test_deleting_a_project_removes_its_events(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    project = await factories.project(client, "apollo")
    epic = await factories.epic(client, project["id"])
    issue = await factories.issue(client, project["id"], epicId=epic["id"])
    task = await factories.task(client, project["id"], epicId=epic["id"], issueId=issue["id"])
    plan = await factories.plan(client, task["id"])
    await factories.decision(client, planId=plan["id"])
    await factories.execution_log(client, task["id"])
    kept = await factories.project(client, "kept")
    await factories.workflow(client)
    response = await client.gql(
        "mutation($id: ID!) { deleteProject(id: $id) }", {"id": project["id"]}
    )
    response.ok()
    assert (
        await db.fetchval("SELECT count(*) FROM events WHERE project_id = $1", project["id"]) == 0
    )
    for table in ("tasks", "epics", "issues", "plans", "decisions", "execution_logs"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    assert _types(await _events(db, project_id=kept["id"])) == ["project.created"]
    assert await db.fetchval("SELECT count(*) FROM events WHERE project_id IS NULL") == 1


async def test_deleted_tasks_keep_their_history(client: Client, db: asyncpg.Connection) -> None:
    project = await factories.project(client, "apollo")
    task = await factories.task(client, project["id"], "gone")
    await client.gql("mutation($id: ID!) { deleteTask(id: $id) }", {"id": task["id"]})
    response = await client.gql(
        "query($p: ID!) { project(id: $p) { events(filter: {taskId: {isNull: false}}) "
        "{ nodes { eventType taskId task { id } } } } }",
        {"p": project["id"]},
    )
    assert response.ok()["project"]["events"]["nodes"] == [
        {"eventType": "task.created", "taskId": task["id"], "task": None},
        {"eventType": "task.deleted", "taskId": task["id"], "task": None},
    ]
    assert json.dumps(await _events(db, task_id=task["id"]), default=str).count("gone") == 2


# -- migration 0002 down and up -----------------------------------------------------------


async def test_orchestration_revision_goes_down_and_up(pg_server: str) -> None:
    name = f"mig_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(pg_server, name)
    try:
        await migrate.upgrade(dsn, "0001")
        baseline = await _catalog(dsn)
        await migrate.upgrade(dsn)
        upgraded = await _catalog(dsn)
        assert "plans" in upgraded["tables"]
        assert "recent_events" in upgraded["views"]
        assert "aura.emit_event" in upgraded["functions"]
        await migrate.downgrade(dsn, "0001")
        assert await _catalog(dsn) == baseline
        await migrate.upgrade(dsn)
        assert await _catalog(dsn) == upgraded
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _catalog(dsn: str) -> dict[str, set[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        queries = {
            "tables": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
            "views": "SELECT viewname FROM pg_views WHERE schemaname = 'public'",
            "policies": "SELECT tablename || '.' || policyname FROM pg_policies",
            "triggers": "SELECT tgrelid::regclass || '.' || tgname FROM pg_trigger "
            "WHERE NOT tgisinternal",
            "functions": "SELECT 'aura.' || proname FROM pg_proc "
            "WHERE pronamespace = 'aura'::regnamespace",
        }
        return {k: {r[0] for r in await conn.fetch(q)} for k, q in queries.items()}
    finally:
        await conn.close()
