"""The vault: secrets encrypted at rest, revealed only with permission and always
audited, validated by templates, rotated on schedule; data key rotation under load;
provider tokens; system settings."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from aura.auth.crypto import VaultError, master_key
from aura.auth.keyring import KeyRing
from aura.config import Settings
from aura.db.pool import create_pool
from migrations.sql.seed_gaps import TEMPLATES
from tests import factories
from tests.conftest import Client, People, Response, Server

SECRET = "id keyName secretType accessCount projectId templateId encryptionKeyId"
VALUE = "sk-live-4f9a1c77e0b2d3a5"
SEEDED = len(TEMPLATES)  # the secret templates revision 0008 seeds

_REVEAL = "mutation($id: ID!) { revealSecret(id: $id) { id keyName value accessCount } }"


async def create_secret(
    client: Client, project_id: str, key_name: str = "STRIPE_KEY", value: str = VALUE, **fields: Any
) -> dict[str, Any]:
    response = await create_secret_response(client, project_id, key_name, value, **fields)
    return response.ok()["createSecret"]  # type: ignore[no-any-return]


async def create_secret_response(
    client: Client, project_id: str, key_name: str, value: str, **fields: Any
) -> Response:
    return await client.gql(
        f"mutation($input: CreateSecretInput!) {{ createSecret(input: $input) {{ {SECRET} }} }}",
        {"input": {"projectId": project_id, "keyName": key_name, "value": value, **fields}},
    )


async def reveal(client: Client, secret_id: str) -> Response:
    return await client.gql(_REVEAL, {"id": secret_id})


async def access_log(db: asyncpg.Connection, secret_id: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT accessed_by, access_type, success, error_message, host(ip_address) AS ip "
        "FROM secret_access_log WHERE secret_id = $1 ORDER BY accessed_at",
        secret_id,
    )


async def template(admin: Client, **fields: Any) -> dict[str, Any]:
    return await factories.create(
        admin,
        "SecretTemplate",
        {"templateName": "stripe", "secretType": "api_key", **fields},
        "id templateName validationPattern rotationIntervalDays",
    )


# -- encryption and reveal ---------------------------------------------------------------


async def test_a_secret_is_stored_encrypted_and_revealed_with_an_audit(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)

    secret = await create_secret(client, project["id"])

    row = await db.fetchrow("SELECT * FROM secrets WHERE id = $1", secret["id"])
    assert VALUE.encode() not in bytes(row["encrypted_value"])
    assert row["encryption_key_id"] == secret["encryptionKeyId"]
    assert secret["secretType"] == "generic"
    assert secret["accessCount"] == 0
    # No field exposes the value, nor the ciphertext.
    response = await client.gql(
        "query($id: ID!) { secret(id: $id) { encryptedValue } }", {"id": secret["id"]}
    )
    assert response.codes == ["GRAPHQL_VALIDATION_FAILED"]

    revealed = (await reveal(client, secret["id"])).ok()["revealSecret"]

    assert revealed == {
        "id": secret["id"],
        "keyName": "STRIPE_KEY",
        "value": VALUE,
        "accessCount": 1,
    }
    [entry] = await access_log(db, secret["id"])
    assert entry["accessed_by"] == people.alice.id
    assert (entry["access_type"], entry["success"], entry["ip"]) == ("REVEAL", True, "127.0.0.1")
    row = await db.fetchrow("SELECT access_count, last_accessed_at FROM secrets")
    assert row["access_count"] == 1
    assert row["last_accessed_at"] is not None


async def test_a_ciphertext_moved_to_another_row_does_not_open(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    first = await create_secret(client, project["id"], "FIRST", "first-value")
    second = await create_secret(client, project["id"], "SECOND", "second-value")
    await db.execute(
        "UPDATE secrets SET encrypted_value = (SELECT encrypted_value FROM secrets WHERE id = $1)"
        " WHERE id = $2",
        first["id"],
        second["id"],
    )

    response = await reveal(client, second["id"])

    assert response.codes == ["INTERNAL"]
    assert "first-value" not in str(response.body)
    [entry] = await access_log(db, second["id"])
    assert not entry["success"]
    assert "decrypted" in entry["error_message"]


async def test_refused_reveals_are_audited_and_counted(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    secret = await create_secret(client, project["id"])

    for intruder in (people.bob, people.pending):
        response = await reveal(client.as_(intruder), secret["id"])
        assert response.codes == ["NOT_FOUND"]
        assert VALUE not in str(response.body)
    anonymous = await reveal(client.as_(None), secret["id"])

    assert anonymous.codes == ["UNAUTHENTICATED"]
    log = await access_log(db, secret["id"])
    assert [(e["accessed_by"], e["success"]) for e in log] == [
        (people.bob.id, False),
        (people.pending.id, False),
    ]
    assert all(e["error_message"] for e in log)
    assert await db.fetchval("SELECT access_count FROM secrets") == 2
    # The owner sees the refused attempts in the audit trail; the intruder does not.
    query = "{ secretAccessLogs { nodes { accessedBy success accessType secret { keyName } } } }"
    nodes = (await client.gql(query)).ok()["secretAccessLogs"]["nodes"]
    assert [(n["accessedBy"], n["success"]) for n in nodes] == [
        (people.bob.id, False),
        (people.pending.id, False),
    ]
    assert (await client.as_(people.bob).gql(query)).ok()["secretAccessLogs"]["nodes"] == []


async def test_a_reveal_stays_audited_when_the_rest_of_the_request_fails(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    secret = await create_secret(client, project["id"])

    response = await client.gql(
        "mutation($id: ID!) { a: revealSecret(id: $id) { value }"
        ' b: updateSecret(id: $id, input: {keyName: ""}) { id } }',
        {"id": secret["id"]},
    )

    assert response.codes == ["BAD_USER_INPUT"]
    [entry] = await access_log(db, secret["id"])
    assert entry["success"]
    assert await db.fetchval("SELECT key_name FROM secrets") == "STRIPE_KEY"


async def test_admins_may_reveal_any_secret(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    secret = await create_secret(client, project["id"])

    revealed = (await reveal(client.as_(people.admin), secret["id"])).ok()["revealSecret"]

    assert revealed["value"] == VALUE
    [entry] = await access_log(db, secret["id"])
    assert entry["accessed_by"] == people.admin.id
    assert entry["success"]


# -- templates ---------------------------------------------------------------------------


async def test_templates_validate_values_and_bad_input_writes_nothing(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    stripe = await template(admin, validationPattern=r"sk_(live|test)_[0-9a-z]{8,}")
    project = await factories.project(client)

    for value in ("not-a-stripe-key", "sk_live_short", "xsk_live_abcdefgh12"):
        response = await create_secret_response(
            client, project["id"], "STRIPE", value, templateId=stripe["id"]
        )
        assert response.codes == ["BAD_USER_INPUT"], value
        assert value not in str(response.body)
    assert await db.fetchval("SELECT count(*) FROM secrets") == 0

    secret = await create_secret(
        client, project["id"], "STRIPE", "sk_live_abcdefgh12", templateId=stripe["id"]
    )
    assert (secret["secretType"], secret["templateId"]) == ("api_key", stripe["id"])

    update = await client.gql(
        'mutation($id: ID!) { updateSecret(id: $id, input: {value: "oops"}) { id } }',
        {"id": secret["id"]},
    )
    rotate = await client.gql(
        'mutation($id: ID!) { rotateSecret(id: $id, newValue: "oops") { id } }',
        {"id": secret["id"]},
    )
    assert update.codes == rotate.codes == ["BAD_USER_INPUT"]
    assert (await reveal(client, secret["id"])).ok()["revealSecret"]["value"] == (
        "sk_live_abcdefgh12"
    )
    assert await db.fetchval("SELECT count(*) FROM secret_access_log") == 1  # the reveal


async def test_only_admins_write_templates_and_patterns_must_compile(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    bad = await admin.gql(
        'mutation { createSecretTemplate(input: {templateName: "x", secretType: "t",'
        ' validationPattern: "([a-z"}) { id } }'
    )
    assert bad.codes == ["BAD_USER_INPUT"]
    denied = await client.gql(
        'mutation { createSecretTemplate(input: {templateName: "x", secretType: "t"}) { id } }'
    )
    assert denied.codes == ["FORBIDDEN"]
    assert await db.fetchval("SELECT count(*) FROM secret_templates") == SEEDED

    created = await template(admin)
    everyone = f"{{ secretTemplates(first: {SEEDED + 1}) {{ nodes {{ id }} }} }}"
    listed = (await client.gql(everyone)).ok()
    assert {"id": created["id"]} in listed["secretTemplates"]["nodes"]
    assert len(listed["secretTemplates"]["nodes"]) == SEEDED + 1
    change = await client.gql(
        'mutation($id: ID!) { updateSecretTemplate(id: $id, input: {description: "x"}) { id } }',
        {"id": created["id"]},
    )
    assert change.codes == ["NOT_FOUND"]


# -- rotation schedule and views ---------------------------------------------------------


def _close(value: str, expected: datetime) -> bool:
    return abs(datetime.fromisoformat(value) - expected) < timedelta(minutes=1)


async def test_rotation_schedules_and_the_views(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    quarterly = await template(admin, rotationIntervalDays=90)
    project = await factories.project(client)
    now = datetime.now(UTC)
    soon = await create_secret(
        client, project["id"], "SOON", expiresAt=(now + timedelta(days=10)).isoformat()
    )
    await create_secret(
        client, project["id"], "LATER", expiresAt=(now + timedelta(days=60)).isoformat()
    )
    weekly = await create_secret(client, project["id"], "WEEKLY", rotationIntervalDays=5)
    from_template = await create_secret(client, project["id"], "Q", templateId=quarterly["id"])

    query = """{
      secretsExpiringSoon { nodes { id keyName projectName secondsUntilExpiry secret { id } } }
      secretsNeedingRotation { nodes { id keyName autoRotate nextRotationAt } }
      secrets(orderBy: [{field: KEY_NAME}]) {
        nodes { keyName rotationSchedule { rotationIntervalDays nextRotationAt lastRotationAt } }
      }
    }"""
    data = (await client.gql(query)).ok()

    [expiring] = data["secretsExpiringSoon"]["nodes"]
    assert (expiring["id"], expiring["projectName"]) == (soon["id"], "apollo")
    assert 9 * 86400 < expiring["secondsUntilExpiry"] <= 10 * 86400
    [due] = data["secretsNeedingRotation"]["nodes"]
    assert due["id"] == weekly["id"]
    assert _close(due["nextRotationAt"], now + timedelta(days=5))
    schedules = {n["keyName"]: n["rotationSchedule"] for n in data["secrets"]["nodes"]}
    assert schedules["LATER"] is None
    assert _close(schedules["Q"]["nextRotationAt"], now + timedelta(days=90))
    assert schedules["Q"]["lastRotationAt"] is None

    # Rotating sets the last rotation and moves the next one.
    rotated = await client.gql(
        'mutation($id: ID!) { rotateSecret(id: $id, newValue: "v2") '
        "{ id rotationSchedule { lastRotationAt nextRotationAt } } }",
        {"id": from_template["id"]},
    )
    schedule = rotated.ok()["rotateSecret"]["rotationSchedule"]
    last = datetime.fromisoformat(schedule["lastRotationAt"])
    assert _close(schedule["lastRotationAt"], datetime.now(UTC))
    assert datetime.fromisoformat(schedule["nextRotationAt"]) == last + timedelta(days=90)
    assert (await reveal(client, from_template["id"])).ok()["revealSecret"]["value"] == "v2"
    log = await access_log(db, from_template["id"])
    assert [(e["access_type"], e["success"]) for e in log] == [("ROTATE", True), ("REVEAL", True)]

    # A schedule can be added and changed; the next date follows.
    later = await create_secret(client, project["id"], "MANUAL")
    added = await factories.create(
        client,
        "SecretRotationSchedule",
        {"secretId": later["id"], "rotationIntervalDays": 3, "autoRotate": True},
        "id projectId nextRotationAt",
    )
    assert added["projectId"] == project["id"]
    assert _close(added["nextRotationAt"], datetime.now(UTC) + timedelta(days=3))
    twice = await client.gql(
        "mutation($id: ID!) { createSecretRotationSchedule("
        "input: {secretId: $id, rotationIntervalDays: 1}) { id } }",
        {"id": later["id"]},
    )
    assert twice.codes == ["CONFLICT"]
    zero = await client.gql(
        "mutation($id: ID!) { updateSecretRotationSchedule("
        "id: $id, input: {rotationIntervalDays: 0}) { id } }",
        {"id": added["id"]},
    )
    assert zero.codes == ["BAD_USER_INPUT"]
    names = (await client.gql("{ secretsNeedingRotation { nodes { keyName } } }")).ok()
    assert {n["keyName"] for n in names["secretsNeedingRotation"]["nodes"]} == {"WEEKLY", "MANUAL"}
    assert (await client.as_(people.bob).gql("{ secretsNeedingRotation { nodes { id } } }")).ok()[
        "secretsNeedingRotation"
    ]["nodes"] == []


# -- key rotation --------------------------------------------------------------------------


async def test_key_rotation_keeps_every_value_readable_under_concurrent_reveals(
    client: Client, people: People, db: asyncpg.Connection, server: Server
) -> None:
    admin = client.as_(people.admin)
    project = await factories.project(client)
    values = {f"KEY_{i}": f"value-{i}-{'x' * i}" for i in range(12)}
    ids = {}
    for name, value in values.items():
        ids[name] = (await create_secret(client, project["id"], name, value))["id"]
    await upsert_token(client, "google", "ya29.access", "1//refresh")
    await set_setting(admin, "openrouter_key", "sk-or-v1-abc")
    old_key = await db.fetchval("SELECT id FROM encryption_keys WHERE is_active")

    rotation = asyncio.create_task(
        admin.gql(
            "mutation { rotateEncryptionKey(batchSize: 2) "
            "{ keyId secrets userTokens systemSettings batches seconds } }"
        )
    )
    reveals = 0
    while not rotation.done() or reveals < 60:
        batch = await asyncio.gather(*(reveal(client, ids[name]) for name in values))
        for name, response in zip(values, batch, strict=True):
            assert response.ok()["revealSecret"]["value"] == values[name]
        reveals += len(batch)
    result = (await rotation).ok()["rotateEncryptionKey"]

    assert (result["secrets"], result["userTokens"], result["systemSettings"]) == (12, 1, 1)
    assert result["batches"] >= 8
    keys = await db.fetch(
        "SELECT id, is_active, rotation_count FROM encryption_keys ORDER BY rotation_count"
    )
    assert [(k["id"], k["is_active"], k["rotation_count"]) for k in keys] == [
        (old_key, False, 0),
        (result["keyId"], True, 1),
    ]
    for table in ("secrets", "user_tokens", "system_settings"):
        stale = await db.fetchval(
            f"SELECT count(*) FROM {table} WHERE encryption_key_id <> $1", result["keyId"]
        )
        assert stale == 0, table
    assert await db.fetchval("SELECT count(*) FROM secret_access_log WHERE NOT success") == 0
    token = (
        await client.gql('{ userToken(provider: "google") { accessToken refreshToken } }')
    ).ok()
    assert token["userToken"] == {"accessToken": "ya29.access", "refreshToken": "1//refresh"}
    setting = await admin.gql('{ systemSetting(key: "openrouter_key") { value } }')
    assert setting.ok()["systemSetting"]["value"] == "sk-or-v1-abc"
    # New values use the new key; keys are listed for admins only.
    fresh = await create_secret(client, project["id"], "FRESH")
    assert fresh["encryptionKeyId"] == result["keyId"]
    listing = "{ encryptionKeys { nodes { id isActive rotationCount } } }"
    assert len((await admin.gql(listing)).ok()["encryptionKeys"]["nodes"]) == 2
    assert (await client.gql(listing)).ok()["encryptionKeys"]["nodes"] == []
    denied = await client.gql("mutation { rotateEncryptionKey { keyId } }")
    assert denied.codes == ["FORBIDDEN"]


async def test_key_rotation_time_for_many_secrets(
    client: Client, people: People, db: asyncpg.Connection, server: Server
) -> None:
    """Measures a rotation of 5,000 secrets (printed; run with -s to see it)."""
    count = 5000
    project = await factories.project(client)
    ring = KeyRing(master_key(server.settings))
    async with db.transaction():
        sealer = await ring.sealer(db)
        rows = []
        for i in range(count):
            secret_id = await db.fetchval("SELECT gen_random_uuid()")
            blob = sealer.seal("secrets", secret_id, "encrypted_value", f"bulk-{i}")
            rows.append((secret_id, project["id"], f"BULK_{i}", blob, sealer.key_id))
        await db.executemany(
            "INSERT INTO secrets (id, project_id, key_name, encrypted_value, encryption_key_id)"
            " VALUES ($1, $2, $3, $4, $5)",
            rows,
        )

    response = await client.as_(people.admin).gql(
        "mutation { rotateEncryptionKey { keyId secrets batches seconds } }"
    )

    result = response.ok()["rotateEncryptionKey"]
    assert (result["secrets"], result["batches"]) == (count, count // 500)
    print(f"\nrotated {count} secrets in {result['seconds']:.2f} s")
    sample = await db.fetchval("SELECT id FROM secrets WHERE key_name = 'BULK_4321'")
    assert (await reveal(client, sample)).ok()["revealSecret"]["value"] == "bulk-4321"


# -- provider tokens ---------------------------------------------------------------------

TOKEN = "id provider accessToken refreshToken tokenType scopes expiresAt isExpired userId"


async def upsert_token(
    client: Client, provider: str, access: str, refresh: str | None = None, **fields: Any
) -> Response:
    return await client.gql(
        "mutation($input: UpsertUserTokenInput!) "
        f"{{ upsertUserToken(input: $input) {{ {TOKEN} }} }}",
        {"input": {"provider": provider, "accessToken": access, "refreshToken": refresh, **fields}},
    )


async def test_provider_tokens_are_their_owners_alone(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    stored = (
        await upsert_token(
            client, "Google", "ya29.first", "1//r1", expiresAt=expires, scopes=["drive"]
        )
    ).ok()["upsertUserToken"]
    assert stored["provider"] == "google"
    assert stored["userId"] == people.alice.id
    assert (stored["accessToken"], stored["refreshToken"], stored["isExpired"]) == (
        "ya29.first",
        "1//r1",
        False,
    )
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    replaced = (await upsert_token(client, "google", "ya29.second", None, expiresAt=past)).ok()[
        "upsertUserToken"
    ]
    assert replaced["id"] == stored["id"]
    assert replaced["refreshToken"] is None
    assert replaced["isExpired"] is True
    assert replaced["tokenType"] == "Bearer"
    row = await db.fetchrow("SELECT * FROM user_tokens")
    assert b"ya29" not in bytes(row["encrypted_access_token"])

    query = (
        '{ userToken(provider: "google") { accessToken isExpired } '
        "userTokens { nodes { id accessToken } } }"
    )
    mine = (await client.gql(query)).ok()
    assert mine["userToken"] == {"accessToken": "ya29.second", "isExpired": True}
    assert [n["accessToken"] for n in mine["userTokens"]["nodes"]] == ["ya29.second"]
    for other in (people.bob, people.admin, people.pending):
        theirs = (await client.as_(other).gql(query)).ok()
        assert theirs == {"userToken": None, "userTokens": {"nodes": []}}, other.email
        gone = await client.as_(other).gql('mutation { deleteUserToken(provider: "google") }')
        assert gone.codes == ["NOT_FOUND"]
    assert set((await client.as_(None).gql(query)).codes) == {"UNAUTHENTICATED"}
    pending = await upsert_token(client.as_(people.pending), "google", "p-token")
    assert pending.codes == ["FORBIDDEN"]
    blank = await upsert_token(client, "github", " ")
    assert blank.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM user_tokens") == 1

    deleted = await client.gql('mutation { deleteUserToken(provider: "google") }')
    assert deleted.ok()["deleteUserToken"] == stored["id"]
    assert await db.fetchval("SELECT count(*) FROM user_tokens") == 0


# -- system settings -----------------------------------------------------------------------


async def set_setting(client: Client, key: str, value: str, **fields: Any) -> Response:
    return await client.gql(
        "mutation($input: SetSystemSettingInput!) "
        "{ setSystemSetting(input: $input) { key value isSecret description updatedBy } }",
        {"input": {"key": key, "value": value, **fields}},
    )


async def test_secret_settings_are_encrypted_and_for_admins_only(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    plain = (await set_setting(admin, "ai_provider", "openrouter", description="which AI")).ok()
    secret = (await set_setting(admin, "openrouter_key", "sk-or-v1-secret")).ok()
    flagged = (await set_setting(admin, "webhook", "https://hook", secret=True)).ok()

    assert plain["setSystemSetting"]["isSecret"] is False
    assert secret["setSystemSetting"] == {
        "key": "openrouter_key",
        "value": "sk-or-v1-secret",
        "isSecret": True,
        "description": None,
        "updatedBy": people.admin.id,
    }
    assert flagged["setSystemSetting"]["isSecret"] is True
    row = await db.fetchrow("SELECT * FROM system_settings WHERE key = 'openrouter_key'")
    assert row["value"] is None
    assert b"sk-or" not in bytes(row["encrypted_value"])

    query = (
        "{ systemSettings { nodes { key value } } "
        'openrouter: systemSetting(key: "openrouter_key") { value } }'
    )
    member = (await client.gql(query)).ok()
    assert member == {
        "systemSettings": {"nodes": [{"key": "ai_provider", "value": "openrouter"}]},
        "openrouter": None,
    }
    everything = (await admin.gql(query)).ok()
    assert [n["key"] for n in everything["systemSettings"]["nodes"]] == [
        "ai_provider",
        "openrouter_key",
        "webhook",
    ]
    assert everything["openrouter"] == {"value": "sk-or-v1-secret"}
    pending = (await client.as_(people.pending).gql(query)).ok()
    assert pending == {"systemSettings": {"nodes": []}, "openrouter": None}

    # Only admins write; a description survives a change that omits it.
    for attempt in (
        await set_setting(client, "ai_provider", "lmstudio"),
        await client.gql('mutation { deleteSystemSetting(key: "ai_provider") }'),
    ):
        assert attempt.codes == ["FORBIDDEN"]
    assert (await set_setting(admin, "Bad Key", "x")).codes == ["BAD_USER_INPUT"]
    changed = (await set_setting(admin, "ai_provider", "lmstudio")).ok()["setSystemSetting"]
    assert (changed["value"], changed["description"]) == ("lmstudio", "which AI")
    assert await db.fetchval("SELECT count(*) FROM system_settings") == 3
    assert (await admin.gql('mutation { deleteSystemSetting(key: "webhook") }')).ok() == {
        "deleteSystemSetting": "webhook"
    }


# -- tenancy -------------------------------------------------------------------------------


@pytest.fixture
async def alices_vault(client: Client, people: People) -> dict[str, Any]:
    project = await factories.project(client, "vaulted")
    stripe = await template(client.as_(people.admin), rotationIntervalDays=3)
    secret = await create_secret(
        client,
        project["id"],
        templateId=stripe["id"],
        expiresAt=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
    )
    (await reveal(client, secret["id"])).ok()
    schedule = await client.gql(
        "query($id: ID!) { secret(id: $id) { rotationSchedule { id } } }", {"id": secret["id"]}
    )
    return {
        "project": project,
        "secret": secret,
        "template": stripe,
        "schedule": schedule.ok()["secret"]["rotationSchedule"],
    }


async def test_other_users_see_and_change_nothing_of_a_vault(
    client: Client, people: People, alices_vault: dict[str, Any], db: asyncpg.Connection
) -> None:
    secret_id = alices_vault["secret"]["id"]
    lists = """query($p: ID!, $s: ID!, $r: ID!) {
      secret(id: $s) { id }
      secretRotationSchedule(id: $r) { id }
      secrets { nodes { id } }
      secretAccessLogs { nodes { id } }
      secretRotationSchedules { nodes { id } }
      secretsExpiringSoon { nodes { id } }
      secretsNeedingRotation { nodes { id } }
      project(id: $p) { secrets { nodes { id } } }
    }"""
    variables = {
        "p": alices_vault["project"]["id"],
        "s": secret_id,
        "r": alices_vault["schedule"]["id"],
    }
    owner = (await client.gql(lists, variables)).ok()
    assert owner["secret"] == {"id": secret_id}
    assert len(owner["secretAccessLogs"]["nodes"]) == 1
    assert owner["project"]["secrets"]["nodes"] == [{"id": secret_id}]
    assert owner["secretsExpiringSoon"]["nodes"] == owner["secretsNeedingRotation"]["nodes"]

    before = await db.fetchrow("SELECT * FROM secrets")
    for other in (people.bob, people.pending):
        seen = (await client.as_(other).gql(lists, variables)).ok()
        assert seen == {
            "secret": None,
            "secretRotationSchedule": None,
            "secrets": {"nodes": []},
            "secretAccessLogs": {"nodes": []},
            "secretRotationSchedules": {"nodes": []},
            "secretsExpiringSoon": {"nodes": []},
            "secretsNeedingRotation": {"nodes": []},
            "project": None,
        }, other.email
        as_other = client.as_(other)
        for mutation in (
            'mutation($id: ID!) { updateSecret(id: $id, input: {description: "x"}) { id } }',
            'mutation($id: ID!) { updateSecret(id: $id, input: {value: "x"}) { id } }',
            'mutation($id: ID!) { rotateSecret(id: $id, newValue: "x") { id } }',
            "mutation($id: ID!) { deleteSecret(id: $id) }",
        ):
            assert (await as_other.gql(mutation, {"id": secret_id})).codes == ["NOT_FOUND"]
        schedule = await as_other.gql(
            "mutation($id: ID!) { updateSecretRotationSchedule(id: $id, "
            "input: {rotationIntervalDays: 9}) { id } }",
            {"id": alices_vault["schedule"]["id"]},
        )
        assert schedule.codes == ["NOT_FOUND"]
        planted = await create_secret_response(
            as_other, alices_vault["project"]["id"], "PLANTED", "x"
        )
        assert planted.codes == ["BAD_USER_INPUT"]
    assert await db.fetchrow("SELECT * FROM secrets") == before
    assert await db.fetchval("SELECT count(*) FROM secret_rotation_schedule") == 1

    # Templates: members read them, pending users and anonymous callers do not.
    templates = '{ secretTemplates(filter: {templateName: {eq: "stripe"}}) { nodes { id } } }'
    assert len((await client.as_(people.bob).gql(templates)).ok()["secretTemplates"]["nodes"]) == 1
    # ... but not, through a template, the secrets that use it.
    nested = (
        '{ secretTemplates(filter: {templateName: {eq: "stripe"}}) '
        "{ nodes { secrets { nodes { id } } } } }"
    )
    [mine] = (await client.gql(nested)).ok()["secretTemplates"]["nodes"]
    assert mine["secrets"]["nodes"] == [{"id": secret_id}]
    [bobs] = (await client.as_(people.bob).gql(nested)).ok()["secretTemplates"]["nodes"]
    assert bobs["secrets"]["nodes"] == []
    assert (await client.as_(people.pending).gql(templates)).ok()["secretTemplates"]["nodes"] == []
    assert set((await client.as_(None).gql(lists, variables)).codes) == {"UNAUTHENTICATED"}
    assert (await client.as_(None).gql(templates)).codes == ["UNAUTHENTICATED"]
    anonymous = await client.as_(None).gql(
        'mutation($id: ID!) { rotateSecret(id: $id, newValue: "x") { id } }', {"id": secret_id}
    )
    assert anonymous.codes == ["UNAUTHENTICATED"]


# -- plaintext scan ------------------------------------------------------------------------

_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
  AND c.data_type IN ('text', 'character varying', 'bytea', 'jsonb', 'json', 'ARRAY')"""


async def _columns_holding(db: asyncpg.Connection, needle: str) -> list[str]:
    found = []
    for table, column, data_type in await db.fetch(_COLUMNS):
        if data_type == "bytea":
            condition = f"position(convert_to($1, 'UTF8') IN {column}) > 0"
        else:
            condition = f"strpos({column}::text, $1) > 0"
        if await db.fetchval(f'SELECT count(*) FROM "{table}" WHERE {condition}', needle):
            found.append(f"{table}.{column}")
    return found


async def test_no_plaintext_reaches_the_database_or_the_logs(
    client: Client,
    people: People,
    db: asyncpg.Connection,
    server: Server,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = client.as_(people.admin)
    plaintexts = {
        "secret": "plain-secret-7c1d5e9b",
        "rotated": "plain-rotated-2a6f8c0d",
        "updated": "plain-updated-9e3b7a51",
        "access": "plain-access-token-4d2c",
        "refresh": "plain-refresh-token-8b1e",
        "setting": "plain-openrouter-5f0a3c",
        "refused": "plain-refused-value-11",
    }
    project = await factories.project(client)
    stripe = await template(admin, validationPattern="plain-.*")
    secret = await create_secret(client, project["id"], value=plaintexts["secret"])
    other = await create_secret(client, project["id"], "OTHER", plaintexts["updated"] + "-0")
    rotated = await client.gql(
        "mutation($id: ID!, $v: String!) { rotateSecret(id: $id, newValue: $v) { id } }",
        {"id": secret["id"], "v": plaintexts["rotated"]},
    )
    rotated.ok()
    updated = await client.gql(
        "mutation($id: ID!, $v: String!) { updateSecret(id: $id, input: {value: $v}) { id } }",
        {"id": other["id"], "v": plaintexts["updated"]},
    )
    updated.ok()
    refused = await create_secret_response(
        client, project["id"], "REFUSED", "x" + plaintexts["refused"], templateId=stripe["id"]
    )
    assert refused.codes == ["BAD_USER_INPUT"]
    (await upsert_token(client, "google", plaintexts["access"], plaintexts["refresh"])).ok()
    (await set_setting(admin, "openrouter_key", plaintexts["setting"])).ok()
    assert (await reveal(client, secret["id"])).ok()["revealSecret"]["value"] == (
        plaintexts["rotated"]
    )
    (await reveal(client.as_(people.bob), secret["id"])).codes  # noqa: B018  (a refused one)
    (await admin.gql("mutation { rotateEncryptionKey { keyId } }")).ok()

    for name, plaintext in plaintexts.items():
        assert await _columns_holding(db, plaintext) == [], name
        assert plaintext not in caplog.text, name
    # The master key is not in the database either, in any encoding.
    master = master_key(server.settings)
    assert await _columns_holding(db, base64.b64encode(master).decode()) == []
    # The scan does find what is there (it is not blind).
    assert await _columns_holding(db, "STRIPE_KEY") == ["secrets.key_name"]


# -- master key ----------------------------------------------------------------------------


def test_the_master_key_comes_from_the_environment_or_is_generated_once(tmp_path: Path) -> None:
    generated = master_key(Settings(home=tmp_path))

    assert master_key(Settings(home=tmp_path)) == generated
    assert len(generated) == 32
    assert (tmp_path / "master-key").stat().st_mode & 0o777 == 0o600
    given = base64.b64encode(bytes(range(32))).decode()
    assert master_key(Settings(home=tmp_path, master_key=given)) == bytes(range(32))
    with pytest.raises(RuntimeError, match="production"):
        master_key(Settings(environment="production", home=tmp_path))
    with pytest.raises(RuntimeError, match="32 bytes"):
        master_key(Settings(home=tmp_path, master_key=base64.b64encode(b"short").decode()))


async def test_a_wrong_master_key_is_refused_at_start_up(database: str) -> None:
    pool = await create_pool(database, min_size=1, max_size=2)
    try:
        first = await KeyRing(os.urandom(32)).ensure_active_key(pool)
        with pytest.raises(VaultError, match="AURA_MASTER_KEY"):
            await KeyRing(os.urandom(32)).ensure_active_key(pool)
        assert await pool.fetchval("SELECT count(*) FROM encryption_keys") == 1
        assert first
    finally:
        await pool.close()
