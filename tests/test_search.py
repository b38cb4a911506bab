"""Full-text ``search`` on the text-heavy connections: ranking, cursors, composition
with ``filter``, row-level security, the index, and bad input."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from aura.db.tables import knowledge
from aura.db.tables.search import CONFIG, document
from tests import factories
from tests.conftest import Client, People

RANKED = """
query($s: String, $f: TaskFilter, $first: Int, $after: String, $last: Int, $before: String) {
  tasks(search: $s, filter: $f, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    nodes { title }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    aggregate { count }
  }
}"""

TASKS = {
    "Database migration tool": "Moves schemas between versions.",
    "Write release notes": "Mention the database migration and the new index.",
    "Migrate migrations": "Migration after migration: migrating all the migrations.",
    "Fix the login page": "Users cannot sign in with a long password.",
    "Tune the cache": None,
}


@pytest.fixture
async def project(client: Client) -> dict[str, Any]:
    project = await factories.project(client, "search")
    for title, description in TASKS.items():
        fields = {} if description is None else {"description": description}
        await factories.task(client, project["id"], title, **fields)
    return project


async def _titles(client: Client, **variables: Any) -> list[str]:
    response = await client.gql(RANKED, variables)
    return [n["title"] for n in response.ok()["tasks"]["nodes"]]


async def test_results_come_best_first_as_the_rank_says(
    client: Client, db: asyncpg.Connection, project: dict[str, Any]
) -> None:
    # given: the ranking computed here from the documents
    expected = await db.fetch(
        f"SELECT title FROM tasks t, websearch_to_tsquery('{CONFIG}', $1) q"
        f" WHERE {document('tasks', 't')} @@ q AND project_id = $2::uuid"
        f" ORDER BY ts_rank_cd({document('tasks', 't')}, q) DESC, id",
        "migration",
        project["id"],
    )
    # when
    titles = await _titles(client, s="migration")
    # then: stemmed matches only, the title-heavy ones first
    assert titles == [r["title"] for r in expected]
    assert set(titles) == {
        "Database migration tool",
        "Write release notes",
        "Migrate migrations",
    }
    assert titles[-1] == "Write release notes"  # a description (weight B) match only


async def test_cursors_page_through_the_ranking_both_ways(
    client: Client, project: dict[str, Any]
) -> None:
    everything = await _titles(client, s="migration OR database OR password")
    assert len(everything) == 4
    seen: list[str] = []
    after = None
    while True:
        page = (
            await client.gql(
                RANKED, {"s": "migration OR database OR password", "first": 1, "after": after}
            )
        ).ok()["tasks"]
        seen += [n["title"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everything
    backward = (
        await client.gql(
            RANKED, {"s": "migration OR database OR password", "last": 2, "before": after}
        )
    ).ok()["tasks"]
    # `after` is the cursor of the third item: the two before it
    assert [n["title"] for n in backward["nodes"]] == everything[:2]
    # a cursor of the ranked order does not fit another order
    refused = await client.gql(
        'query($a: String) { tasks(search: "migration", orderBy: [{field: TITLE}], after: $a)'
        " { nodes { title } } }",
        {"a": after},
    )
    assert refused.codes == ["BAD_USER_INPUT"]


async def test_search_composes_with_filter_and_order(
    client: Client, project: dict[str, Any]
) -> None:
    ordered = await client.gql(
        '{ tasks(search: "migration", orderBy: [{field: TITLE}], '
        'filter: {title: {notIn: ["Migrate migrations"]}}) '
        "{ totalCount nodes { title } aggregate { count } } }"
    )
    result = ordered.ok()["tasks"]
    assert [n["title"] for n in result["nodes"]] == [
        "Database migration tool",
        "Write release notes",
    ]
    assert result["totalCount"] == result["aggregate"]["count"] == 2


async def test_search_sees_only_the_callers_rows(
    client: Client, people: People, project: dict[str, Any]
) -> None:
    # given: bob's task says "migration" too
    bob = client.as_(people.bob)
    theirs = await factories.project(bob, "bob's")
    await factories.task(bob, theirs["id"], "Bob's migration")
    # when
    alice = (await client.gql(RANKED, {"s": "migration"})).ok()["tasks"]
    seen_by_bob = (await bob.gql(RANKED, {"s": "migration"})).ok()["tasks"]
    nested = await bob.gql(
        'query($id: ID!) { project(id: $id) { tasks(search: "migration") { totalCount } } }',
        {"id": project["id"]},
    )
    # then
    assert "Bob's migration" not in [n["title"] for n in alice["nodes"]]
    assert alice["totalCount"] == 3
    assert [n["title"] for n in seen_by_bob["nodes"]] == ["Bob's migration"]
    assert seen_by_bob["totalCount"] == seen_by_bob["aggregate"]["count"] == 1
    assert nested.ok()["project"] is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "at least one word"),
        ("   ", "at least one word"),
        ("a" * 1001, "at most 1000"),
        ("nul\u0000byte", "search"),
    ],
)
async def test_bad_search_text_is_bad_user_input(
    client: Client, project: dict[str, Any], text: str, reason: str
) -> None:
    response = await client.gql(RANKED, {"s": text})
    assert response.codes == ["BAD_USER_INPUT"]
    assert reason in response.errors[0]["message"]


@pytest.mark.parametrize("text", ['"unclosed', "-", "or or", "the", "a" * 1000, "!!:*&|"])
async def test_odd_search_text_is_no_error(
    client: Client, project: dict[str, Any], text: str
) -> None:
    response = await client.gql(RANKED, {"s": text})
    assert response.ok()["tasks"]["totalCount"] == 0


async def test_every_text_heavy_connection_searches(
    client: Client, project: dict[str, Any]
) -> None:
    # given: one matching and one other row of each
    project_id = project["id"]
    task = await factories.task(client, project_id, "Needle holder")
    for word in ("needle", "haystack"):
        await factories.issue(client, project_id, f"Issue about the {word}")
        await factories.comment(client, f"A comment on the {word}", taskId=task["id"])
        await factories.create(
            client,
            "Event",
            {
                "eventType": "note.added",
                "projectId": project_id,
                "payload": {"text": f"the {word} moved"},
            },
        )
        await factories.create(
            client,
            "ExecutionLog",
            {"taskId": task["id"], "agentType": "WORKER", "message": f"found the {word}"},
        )
    source = await factories.create(
        client, "KnowledgeSource", {"projectId": project_id, "sourceType": "doc", "title": "Docs"}
    )
    for word in ("needles", "hay"):
        await factories.create(
            client, "KnowledgeChunk", {"sourceId": source["id"], "content": f"All about {word}."}
        )
    # when
    response = await client.gql(
        """query($id: ID!) {
          tasks(search: "needle") { totalCount }
          issues(search: "needle") { totalCount }
          comments(search: "needle") { totalCount }
          events(search: "needle", filter: {eventType: {eq: "note.added"}}) { totalCount }
          executionLogs(search: "needle") { totalCount }
          knowledgeChunks(search: "needle") { totalCount nodes { content } }
          project(id: $id) { tasks(search: "needle") { nodes { title } } }
        }""",
        {"id": project_id},
    )
    # then
    data = response.ok()
    assert {k: v["totalCount"] for k, v in data.items() if k != "project"} == {
        "tasks": 1,
        "issues": 1,
        "comments": 1,
        "events": 1,
        "executionLogs": 1,
        "knowledgeChunks": 1,
    }
    assert data["knowledgeChunks"]["nodes"] == [{"content": "All about needles."}]
    assert data["project"]["tasks"]["nodes"] == [{"title": "Needle holder"}]


async def test_searches_use_the_gin_indexes(db: asyncpg.Connection) -> None:
    # given: the planner told to avoid sequential scans, as it would on a large table
    await db.execute("SET enable_seqscan = off")
    for table in ("tasks", "issues", "comments", "events", "execution_logs"):
        # when
        rows = await db.fetch(
            f"EXPLAIN SELECT 1 FROM {table} t, websearch_to_tsquery('{CONFIG}', 'x') q"
            f" WHERE {document(table, 't')} @@ q"
        )
        text = "\n".join(r[0] for r in rows)
        # then
        assert f"ix_{table}_search" in text, text
    await db.execute("RESET enable_seqscan")


def test_knowledge_documents_share_the_configuration() -> None:
    assert knowledge.TEXT_SEARCH_CONFIG == CONFIG
    assert document("knowledge_chunks", "t") == "t.search_vector"
