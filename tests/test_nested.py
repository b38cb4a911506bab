"""Relationships both ways, and SQL statements per request independent of the parents."""

from __future__ import annotations

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People

RESOLVED = {"x-aura-execution": "resolved"}

NESTED = """
query {
  projects(first: 100) {
    nodes {
      name
      owner { email }
      tasks(first: 10) {
        totalCount
        nodes {
          key
          project { name }
          dependencies { nodes { key } }
          dependents { nodes { key } }
          comments(first: 5) { nodes { content user { email } } }
        }
      }
    }
  }
}"""


async def _given_projects(db: asyncpg.Connection, owner: str, count: int) -> None:
    """``count`` projects with 3 tasks each (a chain of dependencies) and 2 comments per task."""
    await db.execute(
        """
        WITH p AS (
          INSERT INTO projects (owner_id, name)
          SELECT $1::uuid, 'project-' || g FROM generate_series(1, $2) g RETURNING id
        ), t AS (
          INSERT INTO tasks (project_id, key, title, user_id)
          SELECT p.id, 'task-' || n, 'task ' || n, $1::uuid FROM p, generate_series(1, 3) n
          RETURNING id, project_id, key
        ), d AS (
          INSERT INTO task_dependencies (task_id, depends_on_id)
          SELECT a.id, b.id FROM t a JOIN t b ON a.project_id = b.project_id
          WHERE (a.key, b.key) IN (('task-2', 'task-1'), ('task-3', 'task-2'))
        )
        INSERT INTO comments (task_id, author, content, user_id)
        SELECT t.id, 'agent', 'note ' || c, $1::uuid FROM t, generate_series(1, 2) c
        """,
        owner,
        count,
    )


@pytest.mark.parametrize("count", [5, 50])
async def test_statements_do_not_grow_with_parents(
    client: Client, db: asyncpg.Connection, people: People, count: int
) -> None:
    await _given_projects(db, people.alice.id, count)
    # The resolved path's batching (the compiled path, one statement, is
    # tests/test_compiled_statements.py).
    response = await client.gql(NESTED, headers=RESOLVED)
    projects = response.ok()["projects"]["nodes"]
    assert len(projects) == count
    assert all(len(p["tasks"]["nodes"]) == 3 for p in projects)
    # begin+principal, projects, owners, tasks, task counts, project of task, dependencies,
    # dependents, comments, commit. Comment users cost nothing: the same users loader
    # (same columns) already holds them from the owners level.
    assert response.statements == 10


async def test_relationships_both_ways(
    client: Client, db: asyncpg.Connection, people: People
) -> None:
    await _given_projects(db, people.alice.id, 1)
    response = await client.gql(NESTED)
    project = response.ok()["projects"]["nodes"][0]
    assert project["owner"] == {"email": people.alice.email}
    tasks = {t["key"]: t for t in project["tasks"]["nodes"]}
    assert tasks["task-2"]["dependencies"]["nodes"] == [{"key": "task-1"}]
    assert tasks["task-2"]["dependents"]["nodes"] == [{"key": "task-3"}]
    assert tasks["task-1"]["dependencies"]["nodes"] == []
    assert tasks["task-1"]["project"] == {"name": "project-1"}
    assert sorted(c["content"] for c in tasks["task-1"]["comments"]["nodes"]) == [
        "note 1",
        "note 2",
    ]
    assert tasks["task-1"]["comments"]["nodes"][0]["user"] == {"email": people.alice.email}


async def test_user_projects_and_epic_issue_comment_paths(client: Client, people: People) -> None:
    project = await factories.project(client, "apollo")
    epic = await factories.epic(client, project["id"])
    issue = await factories.issue(client, project["id"], epicId=epic["id"])
    task = await factories.task(client, project["id"], epicId=epic["id"], issueId=issue["id"])
    await factories.comment(client, issueId=issue["id"], content="on the issue")

    response = await client.gql(
        "{ me { projects { nodes { name epics { nodes { key issues { nodes { number "
        "epic { key } comments { nodes { content issue { number } } } tasks { nodes { id "
        "epic { key } issue { number } } } } } tasks { nodes { id } } project { name } } } "
        "issues { totalCount } } } } }"
    )
    me = response.ok()["me"]
    project_data = me["projects"]["nodes"][0]
    epic_data = project_data["epics"]["nodes"][0]
    issue_data = epic_data["issues"]["nodes"][0]
    assert project_data["issues"]["totalCount"] == 1
    assert epic_data["project"] == {"name": "apollo"}
    assert epic_data["tasks"]["nodes"] == [{"id": task["id"]}]
    assert issue_data["epic"] == {"key": epic["key"]}
    assert issue_data["comments"]["nodes"] == [{"content": "on the issue", "issue": {"number": 1}}]
    assert issue_data["tasks"]["nodes"] == [
        {"id": task["id"], "epic": {"key": epic["key"]}, "issue": {"number": 1}}
    ]


async def test_fragments_and_aliases_select_the_right_columns(client: Client) -> None:
    project = await factories.project(client, "apollo", description="moon")
    await factories.task(client, project["id"], "first", key="k1")
    response = await client.gql(
        """
        fragment TaskBits on Task { key ... on Task { title } }
        query { all: projects { edges { cursor node { ...P } } }
                again: projects { nodes { name } } }
        fragment P on Project { description tasks { nodes { ...TaskBits } } }
        """
    )
    data = response.ok()
    assert data["all"]["edges"][0]["node"] == {
        "description": "moon",
        "tasks": {"nodes": [{"key": "k1", "title": "first"}]},
    }
    assert data["again"]["nodes"] == [{"name": "apollo"}]


async def test_total_count_costs_a_statement_only_when_asked(client: Client) -> None:
    project = await factories.project(client)
    await factories.task(client, project["id"])
    without = await client.gql("{ tasks { nodes { id } } }", headers=RESOLVED)
    with_count = await client.gql("{ tasks { totalCount nodes { id } } }", headers=RESOLVED)
    assert with_count.statements == without.statements + 1
