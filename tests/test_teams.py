"""Managers: bonus windows (admins write, managers read) and their team's time tracking,
nothing more."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from tests import factories
from tests.conftest import Client, People, make_user

WINDOW = {
    "name": "Q1 push",
    "startTime": "2020-01-01T00:00:00Z",
    "endTime": "2100-01-01T00:00:00Z",
    "targetTaskCount": 1,
    "targetTaskCountTier2": 5,
}
CREATE = "mutation($input: CreateBonusWindowInput!) { createBonusWindow(input: $input) { id } }"
ENTRIES = "{ teamTimeEntries { nodes { id memberId projectName taskTitle actualMinutes } } }"


@pytest.fixture
async def team(client: Client, people: People, db: asyncpg.Connection) -> dict[str, Any]:
    """grace manages alice; bob is in nobody's team. Both have a timed task."""
    grace = await make_user(db, "grace@example.com", "MANAGER")
    admin = client.as_(people.admin)
    (
        await admin.gql(
            "mutation($id: ID!, $m: ID) { setUserManager(id: $id, managerId: $m) { id } }",
            {"id": people.alice.id, "m": grace.id},
        )
    ).ok()
    alices = await factories.project(client, "alice-work")
    alice_task = await factories.task(client, alices["id"], "alice task", estimatedMinutes=30)
    bob = client.as_(people.bob)
    bobs = await factories.project(bob, "bob-work")
    bob_task = await factories.task(bob, bobs["id"], "bob task")
    await db.execute(
        "UPDATE tasks SET actual_minutes = CASE id WHEN $1 THEN 45 ELSE 10 END "
        "WHERE id IN ($1, $2)",
        alice_task["id"],
        bob_task["id"],
    )
    window = (await admin.gql(CREATE, {"input": WINDOW})).ok()["createBonusWindow"]
    return {
        "grace": grace,
        "alice_project": alices,
        "alice_task": alice_task,
        "bob_task": bob_task,
        "window": window,
    }


async def test_manager_sees_team_time_tracking_only(
    client: Client, people: People, team: dict[str, Any]
):
    grace = client.as_(team["grace"])
    entries = (await grace.gql(ENTRIES)).ok()["teamTimeEntries"]["nodes"]
    assert entries == [
        {
            "id": team["alice_task"]["id"],
            "memberId": people.alice.id,
            "projectName": "alice-work",
            "taskTitle": "alice task",
            "actualMinutes": 45,
        }
    ]
    # nothing more of the team's projects
    assert (await grace.gql("{ tasks { totalCount } }")).ok()["tasks"]["totalCount"] == 0
    assert (await grace.gql("{ projects { totalCount } }")).ok()["projects"]["totalCount"] == 0
    assert (
        await grace.gql(
            "query($id: ID!) { task(id: $id) { id } }", {"id": team["alice_task"]["id"]}
        )
    ).ok()["task"] is None
    assert (
        await grace.gql("query($id: ID!) { user(id: $id) { id } }", {"id": people.alice.id})
    ).ok()["user"] is None
    # and no writes there
    update = await grace.gql(
        'mutation($id: ID!) { updateTask(id: $id, input: {title: "mine"}) { id } }',
        {"id": team["alice_task"]["id"]},
    )
    assert update.codes == ["NOT_FOUND"]
    # a plain user sees no team entries, the admin all of them
    assert (await client.as_(people.bob).gql(ENTRIES)).ok()["teamTimeEntries"]["nodes"] == []
    admin_entries = (await client.as_(people.admin).gql(ENTRIES)).ok()
    assert len(admin_entries["teamTimeEntries"]["nodes"]) == 2


async def test_another_manager_sees_nothing_of_this_team(
    client: Client, people: People, db: asyncpg.Connection, team: dict[str, Any]
):
    other = client.as_(await make_user(db, "other@example.com", "MANAGER"))
    assert (await other.gql(ENTRIES)).ok()["teamTimeEntries"]["nodes"] == []
    progress = await other.gql(
        "query($w: ID!) { teamBonusProgress(windowId: $w) { memberId } }",
        {"w": team["window"]["id"]},
    )
    assert progress.ok()["teamBonusProgress"] == []


async def test_a_demoted_manager_loses_the_team(
    client: Client, people: People, team: dict[str, Any]
):
    admin = client.as_(people.admin)
    (
        await admin.gql(
            "mutation($id: ID!) { setUserRole(id: $id, role: USER) { role } }",
            {"id": team["grace"].id},
        )
    ).ok()
    grace = client.as_(team["grace"])
    assert (await grace.gql(ENTRIES)).ok()["teamTimeEntries"]["nodes"] == []
    assert (await grace.gql("{ bonusWindows { totalCount } }")).ok()["bonusWindows"][
        "totalCount"
    ] == 0


async def test_bonus_windows_admins_write_managers_read(
    client: Client, people: People, db: asyncpg.Connection, team: dict[str, Any]
):
    grace = client.as_(team["grace"])
    window_id = team["window"]["id"]
    listed = (await grace.gql("{ bonusWindows { nodes { id name targetTaskCount } } }")).ok()
    assert listed["bonusWindows"]["nodes"] == [
        {"id": window_id, "name": "Q1 push", "targetTaskCount": 1}
    ]
    # users see none
    for who in (people.alice, people.bob, people.pending):
        response = await client.as_(who).gql("{ bonusWindows { totalCount } }")
        assert response.ok()["bonusWindows"]["totalCount"] == 0
    # nobody but admins writes
    for who in (team["grace"], people.alice):
        actor = client.as_(who)
        assert (await actor.gql(CREATE, {"input": WINDOW})).codes == ["FORBIDDEN"]
        update = await actor.gql(
            'mutation($id: ID!) { updateBonusWindow(id: $id, input: {name: "mine"}) { id } }',
            {"id": window_id},
        )
        assert update.codes == ["NOT_FOUND"]
        delete = await actor.gql(
            "mutation($id: ID!) { deleteBonusWindow(id: $id) }", {"id": window_id}
        )
        assert delete.codes == ["NOT_FOUND"]
    assert await db.fetchval("SELECT name FROM bonus_windows WHERE id = $1", window_id) == "Q1 push"
    # admins validate and change
    admin = client.as_(people.admin)
    bad = await admin.gql(CREATE, {"input": {**WINDOW, "endTime": "2019-01-01T00:00:00Z"}})
    assert bad.codes == ["BAD_USER_INPUT"]
    negative = await admin.gql(CREATE, {"input": {**WINDOW, "targetTaskCount": -1}})
    assert negative.codes == ["BAD_USER_INPUT"]
    renamed = await admin.gql(
        'mutation($id: ID!) { updateBonusWindow(id: $id, input: {name: "Q2"}) { name createdBy } }',
        {"id": window_id},
    )
    assert renamed.ok()["updateBonusWindow"] == {"name": "Q2", "createdBy": people.admin.id}
    deleted = await admin.gql(
        "mutation($id: ID!) { deleteBonusWindow(id: $id) }", {"id": window_id}
    )
    assert deleted.ok()["deleteBonusWindow"] == window_id


async def test_team_bonus_progress(
    client: Client, people: People, db: asyncpg.Connection, team: dict[str, Any]
):
    # given: alice completes her task inside the window
    task_id = team["alice_task"]["id"]
    for status in ("IN_PROGRESS", "COMPLETED"):
        (
            await client.gql(
                "mutation($id: ID!, $s: TaskStatus!) "
                "{ updateTask(id: $id, input: {status: $s}) { id } }",
                {"id": task_id, "s": status},
            )
        ).ok()
    grace = client.as_(team["grace"])
    progress = await grace.gql(
        "query($w: ID!) { teamBonusProgress(windowId: $w) { memberId memberName completedTasks "
        "actualMinutes estimatedMinutes qualifiesTier1 qualifiesTier2 } }",
        {"w": team["window"]["id"]},
    )
    assert progress.ok()["teamBonusProgress"] == [
        {
            "memberId": people.alice.id,
            "memberName": "Alice",
            "completedTasks": 1,
            "actualMinutes": 45,
            "estimatedMinutes": 30,
            "qualifiesTier1": True,
            "qualifiesTier2": False,
        }
    ]
    hidden = await client.gql(
        "query($w: ID!) { teamBonusProgress(windowId: $w) { memberId } }",
        {"w": team["window"]["id"]},
    )
    assert hidden.codes == ["NOT_FOUND"]


async def test_only_managers_lead_teams(client: Client, people: People, team: dict[str, Any]):
    admin = client.as_(people.admin)
    response = await admin.gql(
        "mutation($id: ID!, $m: ID) { setUserManager(id: $id, managerId: $m) { id } }",
        {"id": people.bob.id, "m": people.alice.id},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    self_managed = await admin.gql(
        "mutation($id: ID!, $m: ID) { setUserManager(id: $id, managerId: $m) { id } }",
        {"id": team["grace"].id, "m": team["grace"].id},
    )
    assert self_managed.codes == ["BAD_USER_INPUT"]
