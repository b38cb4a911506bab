"""Master-key rotation (``aura rotate-master-key``): the data keys are re-wrapped under a
new master key while reveals go on, and none of them fails.

Two kinds of reader run throughout: the server (over HTTP), started with the old master
key, and readers that each start with an empty key ring holding the new key and the old
one (a process started during the transition), so every reveal unwraps its data key
from the database as it stands at that instant, re-wrapped or not.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from aura.auth import crypto
from aura.auth.crypto import VaultError, master_key
from aura.auth.keyring import KeyRing
from aura.config import Settings
from aura.db.pool import create_pool
from tests import factories
from tests.conftest import Client, People, Server
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)

DATA_KEYS = 120  # inactive data keys, each sealing one secret


async def _secrets_under_many_keys(
    db: asyncpg.Connection, project_id: str, master: bytes
) -> dict[str, str]:
    """Secrets sealed under DATA_KEYS distinct (inactive) data keys: id -> value."""
    values: dict[str, str] = {}
    for i in range(DATA_KEYS):
        key_id, data_key = crypto.new_data_key()
        await db.execute(
            "INSERT INTO encryption_keys (id, key_name, encrypted_key, is_active) "
            "VALUES ($1, $2, $3, false)",
            key_id,
            f"old-{i}-{key_id[:8]}",
            crypto.wrap_key(master, key_id, data_key),
        )
        secret_id = str(await db.fetchval("SELECT gen_random_uuid()"))
        value = f"value-{i}-{os.urandom(4).hex()}"
        blob = crypto.seal(
            key_id, data_key, value, crypto.place("secrets", secret_id, "encrypted_value")
        )
        await db.execute(
            "INSERT INTO secrets (id, project_id, key_name, encrypted_value, encryption_key_id)"
            " VALUES ($1, $2, $3, $4, $5)",
            secret_id,
            project_id,
            f"MANY_{i}",
            blob,
            key_id,
        )
        values[secret_id] = value
    return values


async def test_master_key_rotation_under_concurrent_reveals(
    client: Client, people: People, db: asyncpg.Connection, server: Server, database: str
) -> None:
    old = master_key(server.settings)
    new = os.urandom(32)
    project = await factories.project(client, "vaulted")
    served = {}
    for i in range(4):
        value = f"served-{i}-{os.urandom(4).hex()}"
        secret = await factories.create(
            client, "Secret", {"projectId": project["id"], "keyName": f"S_{i}", "value": value}
        )
        served[secret["id"]] = value
    many = await _secrets_under_many_keys(db, project["id"], old)
    rows = {
        str(r["id"]): r["encrypted_value"]
        for r in await db.fetch("SELECT id, encrypted_value FROM secrets")
    }
    expected = {**many, **served}

    pool = await create_pool(database, min_size=1, max_size=6)
    rotating = asyncio.Event()
    rotated = asyncio.Event()
    counts: dict[str, int] = {"fresh": 0, "fresh during": 0, "http": 0, "http during": 0}

    async def fresh_rings() -> None:
        ids = list(expected)
        i = 0
        while not rotated.is_set() or counts["fresh"] < 2 * len(ids):
            secret_id = ids[i % len(ids)]
            i += 1
            ring = KeyRing(new, [old])  # nothing cached: unwraps from the database
            async with pool.acquire() as conn:
                value = await ring.open(
                    conn, "secrets", secret_id, "encrypted_value", rows[secret_id]
                )
            assert value == expected[secret_id]
            counts["fresh"] += 1
            counts["fresh during"] += rotating.is_set() and not rotated.is_set()

    async def over_http() -> None:
        while not rotated.is_set() or counts["http"] < 20:
            for secret_id, value in served.items():
                response = await client.gql(
                    "mutation($id: ID!) { revealSecret(id: $id) { value } }", {"id": secret_id}
                )
                assert response.ok()["revealSecret"]["value"] == value
                counts["http"] += 1
                counts["http during"] += rotating.is_set() and not rotated.is_set()

    async def rotate() -> Any:
        await until(lambda: counts["fresh"] >= 10 and counts["http"] >= 4, "readers under way")
        rotating.set()
        try:
            return await KeyRing(new, [old]).rotate_master(pool, batch_size=1)
        finally:
            rotated.set()

    try:
        result, *_ = await asyncio.gather(rotate(), fresh_rings(), over_http())
        # Then every data key moved to the new master key, one batch each ...
        total = await db.fetchval("SELECT count(*) FROM encryption_keys")
        assert (result.rewrapped, result.current) == (total, 0)
        assert result.batches == total == DATA_KEYS + 1
        # ... reveals went on during the rotation, and none failed (asserted above) ...
        assert counts["fresh during"] > 0, counts
        assert await db.fetchval("SELECT count(*) FROM secret_access_log WHERE NOT success") == 0
        # ... the new key alone opens everything now, the old one alone nothing.
        await KeyRing(new).ensure_active_key(pool)
        async with pool.acquire() as conn:
            ring = KeyRing(new)
            for secret_id, value in expected.items():
                opened = await ring.open(
                    conn, "secrets", secret_id, "encrypted_value", rows[secret_id]
                )
                assert opened == value
        with pytest.raises(VaultError, match="AURA_MASTER_KEY"):
            await KeyRing(old).ensure_active_key(pool)
        # Running it again finds nothing left to do.
        again = await KeyRing(new, [old]).rotate_master(pool)
        assert (again.rewrapped, again.current) == (0, total)
    finally:
        await pool.close()
    print(f"\nmaster-key rotation of {total} data keys in {result.seconds:.3f} s; {counts}")


async def test_a_key_neither_master_opens_stops_the_rotation(database: str) -> None:
    pool = await create_pool(database, min_size=1, max_size=2)
    try:
        stranger = os.urandom(32)
        await KeyRing(stranger).ensure_active_key(pool)
        with pytest.raises(VaultError):
            await KeyRing(os.urandom(32), [os.urandom(32)]).rotate_master(pool)
        # nothing was re-wrapped: the stranger's key still opens it
        await KeyRing(stranger).ensure_active_key(pool)
    finally:
        await pool.close()


def test_previous_master_keys_come_from_the_environment(tmp_path: Path) -> None:
    one, two = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    settings = Settings(home=tmp_path, master_key=one, master_key_previous=f"{two}, ")
    assert crypto.previous_master_keys(settings) == (base64.b64decode(two),)
    assert crypto.previous_master_keys(Settings(home=tmp_path)) == ()
    with pytest.raises(RuntimeError, match="AURA_MASTER_KEY_PREVIOUS must decode to 32 bytes"):
        crypto.previous_master_keys(Settings(master_key_previous=base64.b64encode(b"x").decode()))


def test_the_command_rotates_and_refuses_without_the_previous_key(
    database: str, tmp_path: Path
) -> None:
    old, new = crypto.new_master_key(), crypto.new_master_key()
    env = {**os.environ, "DATABASE_URL": database, "AURA_HOME": str(tmp_path)}
    env.pop("AURA_MASTER_KEY_PREVIOUS", None)
    aura = [sys.executable, "-m", "aura.cli"]

    async def first_key() -> None:
        pool = await create_pool(database, min_size=1, max_size=1)
        try:
            await KeyRing(base64.b64decode(old)).ensure_active_key(pool)
        finally:
            await pool.close()

    asyncio.run(first_key())
    refused = subprocess.run(
        [*aura, "rotate-master-key"],
        env={**env, "AURA_MASTER_KEY": new},
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1
    assert "AURA_MASTER_KEY_PREVIOUS" in refused.stderr
    done = subprocess.run(
        [*aura, "rotate-master-key"],
        env={**env, "AURA_MASTER_KEY": new, "AURA_MASTER_KEY_PREVIOUS": old},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "1 data keys re-wrapped" in done.stdout

    async def opens_with(key: str) -> None:
        pool = await create_pool(database, min_size=1, max_size=1)
        try:
            await KeyRing(base64.b64decode(key)).ensure_active_key(pool)
        finally:
            await pool.close()

    asyncio.run(opens_with(new))
    with pytest.raises(VaultError):
        asyncio.run(opens_with(old))
