"""``aura backup FILE`` / ``aura restore FILE``: every table comes back with the same rows
(row counts and content checksums per table), the vault stays sealed in the dump and
opens after the restore with the same master key only, and a restore never lands on
data it was not told to replace.

The commands run as an operator runs them: as processes, with ``DATABASE_URL`` (an
external server) or without (the embedded server of ``AURA_HOME``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from aura.auth.crypto import master_key
from aura.auth.keyring import KeyRing
from aura.db.backup import SCHEMAS
from aura.db.database import with_database
from aura.db.embedded import _bin
from aura.db.pool import connect, create_pool
from tests import factories
from tests.conftest import Client, People, Server
from tests.test_tenancy_matrix import admin_world, archive_copies, tenant_world
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)

AURA = [sys.executable, "-m", "aura.cli"]


def aura(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AURA_")}
    base.pop("DATABASE_URL", None)
    done = subprocess.run(
        [*AURA, *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0 or not check, (args, done.returncode, done.stderr)
    return done


async def table_checksums(dsn: str) -> dict[str, tuple[int, str]]:
    """Per table of Aura's schemas: its row count and an md5 of its rows, in order."""
    conn = await connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables "
            "WHERE schemaname = ANY($1::text[]) ORDER BY 1",
            list(SCHEMAS),
        )
        sums = {}
        for table in tables:
            row = await conn.fetchrow(
                "SELECT count(*) AS n, coalesce(md5(string_agg(t::text, E'\\n' "
                f"ORDER BY t::text)), '') AS sum FROM {table['name']} t"
            )
            sums[table["name"]] = (row["n"], row["sum"])
        return sums
    finally:
        await conn.close()


@pytest.fixture
async def empty_databases(pg_server: str) -> AsyncIterator[list[str]]:
    """Three empty databases (not migrated) on the test cluster."""
    names = [f"restore_{uuid.uuid4().hex[:10]}" for _ in range(3)]
    conn = await asyncpg.connect(pg_server)
    try:
        for name in names:
            await conn.execute(f'CREATE DATABASE "{name}"')
        yield [with_database(pg_server, name) for name in names]
    finally:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


async def test_backup_and_restore_round_trip_every_table(
    client: Client,
    people: People,
    db: asyncpg.Connection,
    database: str,
    server: Server,
    empty_databases: list[str],
    tmp_path: Path,
) -> None:
    # Given a database with a row of every entity (the tenancy matrix's worlds), a
    # secret, a provider token and a secret setting
    shared = await admin_world(client.as_(people.admin))
    await tenant_world(client, shared["template"], "alice", shared["port_ranges"][0])
    project = await factories.project(client, "backed-up")
    plain = {
        "secret": "sk-live-" + secrets.token_hex(16),
        "access": "ya29." + secrets.token_hex(16),
        "setting": "sk-or-v1-" + secrets.token_hex(32),
    }
    secret = await factories.create(
        client,
        "Secret",
        {"projectId": project["id"], "keyName": "STRIPE", "value": plain["secret"]},
    )
    (
        await client.gql(
            'mutation($t: String!) { upsertUserToken(input: {provider: "google", '
            "accessToken: $t}) { id } }",
            {"t": plain["access"]},
        )
    ).ok()
    (
        await client.as_(people.admin).gql(
            'mutation($v: String!) { setSystemSetting(input: {key: "openrouter_key", '
            "value: $v}) { key } }",
            {"v": plain["setting"]},
        )
    ).ok()
    task = await factories.task(client, project["id"], "logged")
    await factories.execution_log(client, task["id"])
    # sign-in rows: a password set through a reset token, and a provider's identity
    reset = (
        await client.as_(people.admin).gql(
            'mutation { requestPasswordReset(email: "alice@example.com") { token } }'
        )
    ).ok()["requestPasswordReset"]
    (
        await client.as_(None).gql(
            "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }",
            {"t": reset["token"], "p": "a long backed-up password"},
        )
    ).ok()
    await db.execute(
        "INSERT INTO external_identities (user_id, issuer, subject, email) "
        "VALUES ($1, 'https://id.example', 'subject-1', 'alice@example.com')",
        people.alice.id,
    )
    await archive_copies(db)  # the archives have rows too, as retention leaves them

    async def quiet() -> bool:  # the worker done with the chunks the worlds ingested
        return not await db.fetchval(
            "SELECT aura.knowledge_index_backlog() + (SELECT count(*) FROM aura_queue.pgqueuer)"
        )

    await until(quiet, "the background indexer to finish", within=30)
    before = await table_checksums(database)
    empty_tables = sorted(t for t, (n, _) in before.items() if n == 0)
    # every table of the API has rows to round-trip; uploads are held only until their
    # ingest job has read them, and the queue's tables are empty between jobs
    assert [t for t in empty_tables if t.startswith("public.")] == ["public.ingest_uploads"]

    # When it is backed up and restored into an empty database
    home = {"AURA_HOME": str(tmp_path)}  # the server's master key lives there
    dump = tmp_path / "aura.dump"
    written = await asyncio.to_thread(
        aura, "backup", str(dump), env={**home, "DATABASE_URL": database}
    )
    assert f"backup written to {dump}" in written.stdout
    target = empty_databases[0]
    restored = await asyncio.to_thread(
        aura, "restore", str(dump), env={**home, "DATABASE_URL": target}
    )

    # Then every table has the same rows, and the vault opens with the same key
    assert "restored" in restored.stdout, restored.stderr
    after = await table_checksums(target)
    assert after == before, {
        t: (before.get(t), after.get(t)) for t in before if before.get(t) != after.get(t)
    }
    print(f"\n{len(after)} tables, {sum(n for n, _ in after.values())} rows; empty: {empty_tables}")
    pool = await create_pool(target, min_size=1, max_size=1)
    try:
        ring = KeyRing(master_key(server.settings))
        await ring.ensure_active_key(pool)
        async with pool.acquire() as conn:
            sealed = await conn.fetchval(
                "SELECT encrypted_value FROM secrets WHERE id = $1", secret["id"]
            )
            opened = await ring.open(conn, "secrets", secret["id"], "encrypted_value", sealed)
        assert opened == plain["secret"]
    finally:
        await pool.close()
    # ... and the dump holds no plaintext secret
    script = await asyncio.to_thread(
        subprocess.run,
        [_bin("pg_restore"), "-f", "-", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "STRIPE" in script.stdout
    assert "openrouter_key" in script.stdout
    for name, value in plain.items():
        assert value not in script.stdout, name
    assert master_key(server.settings).hex() not in script.stdout

    # A different master key: the data is restored, and the command says the vault is shut
    other = await asyncio.to_thread(
        aura,
        "restore",
        str(dump),
        env={"AURA_HOME": str(tmp_path / "elsewhere"), "DATABASE_URL": empty_databases[1]},
        check=False,
    )
    assert other.returncode == 2
    assert "does not open with this master key" in other.stderr


async def test_restore_refuses_a_database_with_data_unless_cleaned(
    client: Client, database: str, server: Server, empty_databases: list[str], tmp_path: Path
) -> None:
    await factories.project(client, "kept")
    dump = tmp_path / "aura.dump"
    env = {"AURA_HOME": str(tmp_path), "DATABASE_URL": database}
    await asyncio.to_thread(aura, "backup", str(dump), env=env)
    target = {**env, "DATABASE_URL": empty_databases[0]}
    await asyncio.to_thread(aura, "restore", str(dump), env=target)
    await factories.project(client, "after-the-backup")  # in the source only

    # A restore onto data is refused, and changes nothing
    again = await asyncio.to_thread(aura, "restore", str(dump), env=target, check=False)
    assert again.returncode == 1
    assert "not empty" in again.stderr
    # --clean needs confirmation: without a terminal, --force; in production, --force always
    asked = await asyncio.to_thread(aura, "restore", "--clean", str(dump), env=target, check=False)
    assert asked.returncode == 1
    assert "--force" in asked.stderr
    production = {**target, "AURA_ENV": "production"}
    guarded = await asyncio.to_thread(
        aura, "restore", "--clean", str(dump), env=production, check=False
    )
    assert guarded.returncode == 1
    assert "production" in guarded.stderr
    # With --force the database is replaced by the backup: the later project is not in it
    conn = await connect(empty_databases[0])
    try:
        await conn.execute("INSERT INTO users (email, display_name) VALUES ('x@y.z', 'x')")
    finally:
        await conn.close()
    await asyncio.to_thread(aura, "restore", "--clean", "--force", str(dump), env=target)
    source = await table_checksums(database)
    replaced = await table_checksums(empty_databases[0])
    assert replaced["public.projects"][0] == source["public.projects"][0] - 1
    assert replaced["public.users"][0] == source["public.users"][0]
    # A missing or broken file is refused before anything is cleaned
    before_bad = await table_checksums(empty_databases[0])
    missing = await asyncio.to_thread(
        aura, "restore", "--clean", "--force", str(tmp_path / "none.dump"), env=target, check=False
    )
    assert missing.returncode == 1
    assert "no backup file" in missing.stderr
    broken = tmp_path / "broken.dump"
    broken.write_bytes(dump.read_bytes()[:100])
    garbled = await asyncio.to_thread(
        aura, "restore", "--clean", "--force", str(broken), env=target, check=False
    )
    assert garbled.returncode == 1
    assert "pg_restore failed" in garbled.stderr
    assert await table_checksums(empty_databases[0]) == before_bad


def test_backup_and_restore_on_the_embedded_server() -> None:
    """Without DATABASE_URL both commands use the embedded server of AURA_HOME.

    The homes are outside pytest's temporary directory, whose parent pytest resets to
    mode 0700 whenever a run starts: the embedded server's own user (when the tests run
    as root) must be able to reach its data directory (as in tests/conftest.py).
    """
    with tempfile.TemporaryDirectory(prefix="aura-backup-") as tmp:
        _embedded_round_trip(Path(tmp))


def _embedded_round_trip(tmp_path: Path) -> None:
    source = {"AURA_HOME": str(tmp_path / "source"), "AURA_SEED_DEMO": "false"}
    aura("migrate", env=source)
    aura("token", "--email", "ops@example.com", "--create", env=source)
    dump = tmp_path / "embedded.dump"
    aura("backup", str(dump), env=source)
    target = {**source, "AURA_HOME": str(tmp_path / "target")}
    restored = aura("restore", str(dump), env=target)
    assert "restored" in restored.stdout
    token = aura("token", "--email", "ops@example.com", env=target)
    assert token.stdout.count(".") == 2  # the user came back: a JWT for them
