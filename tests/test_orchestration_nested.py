"""Orchestration relationships both ways, from and to the work entities, with a number
of SQL statements that does not grow with the number of parents."""

from __future__ import annotations

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People

FROM_PROJECTS = """
query {
  projects(first: 100) {
    nodes {
      name
      plans { nodes { key task { key } decisions { nodes { title plan { key } user { email } } }
                      results { nodes { status plan { key } } } } }
      decisions { totalCount }
      events(first: 3) { totalCount nodes { eventType project { name } task { key } } }
      checkpoints { nodes { label project { name } } }
      agentSessions { nodes { summary } }
      services { nodes { serviceName status project { name } } }
      tasks {
        nodes {
          key
          plans { totalCount }
          results { nodes { status task { key } } }
          humanOverrides { nodes { appliedCount task { key } project { name } } }
          artifacts { nodes { ref task { key } } }
          executionLogs { nodes { message task { key } } }
          events(filter: {eventType: {eq: "task.created"}}) { nodes { eventType } }
        }
      }
    }
  }
}"""


async def _given(db: asyncpg.Connection, owner: str, count: int) -> None:
    """``count`` projects, each with two tasks and one of every project-scoped row."""
    await db.execute(
        """
        WITH p AS (
          INSERT INTO projects (owner_id, name)
          SELECT $1::uuid, 'project-' || g FROM generate_series(1, $2) g RETURNING id
        ), t AS (
          INSERT INTO tasks (project_id, key, title)
          SELECT p.id, 'task-' || n, 'task ' || n FROM p, generate_series(1, 2) n
          RETURNING id, project_id, key
        ), pl AS (
          INSERT INTO plans (project_id, task_id, key, approach)
          SELECT project_id, id, 'plan-' || key, 'approach' FROM t RETURNING id, project_id, task_id
        ), d AS (
          INSERT INTO decisions (project_id, task_id, plan_id, title, user_id)
          SELECT project_id, task_id, id, 'decision', $1::uuid FROM pl
        ), r AS (
          INSERT INTO results (project_id, task_id, plan_id, status)
          SELECT project_id, task_id, id, 'SUCCESS' FROM pl
        ), o AS (
          INSERT INTO human_overrides (project_id, task_id, ai_suggestion, human_decision)
          SELECT project_id, id, 'ai', 'human' FROM t
        ), a AS (
          INSERT INTO artifacts (project_id, task_id, type, ref)
          SELECT project_id, id, 'PR', 'pr-' || key FROM t
        ), l AS (
          INSERT INTO execution_logs (project_id, task_id, agent_type, message)
          SELECT project_id, id, 'WORKER', 'log of ' || key FROM t
        ), c AS (
          INSERT INTO checkpoints (project_id, label) SELECT id, 'checkpoint' FROM p
        ), s AS (
          INSERT INTO agent_sessions (project_id, summary) SELECT id, 'session' FROM p
        )
        INSERT INTO service_status (project_id, service_name) SELECT id, 'api' FROM p
        """,
        owner,
        count,
    )


@pytest.mark.parametrize("count", [2, 12])
async def test_statements_do_not_grow_with_parents(
    client: Client, db: asyncpg.Connection, people: People, count: int
) -> None:
    await _given(db, people.alice.id, count)
    # The resolved path's batching (the compiled path costs one statement).
    response = await client.gql(FROM_PROJECTS, headers={"x-aura-execution": "resolved"})
    projects = response.ok()["projects"]["nodes"]
    assert len(projects) == count
    assert all(len(p["plans"]["nodes"]) == 2 for p in projects)
    assert all(len(p["tasks"]["nodes"]) == 2 for p in projects)
    # One statement per relationship level (lookups of the same columns share a loader,
    # so e.g. every `task { key }` after the first level is already loaded), plus begin
    # and commit: the same for 2 projects as for 12.
    assert response.statements == 25


async def test_relationships_both_ways(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    await _given(db, people.alice.id, 1)
    project = (await client.gql(FROM_PROJECTS)).ok()["projects"]["nodes"][0]
    plans = {p["key"]: p for p in project["plans"]["nodes"]}
    assert plans["plan-task-1"]["task"] == {"key": "task-1"}
    assert plans["plan-task-1"]["decisions"]["nodes"] == [
        {"title": "decision", "plan": {"key": "plan-task-1"}, "user": {"email": people.alice.email}}
    ]
    assert plans["plan-task-1"]["results"]["nodes"] == [
        {"status": "SUCCESS", "plan": {"key": "plan-task-1"}}
    ]
    assert project["events"]["totalCount"] == 1 + 2 + 2 * 5 + 3  # every row inserted
    assert project["events"]["nodes"][0] == {
        "eventType": "project.created",
        "project": {"name": "project-1"},
        "task": None,
    }
    assert project["services"]["nodes"] == [
        {"serviceName": "api", "status": "UNKNOWN", "project": {"name": "project-1"}}
    ]
    task = {t["key"]: t for t in project["tasks"]["nodes"]}["task-2"]
    assert task == {
        "key": "task-2",
        "plans": {"totalCount": 1},
        "results": {"nodes": [{"status": "SUCCESS", "task": {"key": "task-2"}}]},
        "humanOverrides": {
            "nodes": [
                {"appliedCount": 0, "task": {"key": "task-2"}, "project": {"name": "project-1"}}
            ]
        },
        "artifacts": {"nodes": [{"ref": "pr-task-2", "task": {"key": "task-2"}}]},
        "executionLogs": {"nodes": [{"message": "log of task-2", "task": {"key": "task-2"}}]},
        "events": {"nodes": [{"eventType": "task.created"}]},
    }


async def test_personal_relationships_both_ways(client: Client, people: People) -> None:
    workflow = await factories.workflow(client)
    for status in ("COMPLETED", "FAILED"):
        await factories.create(
            client, "WorkflowHistory", {"workflowId": workflow["id"], "status": status}
        )
    history = await factories.task_history(client)
    await factories.create(
        client,
        "GeneratedDocument",
        {"type": "SHEET", "title": "budget", "taskHistoryId": history["id"]},
    )
    response = await client.gql(
        "{ workflows { nodes { name user { email } history(orderBy: [{field: STATUS}]) "
        "{ totalCount nodes { status completedAt workflow { name } } } } } "
        "taskHistories { nodes { documents { nodes { title taskHistory { description } "
        "user { email } } } } } }"
    )
    data = response.ok()
    wf = data["workflows"]["nodes"][0]
    assert wf["user"] == {"email": people.alice.email}
    assert wf["history"]["totalCount"] == 2
    assert [(h["status"], h["workflow"]["name"]) for h in wf["history"]["nodes"]] == [
        ("COMPLETED", "morning digest"),
        ("FAILED", "morning digest"),
    ]
    assert all(h["completedAt"] for h in wf["history"]["nodes"])
    assert data["taskHistories"]["nodes"][0]["documents"]["nodes"] == [
        {
            "title": "budget",
            "taskHistory": {"description": "send the digest"},
            "user": {"email": people.alice.email},
        }
    ]
