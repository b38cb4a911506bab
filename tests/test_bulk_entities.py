"""Filtered bulk updates and deletes of every entity offering them beyond tasks, issues,
epics and comments (tests/test_bulk.py): they change every matching row of the caller,
none of another tenant's, and a change refused for one row changes none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from aura.api import build_schema
from aura.config import Settings
from tests import factories
from tests.conftest import Client, People


@dataclass(frozen=True)
class Case:
    type_name: str  # the GraphQL type; the fields are update<type>s and delete<type>s
    table: str
    create: dict[str, Any]  # createX's input ("$project", "$task": the caller's rows)
    unique: str | None  # a field each row needs its own value of (given as "$n"), if any
    set: dict[str, Any]  # a change every row accepts
    refused: dict[str, Any]  # a change refused (for the second row, when a key is shared)

    @property
    def plural(self) -> str:
        return "ServiceStatuses" if self.type_name == "ServiceStatus" else f"{self.type_name}s"


CASES = [
    Case(
        "Plan",
        "plans",
        {"taskId": "$task", "approach": "one"},
        "key",
        {"approach": "bulk"},
        {"key": "same"},
    ),
    Case(
        "Decision",
        "decisions",
        {"taskId": "$task", "title": "which"},
        "key",
        {"title": "bulk"},
        {"key": "same"},
    ),
    Case(
        "Result",
        "results",
        {"taskId": "$task", "status": "SUCCESS"},
        "key",
        {"summary": "bulk"},
        {"key": "same"},
    ),
    Case(
        "Artifact",
        "artifacts",
        {"taskId": "$task", "type": "DIFF", "ref": "r"},
        None,
        {"summary": "bulk"},
        {"ref": " "},
    ),
    Case(
        "ServiceStatus",
        "service_status",
        {"projectId": "$project"},
        "serviceName",
        {"errorMessage": "bulk"},
        {"serviceName": "same"},
    ),
    Case("Workflow", "workflows", {}, "name", {"description": "bulk"}, {"name": "same"}),
    Case(
        "DataRecord",
        "data_records",
        {"projectId": "$project", "type": "TASK", "content": "c"},
        None,
        {"content": "bulk"},
        {"content": " "},
    ),
]
IDS = [c.type_name for c in CASES]


async def _rows(client: Client, case: Case, tag: str, count: int = 2) -> list[str]:
    project = await factories.project(client, f"bulk {tag}")
    task = await factories.task(client, project["id"], "Bulk")
    refs = {"$project": project["id"], "$task": task["id"]}
    made = []
    for n in range(count):
        values = {k: refs.get(v, v) if isinstance(v, str) else v for k, v in case.create.items()}
        if case.unique:
            values[case.unique] = f"{tag}-{n}"
        made.append((await factories.create(client, case.type_name, values))["id"])
    return made


async def _table(db: asyncpg.Connection, table: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(f"SELECT * FROM {table} ORDER BY id")]


def _update(case: Case) -> str:
    return (
        f"mutation($set: Update{case.type_name}Input!) "
        f"{{ update{case.plural}(filter: {{}}, set: $set) {{ id }} }}"
    )


def test_every_bulk_change_is_covered() -> None:
    mutation = build_schema(Settings()).graphql_schema.mutation_type
    assert mutation is not None
    bulk = {n for n, f in mutation.fields.items() if "filter" in f.args}
    older = {f"{v}{t}" for v in ("update", "delete") for t in ("Tasks", "Issues", "Epics")}
    older |= {"updateComments", "deleteComments"}
    assert bulk - older == {f"{v}{c.plural}" for c in CASES for v in ("update", "delete")}


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_bulk_update_and_delete_change_every_match(
    client: Client, db: asyncpg.Connection, case: Case
) -> None:
    made = await _rows(client, case, "mine")
    # when
    updated = await client.gql(_update(case), {"set": case.set})
    ((column, value),) = case.set.items()
    stored = await db.fetch(f"SELECT id::text FROM {case.table} WHERE {_snake(column)} = $1", value)
    deleted = await client.gql(f"mutation {{ delete{case.plural}(filter: {{}}) }}")
    # then
    assert sorted(r["id"] for r in updated.ok()[f"update{case.plural}"]) == sorted(made)
    assert sorted(r["id"] for r in stored) == sorted(made)
    assert sorted(deleted.ok()[f"delete{case.plural}"]) == sorted(made)
    assert await db.fetchval(f"SELECT count(*) FROM {case.table}") == 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_a_bulk_update_refused_for_one_row_changes_none(
    client: Client, db: asyncpg.Connection, case: Case
) -> None:
    await _rows(client, case, "mine")
    before = await _table(db, case.table)
    events = await db.fetchval("SELECT count(*) FROM events")
    # when
    response = await client.gql(_update(case), {"set": {**case.set, **case.refused}})
    # then
    assert response.codes in (["CONFLICT"], ["BAD_USER_INPUT"])
    assert await _table(db, case.table) == before
    assert await db.fetchval("SELECT count(*) FROM events") == events


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_bulk_changes_reach_only_the_callers_rows(
    client: Client, people: People, db: asyncpg.Connection, case: Case
) -> None:
    # given: alice's rows and one of bob's
    await _rows(client, case, "alice")
    bob = client.as_(people.bob)
    (own,) = await _rows(bob, case, "bob", count=1)
    before = await _table(db, case.table)
    # when: bob changes, then deletes, everything
    updated = await bob.gql(_update(case), {"set": case.set})
    deleted = await bob.gql(f"mutation {{ delete{case.plural}(filter: {{}}) }}")
    # then: only his row
    assert [r["id"] for r in updated.ok()[f"update{case.plural}"]] == [own]
    assert deleted.ok()[f"delete{case.plural}"] == [own]
    after = await _table(db, case.table)
    assert after == [r for r in before if str(r["id"]) != own]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
