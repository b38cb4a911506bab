"""Given-steps shared by the tests: create rows through the API, as a client would."""

from __future__ import annotations

from typing import Any

from tests.conftest import Client

PROJECT = "id name ownerId status"
TASK = "id key title status priority projectId lockedBy"


async def project(client: Client, name: str = "apollo", **fields: Any) -> dict[str, Any]:
    response = await client.gql(
        f"mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ {PROJECT} }} }}",
        {"input": {"name": name, **fields}},
    )
    return response.ok()["createProject"]  # type: ignore[no-any-return]


async def task(
    client: Client, project_id: str, title: str = "a task", **fields: Any
) -> dict[str, Any]:
    response = await client.gql(
        f"mutation($input: CreateTaskInput!) {{ createTask(input: $input) {{ {TASK} }} }}",
        {"input": {"projectId": project_id, "title": title, **fields}},
    )
    return response.ok()["createTask"]  # type: ignore[no-any-return]


async def epic(client: Client, project_id: str, key: str = "epic-1", **fields: Any) -> dict:
    response = await client.gql(
        "mutation($input: CreateEpicInput!) { createEpic(input: $input) { id key title } }",
        {"input": {"projectId": project_id, "key": key, "title": f"Epic {key}", **fields}},
    )
    return response.ok()["createEpic"]  # type: ignore[no-any-return]


async def issue(client: Client, project_id: str, title: str = "an issue", **fields: Any) -> dict:
    response = await client.gql(
        "mutation($input: CreateIssueInput!) { createIssue(input: $input) { id number title } }",
        {"input": {"projectId": project_id, "title": title, **fields}},
    )
    return response.ok()["createIssue"]  # type: ignore[no-any-return]


async def comment(client: Client, content: str = "looks good", **fields: Any) -> dict:
    response = await client.gql(
        "mutation($input: CreateCommentInput!) "
        "{ createComment(input: $input) { id content author taskId issueId projectId } }",
        {"input": {"content": content, **fields}},
    )
    return response.ok()["createComment"]  # type: ignore[no-any-return]
