"""Every upsert on a natural key: it creates a row, an UPDATE upsert of the same key
changes that row, a KEEP upsert leaves it; system settings keep the admin rule and the
sealing of secret values, also when upserted concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from graphql import get_named_type

from aura.api import build_schema
from aura.config import Settings
from tests import factories
from tests.conftest import Client, People
from tests.test_vault import create_secret


@dataclass(frozen=True)
class Case:
    field: str
    table: str
    field_name: str  # the field the upserts set: v1, then v2 (UPDATE), then v3 (KEEP)
    values: tuple[Any, Any, Any]
    input: Callable[[dict[str, str]], dict[str, Any]]  # the rest of the input, natural key included
    admin: bool = False  # only administrators write these

    @property
    def id_field(self) -> str:
        return "key" if self.table == "system_settings" else "id"


CASES = [
    Case("upsertProject", "projects", "description", ("a", "b", "c"), lambda c: {"name": "up"}),
    Case(
        "upsertEpic",
        "epics",
        "title",
        ("a", "b", "c"),
        lambda c: {"projectId": c["project"], "key": "e-up"},
    ),
    Case(
        "upsertTask",
        "tasks",
        "title",
        ("a", "b", "c"),
        lambda c: {"projectId": c["project"], "key": "t-up"},
    ),
    Case(
        "upsertPlan",
        "plans",
        "approach",
        ("a", "b", "c"),
        lambda c: {"taskId": c["task"], "key": "p-up"},
    ),
    Case(
        "upsertDecision",
        "decisions",
        "title",
        ("a", "b", "c"),
        lambda c: {"taskId": c["task"], "key": "d-up"},
    ),
    Case(
        "upsertResult",
        "results",
        "summary",
        ("a", "b", "c"),
        lambda c: {"taskId": c["task"], "key": "r-up", "status": "SUCCESS"},
    ),
    Case(
        "upsertServiceStatus",
        "service_status",
        "errorMessage",
        ("a", "b", "c"),
        lambda c: {"projectId": c["project"], "serviceName": "api"},
    ),
    Case("upsertWorkflow", "workflows", "description", ("a", "b", "c"), lambda c: {"name": "w"}),
    Case(
        "upsertLikertScore",
        "likert_scores",
        "realismScore",
        (2, 5, 7),
        lambda c: {"recordId": c["record"], "qualityScore": 4},
    ),
    Case(
        "upsertSecretRotationSchedule",
        "secret_rotation_schedule",
        "rotationIntervalDays",
        (30, 60, 90),
        lambda c: {"secretId": c["secret"]},
    ),
    Case(
        "upsertSecretTemplate",
        "secret_templates",
        "description",
        ("a", "b", "c"),
        lambda c: {"templateName": "up", "secretType": "api_key"},
        admin=True,
    ),
    Case(
        "upsertEstimationFactor",
        "estimation_factors",
        "description",
        ("a", "b", "c"),
        lambda c: {"factorName": "up"},
        admin=True,
    ),
    Case(
        "upsertSystemSetting",
        "system_settings",
        "value",
        ("a", "b", "c"),
        lambda c: {"key": "up.test"},
        admin=True,
    ),
]


@pytest.fixture
async def rows(client: Client) -> dict[str, str]:
    project = await factories.project(client, "keys")
    task = await factories.task(client, project["id"], "Keyed")
    secret = await create_secret(client, project["id"])
    record = await client.gql(
        "mutation($i: CreateDataRecordInput!) { createDataRecord(input: $i) { id } }",
        {"i": {"projectId": project["id"], "type": "TASK", "content": "rate me"}},
    )
    return {
        "project": project["id"],
        "task": task["id"],
        "secret": secret["id"],
        "record": record.ok()["createDataRecord"]["id"],
    }


def test_every_upsert_is_covered() -> None:
    mutation = build_schema(Settings()).graphql_schema.mutation_type
    assert mutation is not None
    upserts = {n for n, f in mutation.fields.items() if "onConflict" in f.args}
    assert upserts == {c.field for c in CASES}
    for case in CASES:
        # each returns its entity, whose type the field is named after
        returned = get_named_type(mutation.fields[case.field].type).name
        assert case.field == f"upsert{returned}"


@pytest.mark.parametrize("case", CASES, ids=[c.field for c in CASES])
async def test_upsert_creates_updates_and_keeps(
    client: Client, people: People, db: asyncpg.Connection, rows: dict[str, str], case: Case
) -> None:
    caller = client.as_(people.admin) if case.admin else client
    type_name = case.field.removeprefix("upsert")
    input_type = (
        "SetSystemSettingInput" if type_name == "SystemSetting" else f"Create{type_name}Input"
    )
    query = (
        f"mutation($i: {input_type}!, $on: ConflictAction!) "
        f"{{ {case.field}(input: $i, onConflict: $on) {{ {case.id_field} {case.field_name} }} }}"
    )
    base = case.input(rows)
    before = await db.fetchval(f"SELECT count(*) FROM {case.table}")

    async def upsert(value: Any, on: str) -> dict[str, Any]:
        response = await caller.gql(query, {"i": {**base, case.field_name: value}, "on": on})
        return response.ok()[case.field]  # type: ignore[no-any-return]

    # when
    created = await upsert(case.values[0], "UPDATE")
    updated = await upsert(case.values[1], "UPDATE")
    kept = await upsert(case.values[2], "KEEP")
    # then
    assert created[case.field_name] == case.values[0]
    assert updated[case.id_field] == kept[case.id_field] == created[case.id_field]
    assert updated[case.field_name] == kept[case.field_name] == case.values[1]
    assert await db.fetchval(f"SELECT count(*) FROM {case.table}") == before + 1


ADMIN_ONLY = [c for c in CASES if c.admin]


@pytest.mark.parametrize("case", ADMIN_ONLY, ids=[c.field for c in ADMIN_ONLY])
async def test_admin_only_upserts_refuse_members(
    client: Client, db: asyncpg.Connection, rows: dict[str, str], case: Case
) -> None:
    type_name = case.field.removeprefix("upsert")
    input_type = (
        "SetSystemSettingInput" if type_name == "SystemSetting" else f"Create{type_name}Input"
    )
    before = await db.fetchval(f"SELECT count(*) FROM {case.table}")
    response = await client.gql(
        f"mutation($i: {input_type}!) {{ {case.field}(input: $i) {{ {case.id_field} }} }}",
        {"i": {**case.input(rows), case.field_name: case.values[0]}},
    )
    assert response.codes == ["FORBIDDEN"]
    assert await db.fetchval(f"SELECT count(*) FROM {case.table}") == before


SETTING = (
    "mutation($i: SetSystemSettingInput!, $on: ConflictAction! = UPDATE) "
    "{ upsertSystemSetting(input: $i, onConflict: $on) { key value isSecret } }"
)


async def test_concurrent_setting_upserts_make_one_sealed_setting(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    # when: five administrators' requests upsert one secret setting at once
    responses = await asyncio.gather(
        *(admin.gql(SETTING, {"i": {"key": "race_token", "value": f"v{n}"}}) for n in range(5))
    )
    kept = await admin.gql(SETTING, {"i": {"key": "race_token", "value": "late"}, "on": "KEEP"})
    # then: all succeed on one row, stored sealed, and KEEP returns the winner's value
    values = {r.ok()["upsertSystemSetting"]["value"] for r in responses}
    assert values <= {f"v{n}" for n in range(5)}
    row = await db.fetchrow(
        "SELECT value, encrypted_value, is_secret FROM system_settings WHERE key = 'race_token'"
    )
    assert row["is_secret"]
    assert row["value"] is None
    assert row["encrypted_value"] is not None
    assert await db.fetchval("SELECT count(*) FROM system_settings WHERE key = 'race_token'") == 1
    winner = kept.ok()["upsertSystemSetting"]
    assert winner["isSecret"]
    assert winner["value"] in values
    for n in range(5):
        assert f"v{n}".encode() not in bytes(row["encrypted_value"])
