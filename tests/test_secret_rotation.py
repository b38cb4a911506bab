"""Secret rotation acts: generated secrets with ``autoRotate`` rotate themselves when due,
the others raise a ``secret.rotation_due`` event (and subscribers hear it)
``notificationDays`` ahead, once per due date, however often and by however many
workers the job runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from aura.auth.crypto import master_key
from aura.auth.keyring import KeyRing
from aura.config import Settings
from aura.db.pool import create_pool
from aura.db.secret_rotation import GENERATORS, run_secret_rotation
from migrations.sql.seed_gaps import TEMPLATES
from tests import factories
from tests.conftest import Client, People, Server
from tests.realtime import connect

pytestmark = pytest.mark.timeout(120)

REVEAL = "mutation($id: ID!) { revealSecret(id: $id) { value } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No worker in the server: the tests run the job themselves, and only they do.
    return dataclasses.replace(settings, worker=False)


@pytest.fixture
async def pool(database: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
def ring(server: Server) -> KeyRing:
    return KeyRing(master_key(server.settings))


async def _template_id(db: asyncpg.Connection, secret_type: str) -> str:
    return str(
        await db.fetchval("SELECT id FROM secret_templates WHERE secret_type = $1", secret_type)
    )


async def _scheduled_secret(
    client: Client,
    db: asyncpg.Connection,
    project_id: str,
    key_name: str,
    value: str,
    secret_type: str,
    *,
    auto_rotate: bool,
    due_in_days: float,
    notification_days: int = 7,
) -> str:
    secret = await factories.create(
        client,
        "Secret",
        {
            "projectId": project_id,
            "keyName": key_name,
            "value": value,
            "templateId": await _template_id(db, secret_type),
        },
    )
    schedule_id = await db.fetchval(
        "SELECT id FROM secret_rotation_schedule WHERE secret_id = $1", secret["id"]
    )
    (
        await client.gql(
            "mutation($id: ID!, $input: UpdateSecretRotationScheduleInput!) "
            "{ updateSecretRotationSchedule(id: $id, input: $input) { id } }",
            {
                "id": str(schedule_id),
                "input": {
                    "rotationIntervalDays": 30,
                    "autoRotate": auto_rotate,
                    "notificationDays": notification_days,
                },
            },
        )
    ).ok()
    # the last rotation was so long ago that the next one is due_in_days from now
    await db.execute(
        "UPDATE secret_rotation_schedule SET last_rotation_at = "
        "now() - make_interval(days => 30) + make_interval(secs => $2 * 86400) WHERE id = $1",
        schedule_id,
        due_in_days,
    )
    return str(secret["id"])


async def _events(db: asyncpg.Connection, kind: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT payload FROM events WHERE event_type = $1 ORDER BY created_at", kind
    )
    return [r["payload"] for r in rows]


async def test_generated_secrets_rotate_themselves_when_due(
    client: Client, db: asyncpg.Connection, pool: asyncpg.Pool, ring: KeyRing
) -> None:
    project = await factories.project(client)
    old_value = "j" * 40
    due = await _scheduled_secret(
        client,
        db,
        project["id"],
        "SIGNING",
        old_value,
        "jwt_secret",
        auto_rotate=True,
        due_in_days=-1,
    )
    not_yet = await _scheduled_secret(
        client, db, project["id"], "LATER", "p" * 20, "password", auto_rotate=True, due_in_days=20
    )

    run = await run_secret_rotation(pool, ring)

    assert run.rotated == [due]
    assert run.notified == []  # the other is not even within its notice
    value = (await client.gql(REVEAL, {"id": due})).ok()["revealSecret"]["value"]
    assert value != old_value
    pattern = next(t.pattern for t in TEMPLATES if t.secret_type == "jwt_secret")
    assert re.fullmatch(pattern, value)
    schedule = await db.fetchrow(
        "SELECT last_rotation_at > now() - interval '1 minute' AS moved, "
        "next_rotation_at > now() + interval '29 days' AS later "
        "FROM secret_rotation_schedule WHERE secret_id = $1",
        due,
    )
    assert (schedule["moved"], schedule["later"]) == (True, True)
    audit = await db.fetch(
        "SELECT access_type, accessed_by, success FROM secret_access_log "
        "WHERE secret_id = $1 AND access_type = 'ROTATE'",
        due,
    )
    assert [tuple(a) for a in audit] == [("ROTATE", None, True)]
    rotated = await _events(db, "secret.rotated")
    assert [(e["secretId"], e["automatic"]) for e in rotated] == [(due, True)]
    assert old_value not in str(rotated)
    # not due any more: the next run does nothing
    again = await run_secret_rotation(pool, ring)
    assert (again.rotated, again.notified) == ([], [])
    assert (await client.gql(REVEAL, {"id": not_yet})).ok()["revealSecret"]["value"] == "p" * 20


def test_every_generator_fits_its_seeded_template() -> None:
    patterns = {t.secret_type: t.pattern for t in TEMPLATES}
    for secret_type, generate in GENERATORS.items():
        values = {generate() for _ in range(20)}
        assert len(values) == 20, secret_type  # random
        for value in values:
            assert re.fullmatch(patterns[secret_type], value), (secret_type, value)


async def test_other_secrets_raise_a_notice_once_per_due_date(
    client: Client,
    people: People,
    db: asyncpg.Connection,
    pool: asyncpg.Pool,
    ring: KeyRing,
    server: Server,
) -> None:
    project = await factories.project(client)
    api_key = "k" * 24
    # an API key is issued elsewhere: autoRotate cannot rotate it, so it is announced
    secret = await _scheduled_secret(
        client, db, project["id"], "VENDOR", api_key, "api_key", auto_rotate=True, due_in_days=3
    )
    quiet = await _scheduled_secret(
        client, db, project["id"], "QUIET", api_key, "api_key", auto_rotate=False, due_in_days=10
    )
    subscription = (
        'subscription { events(eventTypes: ["secret.*"]) { node { eventType payload } } }'
    )
    async with connect(server, people.alice) as alice, connect(server, people.bob) as bob:
        await alice.subscribe("1", subscription)
        await bob.subscribe("1", subscription)
        await alice.ready()
        await bob.ready()

        # Two workers at once, then again: one notice
        runs = await asyncio.gather(
            run_secret_rotation(pool, ring), run_secret_rotation(pool, ring)
        )
        later = await run_secret_rotation(pool, ring)

        assert sorted(s for r in runs for s in r.notified) == [secret]
        assert later.notified == []
        assert all(r.rotated == [] for r in (*runs, later))
        message = (await alice.next())["events"]["node"]
        assert message["eventType"] == "secret.rotation_due"
        assert message["payload"]["secretId"] == secret
        assert message["payload"]["keyName"] == "VENDOR"
        assert api_key not in str(message)
        await alice.nothing()
        await bob.nothing()  # another tenant hears nothing
    notices = await _events(db, "secret.rotation_due")
    assert [n["secretId"] for n in notices] == [secret]
    assert quiet not in str(notices)
    assert (await client.gql(REVEAL, {"id": secret})).ok()["revealSecret"]["value"] == api_key

    # Rotated by hand, it is due 30 days later: no notice; once that is near, a new one
    (
        await client.gql(
            "mutation($id: ID!, $v: String!) { rotateSecret(id: $id, newValue: $v) { id } }",
            {"id": secret, "v": "n" * 24},
        )
    ).ok()
    assert (await run_secret_rotation(pool, ring)).notified == []
    await db.execute(
        "UPDATE secret_rotation_schedule SET last_rotation_at = now() - interval '25 days' "
        "WHERE secret_id = $1",
        secret,
    )
    assert (await run_secret_rotation(pool, ring)).notified == [secret]
    assert (await run_secret_rotation(pool, ring)).notified == []
    assert len(await _events(db, "secret.rotation_due")) == 2
