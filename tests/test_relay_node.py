"""Relay's Node interface: ``nodeId`` on every entity, ``node``/``nodes`` under row-level
security and scopes, and relay-compiler's ``@refetchable`` queries run against the API."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aura.api import build_schema
from aura.config import Settings
from tests import factories
from tests.conftest import Client, People, User
from tests.node import npm_installed

RELAY = Path(__file__).parent / "relay"
ROOT = Path(__file__).parent.parent

FRAGMENTS = """
graphql`
  fragment TaskCard_task on Task @refetchable(queryName: "TaskCardRefetchQuery") {
    title
    status
  }
`;
graphql`
  fragment ProjectTasks_project on Project
  @refetchable(queryName: "ProjectTasksPaginationQuery")
  @argumentDefinitions(count: {type: "Int", defaultValue: 2}, cursor: {type: "String"}) {
    name
    tasks(first: $count, after: $cursor) @connection(key: "ProjectTasks_tasks") {
      edges { node { title } }
    }
  }
`;
"""

CONFIG = {
    "src": "./src",
    "schema": "./schema.graphql",
    "language": "javascript",
    "artifactDirectory": "./src/__generated__",
    "schemaConfig": {"nodeInterfaceIdField": "nodeId", "nodeInterfaceIdVariableName": "nodeId"},
}


@pytest.fixture
async def work(client: Client) -> dict[str, Any]:
    project = await factories.project(client, "relay")
    tasks = [await factories.task(client, project["id"], f"Task {n}") for n in range(3)]
    ids = await client.gql(
        "{ projects { nodes { nodeId } } tasks(orderBy: [{field: TITLE}]) { nodes { id nodeId } } }"
    )
    data = ids.ok()
    return {
        "project": project,
        "project_node": data["projects"]["nodes"][0]["nodeId"],
        "tasks": tasks,
        "task_nodes": [n["nodeId"] for n in data["tasks"]["nodes"]],
    }


def test_every_entity_type_is_a_node() -> None:
    schema = build_schema(Settings()).graphql_schema
    node = schema.type_map["Node"]
    implementations = {t.name for t in schema.get_possible_types(node)}  # type: ignore[arg-type]
    assert {"Task", "Project", "Comment", "Secret", "KnowledgeChunk", "User"} <= implementations
    for name in implementations:
        assert "nodeId" in schema.type_map[name].fields  # type: ignore[union-attr]
    # views keyed by something else than an `id` are nodes of that key
    assert "id" not in schema.type_map["EstimationAccuracy"].fields  # type: ignore[union-attr]
    assert "EstimationAccuracy" in implementations


async def test_node_ids_are_base64_of_type_and_uuid(work: dict[str, Any]) -> None:
    first = work["task_nodes"][0]
    decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode()
    assert decoded == f"Task:{work['tasks'][0]['id']}"


async def test_node_and_nodes_under_row_level_security(
    client: Client, people: People, work: dict[str, Any]
) -> None:
    query = """query($id: ID!, $ids: [ID!]!) {
      node(nodeId: $id) { nodeId __typename ... on Task { id title } }
      nodes(nodeIds: $ids) { __typename ... on Project { name } ... on Task { title } }
    }"""
    variables = {
        "id": work["task_nodes"][1],
        "ids": [work["project_node"], work["task_nodes"][2], work["task_nodes"][0]],
    }
    mine = (await client.gql(query, variables)).ok()
    theirs = (await client.gql(query, variables, as_user=people.bob)).ok()
    assert mine["node"] == {
        "nodeId": work["task_nodes"][1],
        "__typename": "Task",
        "id": work["tasks"][1]["id"],
        "title": "Task 1",
    }
    assert mine["nodes"] == [
        {"__typename": "Project", "name": "relay"},
        {"__typename": "Task", "title": "Task 2"},
        {"__typename": "Task", "title": "Task 0"},
    ]
    assert theirs == {"node": None, "nodes": [None, None, None]}


@pytest.mark.parametrize(
    "node_id",
    ["not base64!", base64.b64encode(b"Nope:123").decode(), base64.b64encode(b"Task:42").decode()],
)
async def test_bad_node_ids_are_bad_user_input(client: Client, node_id: str) -> None:
    response = await client.gql("query($id: ID!) { node(nodeId: $id) { nodeId } }", {"id": node_id})
    assert response.codes == ["BAD_USER_INPUT"]


async def test_node_needs_the_scope_of_its_type(
    client: Client, people: People, work: dict[str, Any]
) -> None:
    issued = await client.gql(
        "mutation($i: IssueAccessTokenInput!) { issueAccessToken(input: $i) { accessToken } }",
        {"i": {"name": "accounts only", "scopes": ["accounts:read"]}},
    )
    token = issued.ok()["issueAccessToken"]["accessToken"]
    scoped = User(people.alice.id, people.alice.email, people.alice.role, token)
    refused = await client.gql(
        "query($id: ID!) { node(nodeId: $id) { nodeId } }",
        {"id": work["task_nodes"][0]},
        as_user=scoped,
    )
    assert refused.codes == ["FORBIDDEN"]
    assert "work:read" in refused.errors[0]["message"]


def _compile(tmp_path: Path) -> dict[str, str]:
    """relay-compiler's query text for each refetch query of FRAGMENTS."""
    npm_installed(RELAY, "relay-compiler", "relay-compiler")
    (tmp_path / "src" / "__generated__").mkdir(parents=True)
    (tmp_path / "src" / "fragments.js").write_text(FRAGMENTS)
    shutil.copy(ROOT / "schema.graphql", tmp_path / "schema.graphql")
    (tmp_path / "relay.config.json").write_text(json.dumps(CONFIG))
    done = subprocess.run(
        [str(RELAY / "node_modules" / ".bin" / "relay-compiler"), "relay.config.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    texts = {}
    for name in ("TaskCardRefetchQuery", "ProjectTasksPaginationQuery"):
        artifact = (tmp_path / "src" / "__generated__" / f"{name}.graphql.js").read_text()
        quoted = re.findall(r'"text": ("(?:[^"\\]|\\.)*")', artifact)
        texts[name] = json.loads(quoted[-1])
    return texts


async def test_relay_compiler_refetch_queries_run_against_the_api(
    client: Client, work: dict[str, Any], tmp_path: Path
) -> None:
    # given: relay-compiler's refetch queries of a Task fragment and a project's tasks
    texts = _compile(tmp_path)
    # when
    card = await client.gql(texts["TaskCardRefetchQuery"], {"nodeId": work["task_nodes"][0]})
    first = await client.gql(
        texts["ProjectTasksPaginationQuery"], {"nodeId": work["project_node"], "count": 2}
    )
    page = first.ok()["node"]["tasks"]
    second = await client.gql(
        texts["ProjectTasksPaginationQuery"],
        {"nodeId": work["project_node"], "count": 2, "cursor": page["pageInfo"]["endCursor"]},
    )
    # then
    assert card.ok()["node"] == {
        "__typename": "Task",
        "title": "Task 0",
        "status": "PENDING",
        "nodeId": work["task_nodes"][0],
    }
    titles = [e["node"]["title"] for e in page["edges"]]
    rest = [e["node"]["title"] for e in second.ok()["node"]["tasks"]["edges"]]
    assert sorted(titles + rest) == ["Task 0", "Task 1", "Task 2"]
    assert len(titles) == 2
    assert page["pageInfo"]["hasNextPage"] is True
