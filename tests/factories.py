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


# -- orchestration ------------------------------------------------------------------------


async def create(
    client: Client, type_name: str, fields: dict[str, Any], selection: str = "id"
) -> dict[str, Any]:
    """``create<TypeName>(input: fields) { selection }``, asserting it succeeds."""
    response = await client.gql(
        f"mutation($input: Create{type_name}Input!) "
        f"{{ create{type_name}(input: $input) {{ {selection} }} }}",
        {"input": fields},
    )
    return response.ok()[f"create{type_name}"]  # type: ignore[no-any-return]


async def plan(
    client: Client, task_id: str, approach: str = "the obvious way", **fields: Any
) -> dict:
    return await create(
        client,
        "Plan",
        {"taskId": task_id, "approach": approach, **fields},
        "id key status taskId projectId",
    )


async def decision(client: Client, title: str = "which way", **fields: Any) -> dict:
    return await create(
        client,
        "Decision",
        {"title": title, **fields},
        "id title selectedOption choice projectId taskId planId",
    )


async def human_override(client: Client, **fields: Any) -> dict:
    values = {"aiSuggestion": "use a framework", "humanDecision": "keep it simple", **fields}
    return await create(client, "HumanOverride", values, "id appliedCount projectId taskId")


async def workflow(client: Client, name: str = "morning digest", **fields: Any) -> dict:
    return await create(client, "Workflow", {"name": name, **fields}, "id name userId")


async def task_history(client: Client, description: str = "send the digest", **fields: Any) -> dict:
    return await create(
        client, "TaskHistory", {"description": description, **fields}, "id status userId"
    )


async def execution_log(
    client: Client,
    task_id: str,
    message: str = "thinking",
    agent_type: str = "PLANNER",
    **fields: Any,
) -> dict:
    values = {"taskId": task_id, "message": message, "agentType": agent_type, **fields}
    return await create(client, "ExecutionLog", values, "id level agentType createdAt")
