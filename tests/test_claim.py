"""claimTask / releaseTask: locks, dependencies, stale takeover, concurrency; status rules."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from aura.db.enums import TASK_TRANSITIONS, TaskStatus
from tests import factories
from tests.conftest import Client

CLAIM = "mutation($id: ID!, $a: String!) { claimTask(id: $id, agentId: $a) { lockedBy lockedAt } }"
RELEASE = "mutation($id: ID!, $a: String!) { releaseTask(id: $id, agentId: $a) { lockedBy } }"
STATUS = (
    "mutation($id: ID!, $s: TaskStatus!) { updateTask(id: $id, input: {status: $s}) "
    "{ status completedAt } }"
)


@pytest.fixture
async def project(client: Client) -> dict[str, Any]:
    return await factories.project(client)


async def test_claim_takes_the_lock(client: Client, project: Any, db: asyncpg.Connection) -> None:
    task = await factories.task(client, project["id"])
    response = await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})
    assert response.ok()["claimTask"]["lockedBy"] == "agent-1"
    row = await db.fetchrow("SELECT locked_by, locked_at FROM tasks WHERE id = $1", task["id"])
    assert row["locked_by"] == "agent-1"
    assert row["locked_at"] is not None


async def test_second_agent_gets_conflict_and_the_holder_can_reclaim(
    client: Client, project: Any, db: asyncpg.Connection
) -> None:
    task = await factories.task(client, project["id"])
    await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})
    refused = await client.gql(CLAIM, {"id": task["id"], "a": "agent-2"})
    assert refused.codes == ["CONFLICT"]
    assert refused.errors[0]["extensions"]["lockedBy"] == "agent-1"
    again = await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})
    assert again.ok()["claimTask"]["lockedBy"] == "agent-1"
    assert await db.fetchval("SELECT locked_by FROM tasks WHERE id = $1", task["id"]) == "agent-1"


async def test_stale_lock_is_taken_over(
    client: Client, project: Any, db: asyncpg.Connection
) -> None:
    task = await factories.task(client, project["id"])
    await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})
    await db.execute(
        "UPDATE tasks SET locked_at = now() - interval '61 minutes' WHERE id = $1", task["id"]
    )
    response = await client.gql(CLAIM, {"id": task["id"], "a": "agent-2"})
    assert response.ok()["claimTask"]["lockedBy"] == "agent-2"


async def test_claim_waits_for_dependencies(
    client: Client, project: Any, db: asyncpg.Connection
) -> None:
    dependency = await factories.task(client, project["id"], "dep", status="IN_PROGRESS")
    task = await factories.task(client, project["id"], "main", dependencyIds=[dependency["id"]])
    refused = await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})
    assert refused.codes == ["BAD_USER_INPUT"]
    assert "dependencies" in refused.errors[0]["message"]
    assert await db.fetchval("SELECT locked_by FROM tasks WHERE id = $1", task["id"]) is None
    (await client.gql(STATUS, {"id": dependency["id"], "s": "COMPLETED"})).ok()
    assert (await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})).ok()


async def test_finished_and_unknown_tasks_cannot_be_claimed(client: Client, project: Any) -> None:
    task = await factories.task(client, project["id"], status="CANCELLED")
    refused = await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})
    assert refused.codes == ["BAD_USER_INPUT"]
    missing = await client.gql(CLAIM, {"id": "00000000-0000-0000-0000-000000000000", "a": "x"})
    assert missing.codes == ["NOT_FOUND"]
    blank = await client.gql(CLAIM, {"id": task["id"], "a": "   "})
    assert blank.codes == ["BAD_USER_INPUT"]


async def test_release(client: Client, project: Any, db: asyncpg.Connection) -> None:
    task = await factories.task(client, project["id"])
    await client.gql(CLAIM, {"id": task["id"], "a": "agent-1"})
    refused = await client.gql(RELEASE, {"id": task["id"], "a": "agent-2"})
    assert refused.codes == ["CONFLICT"]
    released = await client.gql(RELEASE, {"id": task["id"], "a": "agent-1"})
    assert released.ok() == {"releaseTask": {"lockedBy": None}}
    assert await db.fetchval("SELECT locked_at FROM tasks WHERE id = $1", task["id"]) is None


async def test_twenty_concurrent_claims_one_winner(
    client: Client, project: Any, db: asyncpg.Connection
) -> None:
    task = await factories.task(client, project["id"])
    responses = await asyncio.gather(
        *(client.gql(CLAIM, {"id": task["id"], "a": f"agent-{i}"}) for i in range(20))
    )
    winners = [r for r in responses if not r.errors]
    losers = [r for r in responses if r.errors]
    assert len(winners) == 1
    assert all(r.codes == ["CONFLICT"] for r in losers)
    holder = await db.fetchval("SELECT locked_by FROM tasks WHERE id = $1", task["id"])
    assert winners[0].data["claimTask"]["lockedBy"] == holder


async def test_completing_requires_completed_dependencies(
    client: Client, project: Any, db: asyncpg.Connection
) -> None:
    dependency = await factories.task(client, project["id"], "dep", status="IN_PROGRESS")
    task = await factories.task(
        client, project["id"], "main", status="IN_PROGRESS", dependencyIds=[dependency["id"]]
    )
    refused = await client.gql(STATUS, {"id": task["id"], "s": "COMPLETED"})
    assert refused.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT status FROM tasks WHERE id = $1", task["id"]) == "IN_PROGRESS"
    (await client.gql(STATUS, {"id": dependency["id"], "s": "COMPLETED"})).ok()
    done = (await client.gql(STATUS, {"id": task["id"], "s": "COMPLETED"})).ok()["updateTask"]
    assert done["status"] == "COMPLETED"
    assert done["completedAt"] is not None
    reopened = (await client.gql(STATUS, {"id": task["id"], "s": "IN_PROGRESS"})).ok()
    assert reopened["updateTask"]["completedAt"] is None


async def test_database_and_python_agree_on_transitions(db: asyncpg.Connection) -> None:
    for status, allowed in TASK_TRANSITIONS.items():
        in_db = await db.fetchval("SELECT aura.task_status_transitions($1)", status.value)
        assert set(in_db) == {s.value for s in allowed}, status
    assert set(TASK_TRANSITIONS) == set(TaskStatus)


async def test_every_disallowed_transition_is_refused(
    client: Client, project: Any, db: asyncpg.Connection
) -> None:
    task = await factories.task(client, project["id"])
    for target in TaskStatus:
        if target in TASK_TRANSITIONS[TaskStatus.PENDING] or target is TaskStatus.PENDING:
            continue
        response = await client.gql(STATUS, {"id": task["id"], "s": target.value})
        assert response.codes == ["BAD_USER_INPUT"], target
    assert await db.fetchval("SELECT status FROM tasks WHERE id = $1", task["id"]) == "PENDING"


async def test_concurrent_edges_cannot_form_a_cycle(
    client: Client, project: Any, db: asyncpg.Connection
) -> None:
    a = await factories.task(client, project["id"], "a")
    b = await factories.task(client, project["id"], "b")
    add = "mutation($t: ID!, $d: ID!) { addTaskDependency(taskId: $t, dependsOnId: $d) { id } }"
    responses = await asyncio.gather(
        client.gql(add, {"t": a["id"], "d": b["id"]}), client.gql(add, {"t": b["id"], "d": a["id"]})
    )
    assert sorted(len(r.errors) for r in responses) == [0, 1]
    assert await db.fetchval("SELECT count(*) FROM task_dependencies") == 1
