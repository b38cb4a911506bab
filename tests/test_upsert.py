"""Upserts on natural keys: insert or update, KEEP, concurrent upserts of one key, bad
input, row-level security, and the events a single change appends."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People

UPSERT = """
mutation($input: CreateTaskInput!, $on: ConflictAction! = UPDATE) {
  upsertTask(input: $input, onConflict: $on) { id key title priority status }
}"""


@pytest.fixture
async def project(client: Client) -> dict[str, Any]:
    return await factories.project(client, "upserts")


async def _upsert(client: Client, on: str = "UPDATE", **input: Any) -> Any:
    return await client.gql(UPSERT, {"input": input, "on": on})


async def _events(db: asyncpg.Connection, task_id: str) -> list[str]:
    rows = await db.fetch(
        "SELECT event_type FROM events WHERE task_id = $1::uuid ORDER BY created_at, id", task_id
    )
    return [r[0] for r in rows]


async def test_upsert_inserts_then_updates_the_same_row(
    client: Client, db: asyncpg.Connection, project: dict[str, Any]
) -> None:
    # when
    first = (await _upsert(client, projectId=project["id"], key="t-1", title="One")).ok()
    second = (
        await _upsert(client, projectId=project["id"], key="t-1", title="Uno", status="IN_PROGRESS")
    ).ok()
    kept = (await _upsert(client, "KEEP", projectId=project["id"], key="t-1", title="X")).ok()
    # then
    created, changed = first["upsertTask"], second["upsertTask"]
    assert changed["id"] == created["id"] == kept["upsertTask"]["id"]
    assert (changed["title"], changed["status"], changed["priority"]) == (
        "Uno",
        "IN_PROGRESS",
        "MEDIUM",
    )
    assert kept["upsertTask"]["title"] == "Uno"
    assert await db.fetchval("SELECT count(*) FROM tasks WHERE project_id = $1", project["id"]) == 1
    # the events of createTask then of updateTask (KEEP changed nothing: no event)
    single = await factories.task(client, project["id"], "Single", key="t-2")
    await client.gql(
        'mutation($id: ID!) { updateTask(id: $id, input: {title: "Two", status: IN_PROGRESS})'
        " { id } }",
        {"id": single["id"]},
    )
    assert await _events(db, created["id"]) == await _events(db, single["id"])
    assert len(await _events(db, created["id"])) == 3


async def test_concurrent_upserts_of_one_key_make_one_row(
    client: Client, db: asyncpg.Connection, project: dict[str, Any]
) -> None:
    # when: five clients upsert the same key at once
    responses = await asyncio.gather(
        *(
            _upsert(client, projectId=project["id"], key="race", title=f"Racer {n}")
            for n in range(5)
        )
    )
    # then: all succeed, on one row
    ids = {r.ok()["upsertTask"]["id"] for r in responses}
    assert len(ids) == 1
    rows = await db.fetch("SELECT id, title FROM tasks WHERE key = 'race'")
    assert len(rows) == 1
    assert str(rows[0]["id"]) in ids
    assert rows[0]["title"].startswith("Racer ")


@pytest.mark.parametrize(
    ("extra", "message"),
    [({}, "key must be given"), ({"key": "k", "dependencyIds": []}, "cannot set dependencyIds")],
)
async def test_bad_upserts_are_refused(
    client: Client,
    db: asyncpg.Connection,
    project: dict[str, Any],
    extra: dict[str, Any],
    message: str,
) -> None:
    response = await _upsert(client, projectId=project["id"], title="T", **extra)
    assert response.codes == ["BAD_USER_INPUT"]
    assert message in response.errors[0]["message"]
    assert await db.fetchval("SELECT count(*) FROM tasks") == 0


async def test_an_upsert_cannot_reach_another_tenants_row(
    client: Client, people: People, db: asyncpg.Connection, project: dict[str, Any]
) -> None:
    # given: alice's task
    await _upsert(client, projectId=project["id"], key="mine", title="Alice's")
    # when: bob upserts the same key in her project
    response = await _upsert(
        client.as_(people.bob), projectId=project["id"], key="mine", title="Bob's"
    )
    # then
    # her project is invisible to bob: it reads as one that does not exist
    assert response.codes == ["BAD_USER_INPUT"]
    assert "no such project" in response.errors[0]["message"]
    assert await db.fetchval("SELECT title FROM tasks WHERE key = 'mine'") == "Alice's"


async def test_upsert_epic_on_its_project_and_key(client: Client, project: dict[str, Any]) -> None:
    query = "mutation($i: CreateEpicInput!) { upsertEpic(input: $i) { id title } }"
    first = await client.gql(query, {"i": {"projectId": project["id"], "key": "e", "title": "A"}})
    second = await client.gql(query, {"i": {"projectId": project["id"], "key": "e", "title": "B"}})
    assert first.ok()["upsertEpic"]["id"] == second.ok()["upsertEpic"]["id"]
    assert second.ok()["upsertEpic"]["title"] == "B"


async def test_upsert_plan_and_service_status_on_their_keys(
    client: Client, db: asyncpg.Connection, project: dict[str, Any]
) -> None:
    # given
    task = await factories.task(client, project["id"], "Planned")
    plan = "mutation($i: CreatePlanInput!) { upsertPlan(input: $i) { id approach projectId } }"
    service = (
        "mutation($i: CreateServiceStatusInput!) { upsertServiceStatus(input: $i) "
        "{ id status responseTimeMs } }"
    )
    # when
    plans = [
        (await client.gql(plan, {"i": {"taskId": task["id"], "key": "p", "approach": a}})).ok()
        for a in ("first", "second")
    ]
    services = [
        (
            await client.gql(
                service,
                {"i": {"projectId": project["id"], "serviceName": "api", "responseTimeMs": ms}},
            )
        ).ok()
        for ms in (10, 20)
    ]
    keyless = await client.gql(plan, {"i": {"taskId": task["id"], "approach": "x"}})
    # then
    assert plans[0]["upsertPlan"]["id"] == plans[1]["upsertPlan"]["id"]
    assert plans[1]["upsertPlan"]["approach"] == "second"
    assert plans[1]["upsertPlan"]["projectId"] == project["id"]
    assert services[0]["upsertServiceStatus"]["id"] == services[1]["upsertServiceStatus"]["id"]
    assert services[1]["upsertServiceStatus"]["responseTimeMs"] == 20
    assert keyless.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM plans") == 1
    assert await db.fetchval("SELECT count(*) FROM service_status") == 1
