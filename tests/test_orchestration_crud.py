"""Orchestration entities: create, read, update and delete each one; check response and row.

Also the domain rules: plan transitions, decisions validated against their options, the
override counter under concurrency, execution log filters and cleanup, task history and
generated document statistics, batch creation all or nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from aura.db.enums import PLAN_TRANSITIONS, PlanStatus
from tests import factories
from tests.conftest import Client, People


@pytest.fixture
async def given(client: Client) -> dict[str, str]:
    """Alice's project with a task, a workflow and a task history record."""
    project = await factories.project(client, "apollo")
    task = await factories.task(client, project["id"], "build the chat", key="task-001")
    workflow = await factories.workflow(client)
    history = await factories.task_history(client)
    return {
        "project": project["id"],
        "task": task["id"],
        "workflow": workflow["id"],
        "history": history["id"],
    }


def _fill(value: Any, given: dict[str, str]) -> Any:
    """Replace "{project}"-style placeholders with the given rows' IDs."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return given[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, given) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Case:
    type_name: str  # GraphQL type
    table: str
    one: str  # by-id root field
    many: str  # list root field
    create: dict[str, Any]
    update: dict[str, Any] | None  # None: the entity has no update mutation
    column: str  # a column the update changes, and its new value
    value: Any


CASES = [
    Case(
        "Plan",
        "plans",
        "plan",
        "plans",
        {"taskId": "{task}", "approach": "Next.js + realtime", "key": "plan-001-a", "steps": [1]},
        {"reasoning": "fewest moving parts"},
        "reasoning",
        "fewest moving parts",
    ),
    Case(
        "Decision",
        "decisions",
        "decision",
        "decisions",
        {"projectId": "{project}", "title": "Realtime stack", "options": ["a", "b"]},
        {"rationale": "cheaper"},
        "rationale",
        "cheaper",
    ),
    Case(
        "Result",
        "results",
        "result",
        "results",
        {"taskId": "{task}", "status": "SUCCESS", "duration": 42},
        {"status": "PARTIAL"},
        "status",
        "PARTIAL",
    ),
    Case(
        "HumanOverride",
        "human_overrides",
        "humanOverride",
        "humanOverrides",
        {"taskId": "{task}", "aiSuggestion": "microservices", "humanDecision": "a monolith"},
        {"category": "architecture"},
        "category",
        "architecture",
    ),
    Case(
        "Artifact",
        "artifacts",
        "artifact",
        "artifacts",
        {"taskId": "{task}", "type": "PR", "ref": "https://github.com/x/y/pull/1"},
        {"summary": "adds the chat"},
        "summary",
        "adds the chat",
    ),
    Case(
        "Checkpoint",
        "checkpoints",
        "checkpoint",
        "checkpoints",
        {"projectId": "{project}", "label": "before refactor", "snapshot": {"open": 2}},
        {"repoRef": "abc123"},
        "repo_ref",
        "abc123",
    ),
    Case(
        "AgentSession",
        "agent_sessions",
        "agentSession",
        "agentSessions",
        {"projectId": "{project}", "summary": "started"},
        {"summary": "halfway"},
        "summary",
        "halfway",
    ),
    Case(
        "ServiceStatus",
        "service_status",
        "serviceStatus",
        "serviceStatuses",
        {"projectId": "{project}", "serviceName": "api", "status": "HEALTHY"},
        {"status": "DOWN", "errorMessage": "timeout"},
        "status",
        "DOWN",
    ),
    Case(
        "Workflow",
        "workflows",
        "workflow",
        "workflows",
        {"name": "weekly report", "steps": [{"do": "collect"}]},
        {"isActive": False},
        "is_active",
        False,
    ),
    Case(
        "WorkflowHistory",
        "workflow_history",
        "workflowHistory",
        "workflowHistories",
        {"workflowId": "{workflow}", "status": "RUNNING"},
        {"output": {"sent": 3}},
        "output",
        {"sent": 3},
    ),
    Case(
        "ExecutionLog",
        "execution_logs",
        "executionLog",
        "executionLogs",
        {"taskId": "{task}", "agentType": "WORKER", "message": "step 1 done"},
        None,
        "message",
        "step 1 done",
    ),
    Case(
        "TaskHistory",
        "task_history",
        "taskHistory",
        "taskHistories",
        {"description": "draft an email", "servicesUsed": ["gmail"]},
        {"outputSummary": "drafted"},
        "output_summary",
        "drafted",
    ),
    Case(
        "GeneratedDocument",
        "documents_generated",
        "generatedDocument",
        "generatedDocuments",
        {"type": "DOC", "title": "Minutes", "taskHistoryId": "{history}"},
        {"url": "https://docs.example/1"},
        "url",
        "https://docs.example/1",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.type_name)
async def test_lifecycle(
    client: Client, db: asyncpg.Connection, given: dict[str, str], case: Case
) -> None:
    # when created
    created = await factories.create(client, case.type_name, _fill(case.create, given))
    # then the row exists and reads back by ID and in the list
    row = await db.fetchrow(f"SELECT * FROM {case.table} WHERE id = $1", created["id"])
    assert row is not None
    by_id = await client.gql(
        f"query($id: ID!) {{ {case.one}(id: $id) {{ id }} }}", {"id": created["id"]}
    )
    assert by_id.ok() == {case.one: {"id": created["id"]}}
    listing = await client.gql(f"{{ {case.many} {{ nodes {{ id }} }} }}")
    assert {"id": created["id"]} in listing.ok()[case.many]["nodes"]

    if case.update is not None:
        # when changed
        updated = await client.gql(
            f"mutation($id: ID!, $input: Update{case.type_name}Input!) "
            f"{{ update{case.type_name}(id: $id, input: $input) {{ id }} }}",
            {"id": created["id"], "input": case.update},
        )
        assert updated.ok() == {f"update{case.type_name}": {"id": created["id"]}}
    # then the row holds the new value
    stored = await db.fetchval(
        f"SELECT {case.column} FROM {case.table} WHERE id = $1", created["id"]
    )
    assert stored == case.value

    # when deleted
    deleted = await client.gql(
        f"mutation($id: ID!) {{ delete{case.type_name}(id: $id) }}", {"id": created["id"]}
    )
    assert deleted.ok() == {f"delete{case.type_name}": created["id"]}
    assert await db.fetchval(f"SELECT count(*) FROM {case.table} WHERE id = $1", created["id"]) == 0


async def test_derived_project_and_owner(
    client: Client, people: People, given: dict[str, str]
) -> None:
    plan = await factories.plan(client, given["task"], key="plan-001-a")
    assert plan["projectId"] == given["project"]
    assert plan["status"] == "PROPOSED"
    decision = await factories.decision(client, planId=plan["id"])
    assert (decision["projectId"], decision["taskId"]) == (given["project"], given["task"])
    override = await factories.human_override(client, taskId=given["task"])
    assert override == {
        "id": override["id"],
        "appliedCount": 0,
        "projectId": given["project"],
        "taskId": given["task"],
    }
    run = await factories.create(
        client, "WorkflowHistory", {"workflowId": given["workflow"]}, "userId status"
    )
    assert run == {"userId": people.alice.id, "status": "PENDING"}


async def test_plan_keys_are_unique_per_project(client: Client, given: dict[str, str]) -> None:
    await factories.plan(client, given["task"], key="plan-001-a")
    again = await client.gql(
        'mutation($t: ID!) { createPlan(input: {taskId: $t, approach: "x", key: "plan-001-a"}) '
        "{ id } }",
        {"t": given["task"]},
    )
    assert again.codes == ["CONFLICT"]
    other = await factories.project(client, "other")
    other_task = await factories.task(client, other["id"])
    assert (await factories.plan(client, other_task["id"], key="plan-001-a"))["key"] == "plan-001-a"


# -- plan transitions ---------------------------------------------------------------------


async def test_plan_transitions(
    client: Client, db: asyncpg.Connection, given: dict[str, str]
) -> None:
    plan = await factories.plan(client, given["task"])
    verb = "mutation($id: ID!) {{ {}(id: $id) {{ status }} }}"

    # a proposed plan cannot start executing
    refused = await client.gql(verb.format("executePlan"), {"id": plan["id"]})
    assert refused.codes == ["BAD_USER_INPUT"]
    assert "PROPOSED to EXECUTING" in refused.errors[0]["message"]

    approved = await client.gql(verb.format("approvePlan"), {"id": plan["id"]})
    assert approved.ok() == {"approvePlan": {"status": "APPROVED"}}
    assert (await client.gql(verb.format("rejectPlan"), {"id": plan["id"]})).codes == [
        "BAD_USER_INPUT"
    ]
    executing = await client.gql(verb.format("executePlan"), {"id": plan["id"]})
    assert executing.ok() == {"executePlan": {"status": "EXECUTING"}}
    back = await client.gql(
        "mutation($id: ID!) { updatePlan(id: $id, input: {status: PROPOSED}) { status } }",
        {"id": plan["id"]},
    )
    assert back.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT status FROM plans WHERE id = $1", plan["id"]) == "EXECUTING"

    other = await factories.plan(client, given["task"])
    rejected = await client.gql(verb.format("rejectPlan"), {"id": other["id"]})
    assert rejected.ok() == {"rejectPlan": {"status": "REJECTED"}}
    assert (await client.gql(verb.format("approvePlan"), {"id": other["id"]})).codes == [
        "BAD_USER_INPUT"
    ]


async def test_plan_transitions_match_the_database(db: asyncpg.Connection) -> None:
    for status in PlanStatus:
        allowed = await db.fetchval("SELECT aura.plan_status_transitions($1)", status.value)
        assert set(allowed) == {s.value for s in PLAN_TRANSITIONS[status]}, status


# -- decisions ----------------------------------------------------------------------------

OPTIONS = ["Supabase Realtime", {"title": "Custom WebSocket server", "pros": ["control"]}]


async def test_decision_choice_and_selected_option_derive_each_other(
    client: Client, db: asyncpg.Connection, given: dict[str, str]
) -> None:
    by_choice = await factories.decision(
        client, projectId=given["project"], options=OPTIONS, choice="Custom WebSocket server"
    )
    assert (by_choice["selectedOption"], by_choice["choice"]) == (1, "Custom WebSocket server")
    by_index = await factories.decision(
        client, taskId=given["task"], options=OPTIONS, selectedOption=0
    )
    assert (by_index["selectedOption"], by_index["choice"]) == (0, "Supabase Realtime")
    assert by_index["projectId"] == given["project"]
    assert await db.fetchval("SELECT decided_at FROM decisions WHERE id = $1", by_index["id"])

    # changing only the index re-derives the choice
    changed = await client.gql(
        "mutation($id: ID!) { updateDecision(id: $id, input: {selectedOption: 1}) "
        "{ selectedOption choice } }",
        {"id": by_index["id"]},
    )
    assert changed.ok()["updateDecision"] == {
        "selectedOption": 1,
        "choice": "Custom WebSocket server",
    }
    undecided = await factories.decision(client, projectId=given["project"], options=OPTIONS)
    assert (undecided["selectedOption"], undecided["choice"]) == (None, None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"selectedOption": 2}, "not the index of an option"),
        ({"selectedOption": -1}, "selectedOption"),
        ({"choice": "Firebase"}, "not one of the options"),
        ({"selectedOption": 0, "choice": "Custom WebSocket server"}, "is not option 0"),
        ({"options": {"a": 1}}, "options must be a list"),
        ({"options": [], "choice": "anything"}, "not one of the options"),
    ],
)
async def test_decision_refuses_a_selection_outside_its_options(
    client: Client,
    db: asyncpg.Connection,
    given: dict[str, str],
    fields: dict[str, Any],
    message: str,
) -> None:
    values = {"projectId": given["project"], "title": "stack", "options": OPTIONS, **fields}
    response = await client.gql(
        "mutation($input: CreateDecisionInput!) { createDecision(input: $input) { id } }",
        {"input": values},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert message in response.errors[0]["message"]
    assert await db.fetchval("SELECT count(*) FROM decisions") == 0


async def test_decision_update_is_validated(client: Client, given: dict[str, str]) -> None:
    decision = await factories.decision(
        client, projectId=given["project"], options=OPTIONS, selectedOption=0
    )
    response = await client.gql(
        'mutation($id: ID!) { updateDecision(id: $id, input: {choice: "Firebase"}) { id } }',
        {"id": decision["id"]},
    )
    assert response.codes == ["BAD_USER_INPUT"]


async def test_decision_plan_must_be_of_its_task(client: Client, given: dict[str, str]) -> None:
    other_task = await factories.task(client, given["project"], "another")
    plan = await factories.plan(client, given["task"])
    response = await client.gql(
        'mutation($t: ID!, $p: ID!) { createDecision(input: {title: "x", taskId: $t, planId: $p}) '
        "{ id } }",
        {"t": other_task["id"], "p": plan["id"]},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert "another task" in response.errors[0]["message"]
    missing = await client.gql('mutation { createDecision(input: {title: "x"}) { id } }')
    assert missing.codes == ["BAD_USER_INPUT"]


# -- human overrides ----------------------------------------------------------------------


async def test_override_counter_counts_every_concurrent_application(
    client: Client, db: asyncpg.Connection, given: dict[str, str]
) -> None:
    override = await factories.human_override(client, projectId=given["project"])
    query = "mutation($id: ID!) { recordOverrideApplied(id: $id) { appliedCount } }"
    responses = await asyncio.gather(
        *(client.gql(query, {"id": override["id"]}) for _ in range(20))
    )
    counts = sorted(r.ok()["recordOverrideApplied"]["appliedCount"] for r in responses)
    assert counts == list(range(1, 21))
    assert (
        await db.fetchval("SELECT applied_count FROM human_overrides WHERE id = $1", override["id"])
        == 20
    )
    assert (
        await db.fetchval("SELECT count(*) FROM events WHERE event_type = 'human_override.applied'")
        == 20
    )
    missing = await client.gql(query, {"id": "00000000-0000-0000-0000-000000000000"})
    assert missing.codes == ["NOT_FOUND"]


async def test_applied_count_is_not_writable(client: Client, given: dict[str, str]) -> None:
    response = await client.gql(
        "mutation($id: ID!) { updateHumanOverride(id: $id, input: {appliedCount: 5}) { id } }",
        {"id": (await factories.human_override(client, projectId=given["project"]))["id"]},
    )
    assert response.codes == ["GRAPHQL_VALIDATION_FAILED"]


# -- execution logs -----------------------------------------------------------------------


async def test_execution_log_filters(
    client: Client, db: asyncpg.Connection, given: dict[str, str]
) -> None:
    other_task = await factories.task(client, given["project"], "other")
    await factories.execution_log(client, given["task"], "planning the chat", "PLANNER")
    await factories.execution_log(
        client, given["task"], "wrote the socket", "WORKER", level="SUCCESS"
    )
    await factories.execution_log(client, given["task"], "tests fail", "EVALUATOR", level="ERROR")
    await factories.execution_log(client, other_task["id"], "socket elsewhere", "WORKER")
    await db.execute(
        "UPDATE execution_logs SET created_at = now() - interval '2 days' "
        "WHERE message = 'planning the chat'"
    )
    query = (
        "query($f: ExecutionLogFilter) { executionLogs(filter: $f, orderBy: [{field: CREATED_AT}]) "
        "{ nodes { message } } }"
    )

    async def messages(condition: dict[str, Any]) -> list[str]:
        response = await client.gql(query, {"f": condition})
        return [n["message"] for n in response.ok()["executionLogs"]["nodes"]]

    by_task = {"taskId": {"eq": given["task"]}}
    assert await messages(by_task) == ["planning the chat", "wrote the socket", "tests fail"]
    assert await messages({**by_task, "agentType": {"in": ["WORKER", "EVALUATOR"]}}) == [
        "wrote the socket",
        "tests fail",
    ]
    assert await messages({"level": {"in": ["ERROR", "WARNING"]}}) == ["tests fail"]
    assert await messages({"createdAt": {"lt": "2000-01-01T00:00:00Z"}}) == []
    day_ago = await db.fetchval("SELECT (now() - interval '1 day')::text")
    assert await messages({**by_task, "createdAt": {"gte": day_ago}}) == [
        "wrote the socket",
        "tests fail",
    ]
    assert await messages({"message": {"ilike": "%SOCKET%"}}) == [
        "wrote the socket",
        "socket elsewhere",
    ]
    nested = await client.gql(
        "query($id: ID!) { task(id: $id) { executionLogs(filter: {level: {eq: ERROR}}) "
        "{ nodes { message agentType } } } }",
        {"id": given["task"]},
    )
    assert nested.ok()["task"]["executionLogs"]["nodes"] == [
        {"message": "tests fail", "agentType": "EVALUATOR"}
    ]


async def test_cleanup_execution_logs_is_for_admins(
    client: Client, people: People, db: asyncpg.Connection, given: dict[str, str]
) -> None:
    bob = client.as_(people.bob)
    bobs_project = await factories.project(bob, "bobs")
    bobs_task = await factories.task(bob, bobs_project["id"])
    for _ in range(3):
        await factories.execution_log(client, given["task"])
    await factories.execution_log(bob, bobs_task["id"])
    await factories.execution_log(client, given["task"], "fresh")
    await db.execute(
        "UPDATE execution_logs SET created_at = now() - interval '40 days' WHERE message <> 'fresh'"
    )
    mutation = "mutation($t: DateTime!) { cleanupExecutionLogs(olderThan: $t) }"
    cutoff = await db.fetchval("SELECT (now() - interval '30 days')::text")

    refused = await client.gql(mutation, {"t": cutoff})
    assert refused.codes == ["FORBIDDEN"]
    assert await db.fetchval("SELECT count(*) FROM execution_logs") == 5

    removed = await client.as_(people.admin).gql(mutation, {"t": cutoff})
    assert removed.ok() == {"cleanupExecutionLogs": 4}
    assert await db.fetch("SELECT message FROM execution_logs") == [("fresh",)]


# -- task history and generated documents -------------------------------------------------


async def test_task_history_statistics_and_recent_history(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    records = [
        ("a", "COMPLETED", ["gmail", "docs"], 1000),
        ("b", "COMPLETED", ["gmail"], 3000),
        ("c", "FAILED", ["calendar"], None),
        ("d", "RUNNING", [], None),
    ]
    for description, status, services, duration in records:
        await factories.task_history(
            client, description, status=status, servicesUsed=services, durationMs=duration
        )
    await factories.task_history(client.as_(people.bob), "bob's", status="FAILED")
    completed_at = await db.fetchval(
        "SELECT completed_at FROM task_history WHERE description = 'a'"
    )
    assert completed_at is not None  # final statuses complete the run

    stats = await client.gql(
        "{ taskHistoryStatistics { total averageDurationMs byStatus { status count } "
        "byService { service count } } }"
    )
    assert stats.ok()["taskHistoryStatistics"] == {
        "total": 4,
        "averageDurationMs": 2000.0,
        "byStatus": [
            {"status": "COMPLETED", "count": 2},
            {"status": "FAILED", "count": 1},
            {"status": "RUNNING", "count": 1},
        ],
        "byService": [
            {"service": "gmail", "count": 2},
            {"service": "calendar", "count": 1},
            {"service": "docs", "count": 1},
        ],
    }
    filtered = await client.gql(
        '{ taskHistoryStatistics(filter: {servicesUsed: {contains: ["gmail"]}}) '
        "{ total byStatus { status count } } }"
    )
    assert filtered.ok()["taskHistoryStatistics"] == {
        "total": 2,
        "byStatus": [{"status": "COMPLETED", "count": 2}],
    }
    empty = await client.as_(people.pending).gql(
        "{ taskHistoryStatistics { total averageDurationMs byStatus { count } } }"
    )
    assert empty.ok()["taskHistoryStatistics"] == {
        "total": 0,
        "averageDurationMs": None,
        "byStatus": [],
    }

    recent = await client.gql("{ recentTaskHistory(limit: 2) { description } }")
    assert recent.ok() == {"recentTaskHistory": [{"description": "d"}, {"description": "c"}]}
    too_many = await client.gql("{ recentTaskHistory(limit: 1000) { id } }")
    assert too_many.codes == ["BAD_USER_INPUT"]


async def test_batch_create_generated_documents(
    client: Client, people: People, db: asyncpg.Connection, given: dict[str, str]
) -> None:
    mutation = (
        "mutation($inputs: [CreateGeneratedDocumentInput!]!) "
        "{ batchCreateGeneratedDocuments(inputs: $inputs) { title type userId taskHistoryId } }"
    )
    documents = [
        {"type": "DOC", "title": "Minutes", "taskHistoryId": given["history"]},
        {"type": "EMAIL", "title": "Follow-up", "url": "mailto:x@y.z"},
        {"type": "CALENDAR_EVENT", "title": "Retro", "metadata": {"at": "friday"}},
    ]
    created = await client.gql(mutation, {"inputs": documents})
    assert created.ok()["batchCreateGeneratedDocuments"] == [
        {
            "title": "Minutes",
            "type": "DOC",
            "userId": people.alice.id,
            "taskHistoryId": given["history"],
        },
        {"title": "Follow-up", "type": "EMAIL", "userId": people.alice.id, "taskHistoryId": None},
        {
            "title": "Retro",
            "type": "CALENDAR_EVENT",
            "userId": people.alice.id,
            "taskHistoryId": None,
        },
    ]
    assert await db.fetchval("SELECT metadata FROM documents_generated WHERE title = 'Retro'") == {
        "at": "friday"
    }

    bobs_history = await factories.task_history(client.as_(people.bob))
    for bad in (
        {"type": "DOC", "title": "  "},
        {"type": "DOC", "title": "x", "taskHistoryId": bobs_history["id"]},
        {"type": "DOC", "title": "x", "taskHistoryId": "not-an-id"},
    ):
        response = await client.gql(mutation, {"inputs": [documents[0], bad]})
        assert response.codes == ["BAD_USER_INPUT"], bad
        assert await db.fetchval("SELECT count(*) FROM documents_generated") == 3
    too_many = await client.gql(mutation, {"inputs": [documents[1]] * 101})
    assert too_many.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM documents_generated") == 3

    stats = await client.gql(
        "{ generatedDocumentStatistics { total lastCreatedAt byType { type count } } }"
    )
    data = stats.ok()["generatedDocumentStatistics"]
    assert data["total"] == 3
    assert data["lastCreatedAt"] is not None
    assert data["byType"] == [
        {"type": "CALENDAR_EVENT", "count": 1},
        {"type": "DOC", "count": 1},
        {"type": "EMAIL", "count": 1},
    ]
    docs_only = await client.gql(
        "{ generatedDocumentStatistics(filter: {type: {eq: DOC}}) { total } }"
    )
    assert docs_only.ok() == {"generatedDocumentStatistics": {"total": 1}}


async def test_recent_events_view(client: Client, given: dict[str, str]) -> None:
    await factories.plan(client, given["task"], key="plan-001-a")
    response = await client.gql(
        "{ recentEvents(first: 2, orderBy: [{field: CREATED_AT, direction: DESC}]) "
        "{ nodes { eventType projectName taskTitle event { id } task { key } } } }"
    )
    nodes = response.ok()["recentEvents"]["nodes"]
    assert [(n["eventType"], n["projectName"], n["taskTitle"], n["task"]) for n in nodes] == [
        ("plan.created", "apollo", "build the chat", {"key": "task-001"}),
        ("task_history.created", None, None, None),  # personal: no project
    ]
    assert all(n["event"]["id"] for n in nodes)


# -- bad input ----------------------------------------------------------------------------

MISSING = "00000000-0000-0000-0000-000000000000"
BAD_INPUT = [
    ("Plan", {"taskId": "{task}", "approach": "  "}, "approach must not be blank"),
    (
        "Plan",
        {"taskId": "{task}", "approach": "x", "estimatedDuration": -5},
        "must not be negative",
    ),
    ("Plan", {"taskId": "{task}", "approach": "x", "steps": {"a": 1}}, "steps is not well formed"),
    ("Plan", {"taskId": "not-an-id", "approach": "x"}, "is not a valid ID"),
    ("Plan", {"taskId": MISSING, "approach": "x"}, "taskId: no such task"),
    ("Result", {"taskId": "{task}", "status": "SUCCESS", "duration": -1}, "must not be negative"),
    ("HumanOverride", {"aiSuggestion": "a", "humanDecision": "b"}, "is required"),
    ("Artifact", {"taskId": "{task}", "type": "PR", "ref": ""}, "ref must not be blank"),
    ("Checkpoint", {"projectId": MISSING, "label": "x"}, "projectId: no such project"),
    (
        "ServiceStatus",
        {"projectId": "{project}", "serviceName": "x", "responseTimeMs": -3},
        "negative",
    ),
    ("Workflow", {"name": "x", "steps": "nope"}, "steps is not well formed"),
    ("WorkflowHistory", {"workflowId": MISSING}, "workflowId: no such workflow"),
    ("ExecutionLog", {"taskId": "{task}", "agentType": "WORKER", "message": " "}, "not be blank"),
    ("TaskHistory", {"description": "x", "durationMs": -1}, "must not be negative"),
    (
        "GeneratedDocument",
        {"type": "DOC", "title": "x", "taskHistoryId": MISSING},
        "no such task history",
    ),
]


@pytest.mark.parametrize(("type_name", "fields", "message"), BAD_INPUT)
async def test_bad_input_changes_nothing(
    client: Client,
    db: asyncpg.Connection,
    given: dict[str, str],
    type_name: str,
    fields: dict[str, Any],
    message: str,
) -> None:
    events_before = await db.fetchval("SELECT count(*) FROM events")
    response = await client.gql(
        f"mutation($input: Create{type_name}Input!) "
        f"{{ create{type_name}(input: $input) {{ id }} }}",
        {"input": _fill(fields, given)},
    )
    assert response.codes == ["BAD_USER_INPUT"], response.errors
    assert message in response.errors[0]["message"]
    assert await db.fetchval("SELECT count(*) FROM events") == events_before


@pytest.mark.parametrize(
    ("type_name", "fields"),
    [
        ("ServiceStatus", {"projectId": "{project}", "serviceName": "api"}),
        ("Workflow", {"name": "weekly"}),
    ],
)
async def test_duplicate_names_conflict(
    client: Client, given: dict[str, str], type_name: str, fields: dict[str, Any]
) -> None:
    await factories.create(client, type_name, _fill(fields, given))
    again = await client.gql(
        f"mutation($input: Create{type_name}Input!) "
        f"{{ create{type_name}(input: $input) {{ id }} }}",
        {"input": _fill(fields, given)},
    )
    assert again.codes == ["CONFLICT"]


async def test_deleting_a_plan_or_task_cascades(
    client: Client, db: asyncpg.Connection, given: dict[str, str]
) -> None:
    plan = await factories.plan(client, given["task"])
    decision = await factories.decision(client, planId=plan["id"], options=["a"], choice="a")
    await factories.create(
        client, "Result", {"taskId": given["task"], "planId": plan["id"], "status": "SUCCESS"}
    )
    # a plan's results go with it; its decisions stay, unlinked
    response = await client.gql("mutation($id: ID!) { deletePlan(id: $id) }", {"id": plan["id"]})
    assert response.ok() == {"deletePlan": plan["id"]}
    assert await db.fetchval("SELECT count(*) FROM results") == 0
    assert await db.fetchval("SELECT plan_id FROM decisions WHERE id = $1", decision["id"]) is None
    # a task takes its plans, decisions, results, overrides, artifacts and logs along
    plan = await factories.plan(client, given["task"])
    await factories.decision(client, planId=plan["id"])
    await factories.human_override(client, taskId=given["task"])
    await factories.execution_log(client, given["task"])
    response = await client.gql("mutation($id: ID!) { deleteTask(id: $id) }", {"id": given["task"]})
    assert response.ok() == {"deleteTask": given["task"]}
    for table in ("plans", "decisions", "results", "human_overrides", "execution_logs"):
        assert await db.fetchval(f"SELECT count(*) FROM {table}") == 0, table
