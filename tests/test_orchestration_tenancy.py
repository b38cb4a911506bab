"""Orchestration rows stay inside their tenant: project rows with the project's owner,
personal rows (workflows, task history, generated documents) with their user. Not by
root field, ID, nested field, filter, statistics or mutation."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People


@pytest.fixture
async def alices(client: Client) -> dict[str, Any]:
    """One of every orchestration row, all alice's."""
    project = await factories.project(client, "secret-project")
    task = await factories.task(client, project["id"], "secret task")
    plan = await factories.plan(client, task["id"], "secret plan")
    workflow = await factories.workflow(client, "secret workflow")
    history = await factories.task_history(client, "secret history", servicesUsed=["gmail"])
    rows = {
        "project": project,
        "task": task,
        "plan": plan,
        "workflow": workflow,
        "taskHistory": history,
        "decision": await factories.decision(client, "secret", planId=plan["id"]),
        "result": await factories.create(
            client, "Result", {"taskId": task["id"], "planId": plan["id"], "status": "SUCCESS"}
        ),
        "humanOverride": await factories.human_override(client, taskId=task["id"]),
        "artifact": await factories.create(
            client, "Artifact", {"taskId": task["id"], "type": "DIFF", "ref": "secret.diff"}
        ),
        "checkpoint": await factories.create(
            client, "Checkpoint", {"projectId": project["id"], "label": "secret"}
        ),
        "agentSession": await factories.create(
            client, "AgentSession", {"projectId": project["id"], "summary": "secret"}
        ),
        "serviceStatus": await factories.create(
            client, "ServiceStatus", {"projectId": project["id"], "serviceName": "secret-api"}
        ),
        "executionLog": await factories.execution_log(client, task["id"], "secret"),
        "event": await factories.create(
            client, "Event", {"projectId": project["id"], "eventType": "agent.secret"}
        ),
        "workflowHistory": await factories.create(
            client, "WorkflowHistory", {"workflowId": workflow["id"]}
        ),
        "generatedDocument": await factories.create(
            client,
            "GeneratedDocument",
            {"type": "DOC", "title": "secret", "taskHistoryId": history["id"]},
        ),
    }
    return rows


LISTS = [
    "plans",
    "decisions",
    "results",
    "humanOverrides",
    "events",
    "recentEvents",
    "artifacts",
    "checkpoints",
    "agentSessions",
    "serviceStatuses",
    "workflows",
    "workflowHistories",
    "executionLogs",
    "taskHistories",
    "generatedDocuments",
]
BY_ID = [
    "plan",
    "decision",
    "result",
    "humanOverride",
    "event",
    "artifact",
    "checkpoint",
    "agentSession",
    "serviceStatus",
    "workflow",
    "workflowHistory",
    "executionLog",
    "taskHistory",
    "generatedDocument",
]
TABLES = {
    "plan": "plans",
    "decision": "decisions",
    "result": "results",
    "humanOverride": "human_overrides",
    "artifact": "artifacts",
    "checkpoint": "checkpoints",
    "agentSession": "agent_sessions",
    "serviceStatus": "service_status",
    "workflow": "workflows",
    "workflowHistory": "workflow_history",
    "executionLog": "execution_logs",
    "taskHistory": "task_history",
    "generatedDocument": "documents_generated",
}
# A harmless change for each entity that has an update mutation.
UPDATES: dict[str, dict[str, Any]] = {
    "plan": {"reasoning": "stolen"},
    "decision": {"title": "stolen"},
    "result": {"summary": "stolen"},
    "humanOverride": {"rationale": "stolen"},
    "artifact": {"summary": "stolen"},
    "checkpoint": {"label": "stolen"},
    "agentSession": {"summary": "stolen"},
    "serviceStatus": {"status": "DOWN"},
    "workflow": {"name": "stolen"},
    "workflowHistory": {"status": "FAILED"},
    "taskHistory": {"description": "stolen"},
    "generatedDocument": {"title": "stolen"},
}


def _type(field: str) -> str:
    return field[0].upper() + field[1:]


async def test_other_user_sees_no_rows_in_lists(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    query = "{ " + " ".join(f"{f} {{ totalCount nodes {{ id }} }}" for f in LISTS) + " }"
    mine = (await client.gql(query)).ok()
    assert all(mine[f]["totalCount"] > 0 for f in LISTS), mine
    theirs = (await client.as_(people.bob).gql(query)).ok()
    assert theirs == {f: {"totalCount": 0, "nodes": []} for f in LISTS}


async def test_other_user_cannot_read_by_id(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    query = (
        "query("
        + ", ".join(f"${f}: ID!" for f in BY_ID)
        + ") { "
        + " ".join(f"{f}(id: ${f}) {{ id }}" for f in BY_ID)
        + " }"
    )
    variables = {f: alices[f]["id"] for f in BY_ID}
    mine = (await client.gql(query, variables)).ok()
    assert all(mine[f] == {"id": alices[f]["id"]} for f in BY_ID)
    theirs = (await client.as_(people.bob).gql(query, variables)).ok()
    assert theirs == dict.fromkeys(BY_ID)


async def test_other_user_reaches_nothing_by_filter_or_statistics(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    bob = client.as_(people.bob)
    response = await bob.gql(
        "query($t: ID!, $p: ID!) { events(filter: {projectId: {eq: $p}}) { totalCount } "
        "executionLogs(filter: {taskId: {eq: $t}}) { totalCount } "
        'plans(filter: {approach: {like: "secret%"}}) { totalCount } '
        "taskHistoryStatistics { total byService { service } } "
        "generatedDocumentStatistics { total } recentTaskHistory { id } }",
        {"t": alices["task"]["id"], "p": alices["project"]["id"]},
    )
    assert response.ok() == {
        "events": {"totalCount": 0},
        "executionLogs": {"totalCount": 0},
        "plans": {"totalCount": 0},
        "taskHistoryStatistics": {"total": 0, "byService": []},
        "generatedDocumentStatistics": {"total": 0},
        "recentTaskHistory": [],
    }


async def test_nested_fields_stay_inside_the_tenant(
    client: Client, people: People, alices: dict[str, Any], db: asyncpg.Connection
) -> None:
    # given bob's rows that (through SQL, bypassing the API's checks) point at alice's
    bob = client.as_(people.bob)
    bobs_project = await factories.project(bob, "bobs")
    bobs_task = await factories.task(bob, bobs_project["id"], "mine")
    bobs_history = await factories.task_history(bob, "mine")
    await db.execute("SET session_replication_role = replica")  # skip integrity triggers
    await db.execute(
        "INSERT INTO decisions (project_id, task_id, plan_id, title) VALUES ($1, $2, $3, 'x')",
        bobs_project["id"],
        bobs_task["id"],
        alices["plan"]["id"],
    )
    await db.execute(
        "INSERT INTO documents_generated (user_id, task_history_id, type, title) "
        "VALUES ($1, $2, 'DOC', 'x')",
        people.bob.id,
        alices["taskHistory"]["id"],
    )
    await db.execute(
        "INSERT INTO events (project_id, task_id, event_type) VALUES ($1, $2, 'x.y')",
        alices["project"]["id"],
        bobs_task["id"],
    )
    await db.execute("RESET session_replication_role")
    # when bob follows every relation
    response = await bob.gql(
        "{ decisions { nodes { plan { id results { totalCount } } task { plans { totalCount } "
        "events { nodes { eventType } } } } } "
        "generatedDocuments { nodes { taskHistory { id } } } "
        "taskHistories { nodes { id documents { totalCount } } } "
        "projects { nodes { plans { totalCount } events { totalCount } decisions { totalCount } "
        "services { totalCount } checkpoints { totalCount } } } }"
    )
    # then alice's rows stay invisible
    data = response.ok()
    decision = data["decisions"]["nodes"][0]
    assert decision["plan"] is None
    assert decision["task"]["plans"] == {"totalCount": 0}
    assert [e["eventType"] for e in decision["task"]["events"]["nodes"]] == ["task.created"]
    assert data["generatedDocuments"]["nodes"] == [{"taskHistory": None}]
    assert data["taskHistories"]["nodes"] == [
        {"id": bobs_history["id"], "documents": {"totalCount": 0}}
    ]
    assert data["projects"]["nodes"] == [
        {
            "plans": {"totalCount": 0},
            "events": {"totalCount": 2},  # project and task created (SQL skipped triggers)
            "decisions": {"totalCount": 1},
            "services": {"totalCount": 0},
            "checkpoints": {"totalCount": 0},
        }
    ]


@pytest.mark.parametrize("kind", list(TABLES))
async def test_other_user_cannot_update_or_delete(
    client: Client, people: People, alices: dict[str, Any], db: asyncpg.Connection, kind: str
) -> None:
    bob = client.as_(people.bob)
    table, key = TABLES[kind], alices[kind]["id"]
    before = dict(await db.fetchrow(f"SELECT * FROM {table} WHERE id = $1", key))
    events_before = await db.fetchval("SELECT count(*) FROM events")
    if kind in UPDATES:
        updated = await bob.gql(
            f"mutation($id: ID!, $input: Update{_type(kind)}Input!) "
            f"{{ update{_type(kind)}(id: $id, input: $input) {{ id }} }}",
            {"id": key, "input": UPDATES[kind]},
        )
        assert updated.codes == ["NOT_FOUND"]
    deleted = await bob.gql(f"mutation($id: ID!) {{ delete{_type(kind)}(id: $id) }}", {"id": key})
    assert deleted.codes == ["NOT_FOUND"]
    assert dict(await db.fetchrow(f"SELECT * FROM {table} WHERE id = $1", key)) == before
    assert await db.fetchval("SELECT count(*) FROM events") == events_before


async def test_other_user_cannot_act_on_or_attach_to_alices_rows(
    client: Client, people: People, alices: dict[str, Any], db: asyncpg.Connection
) -> None:
    bob = client.as_(people.bob)
    await factories.project(bob, "bobs")
    a = {k: v["id"] for k, v in alices.items()}
    attempts = [
        ("approvePlan(id: $x) { id }", a["plan"]),
        ("recordOverrideApplied(id: $x) { id }", a["humanOverride"]),
        ('createPlan(input: {taskId: $x, approach: "x"}) { id }', a["task"]),
        ('createDecision(input: {projectId: $x, title: "x"}) { id }', a["project"]),
        ('createDecision(input: {planId: $x, title: "x"}) { id }', a["plan"]),
        ("createResult(input: {taskId: $x, status: SUCCESS}) { id }", a["task"]),
        (
            'createHumanOverride(input: {projectId: $x, aiSuggestion: "x", humanDecision: "y"}) '
            "{ id }",
            a["project"],
        ),
        ('createArtifact(input: {taskId: $x, type: PR, ref: "x"}) { id }', a["task"]),
        ('createCheckpoint(input: {projectId: $x, label: "x"}) { id }', a["project"]),
        ("createAgentSession(input: {projectId: $x}) { id }", a["project"]),
        ('createServiceStatus(input: {projectId: $x, serviceName: "x"}) { id }', a["project"]),
        (
            'createExecutionLog(input: {taskId: $x, agentType: WORKER, message: "x"}) { id }',
            a["task"],
        ),
        ('createEvent(input: {projectId: $x, eventType: "x.y"}) { id }', a["project"]),
        ('createEvent(input: {taskId: $x, eventType: "x.y"}) { id }', a["task"]),
        ("createWorkflowHistory(input: {workflowId: $x}) { id }", a["workflow"]),
        (
            'createGeneratedDocument(input: {type: DOC, title: "x", taskHistoryId: $x}) { id }',
            a["taskHistory"],
        ),
        (
            'batchCreateGeneratedDocuments(inputs: [{type: DOC, title: "x", taskHistoryId: $x}]) '
            "{ id }",
            a["taskHistory"],
        ),
    ]
    counts_before = await _counts(db)
    for mutation, target in attempts:
        response = await bob.gql(f"mutation($x: ID!) {{ {mutation} }}", {"x": target})
        assert response.codes in (["BAD_USER_INPUT"], ["NOT_FOUND"]), (mutation, response.errors)
        assert "secret" not in str(response.errors)
    assert await _counts(db) == counts_before


async def _counts(db: asyncpg.Connection) -> dict[str, int]:
    tables = [*TABLES.values(), "events"]
    counts = {t: await db.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
    counts["applied"] = await db.fetchval("SELECT sum(applied_count) FROM human_overrides")
    counts["approved"] = await db.fetchval("SELECT count(*) FROM plans WHERE status = 'APPROVED'")
    return counts


async def test_admin_sees_everything(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    query = "{ " + " ".join(f"{f} {{ totalCount }}" for f in LISTS) + " }"
    mine = (await client.gql(query)).ok()
    admins = (await client.as_(people.admin).gql(query)).ok()
    assert admins == mine


async def test_pending_user_has_no_personal_records(
    client: Client, people: People, alices: dict[str, Any]
) -> None:
    pending = client.as_(people.pending)
    listing = await pending.gql("{ workflows { totalCount } events { totalCount } }")
    assert listing.ok() == {"workflows": {"totalCount": 0}, "events": {"totalCount": 0}}
    created = await pending.gql('mutation { createWorkflow(input: {name: "mine"}) { id } }')
    assert created.codes == ["FORBIDDEN"]
    appended = await pending.gql('mutation { createEvent(input: {eventType: "x.y"}) { id } }')
    assert appended.codes == ["FORBIDDEN"]
