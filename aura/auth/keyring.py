"""The key ring: data keys unwrapped in memory, sealing and opening values, and the
rotation of the data key that re-encrypts every sealed value without downtime.

Data keys never change once written, so each process unwraps a key once and keeps it.
Sealing asks the database for the active key in the writer's own transaction
(``aura.vault_active_key()``), which holds a shared lock until that transaction ends;
opening a value needs only the key its ciphertext names, active or not.

Rotation (``KeyRing.rotate``), in short transactions on connections of its own:

1. switch: under the exclusive lock (so it waits for writers still sealing under the
   old key, and writers that come after see the new key), the old key is deactivated
   and a new active key inserted;
2. sweep: rows still under another key are re-encrypted in batches, each batch one
   short transaction that locks its rows (``FOR UPDATE``), opens them with their own
   key and seals them under the new one.

No value is unreadable at any moment: a row's ciphertext and key change together in
one committed update, and old keys stay in ``encryption_keys`` (inactive) so a reader
holding an old ciphertext can still open it. A failed rotation leaves every row
readable; running it again finishes the sweep under a newer key.

Master-key rotation (``KeyRing.rotate_master``) re-wraps the data keys, not the values:
each data key is opened with whichever master key the ring holds (the current one, or
one of the previous ones) and written back wrapped under the current one, a batch of
keys per short transaction. A ring opens a data key with any of its master keys, and
``ensure_active_key`` unwraps every data key at start-up, so a running process never
needs the master key again for the keys it has: processes with the old key keep
revealing throughout, and processes started with the new key (and the old one as
``AURA_MASTER_KEY_PREVIOUS``) open keys wrapped either way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg

from aura import errors
from aura.auth import crypto
from aura.config import Settings

# Same expression as migrations/sql/vault.py's ACTIVE_KEY_LOCK.
_ACTIVE_KEY_LOCK = "hashtextextended('aura.vault.active_key', 0)"
_ROTATION_LOCK = "hashtextextended('aura.vault.rotation', 0)"
BATCH_SIZE = 500


class Queries(Protocol):
    """A request Session or an asyncpg connection."""

    async def fetchrow(self, sql: str, *args: Any) -> Any: ...

    async def fetchval(self, sql: str, *args: Any) -> Any: ...


@dataclass(frozen=True)
class SealedTable:
    """A table with sealed columns: its primary key, the SQL of the row identity its
    ciphertexts are bound to, and the columns it seals."""

    table: str
    key: str
    identity: str
    columns: tuple[str, ...]


# A provider token is bound to its user and provider, which an upsert keeps, rather
# than to a row id that a concurrent upsert of the same provider could replace.
USER_TOKEN_IDENTITY = "user_id::text || '/' || provider"

SEALED = (
    SealedTable("secrets", "id", "id::text", ("encrypted_value",)),
    SealedTable(
        "user_tokens",
        "id",
        USER_TOKEN_IDENTITY,
        ("encrypted_access_token", "encrypted_refresh_token"),
    ),
    SealedTable("system_settings", "key", "key", ("encrypted_value",)),
)


def user_token_identity(user_id: str, provider: str) -> str:
    """Python's spelling of USER_TOKEN_IDENTITY."""
    return f"{user_id}/{provider}"


@dataclass
class Rotation:
    """What a key rotation did."""

    key_id: str
    rows: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    seconds: float = 0.0


@dataclass
class MasterRotation:
    """What a master-key rotation did: data keys re-wrapped under the new master key,
    data keys that were already under it, transactions it took."""

    rewrapped: int = 0
    current: int = 0
    batches: int = 0
    seconds: float = 0.0


class Sealer:
    """Seals values under one data key: the active key of the writer's transaction."""

    def __init__(self, key_id: str, data_key: bytes) -> None:
        self.key_id = key_id
        self._data_key = data_key

    def seal(self, table: str, row: str, column: str, plaintext: str) -> bytes:
        return crypto.seal(self.key_id, self._data_key, plaintext, crypto.place(table, row, column))


class KeyRing:
    def __init__(self, master: bytes, previous: Sequence[bytes] = ()) -> None:
        # New data keys are wrapped under ``master``; ``previous`` keys only open.
        self._master = master
        self._masters = (master, *previous)
        self._keys: dict[str, bytes] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """The ring of ``AURA_MASTER_KEY`` and, during a rotation, ``AURA_MASTER_KEY_PREVIOUS``."""
        return cls(crypto.master_key(settings), crypto.previous_master_keys(settings))

    def _unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            key = self._keys[key_id] = self._open_wrapped(key_id, bytes(wrapped))[0]
        return key

    def _open_wrapped(self, key_id: str, wrapped: bytes) -> tuple[bytes, bytes]:
        """The data key and the master key that opens it (the first of the ring that does)."""
        failure: crypto.VaultError | None = None
        for master in self._masters:
            try:
                return crypto.unwrap_key(master, key_id, wrapped), master
            except crypto.VaultError as exc:
                failure = failure or exc
        assert failure is not None
        raise failure

    async def _key(self, db: Queries, key_id: str) -> bytes:
        key = self._keys.get(key_id)
        if key is not None:
            return key
        wrapped = await db.fetchval("SELECT aura.vault_key($1::uuid)", key_id)
        if wrapped is None:
            raise crypto.VaultError(f"no data key {key_id}")
        return self._unwrap(key_id, wrapped)

    async def sealer(self, db: Queries) -> Sealer:
        """The active key, held (shared lock) until ``db``'s transaction ends."""
        row = await db.fetchrow("SELECT id, encrypted_key FROM aura.vault_active_key()")
        if row is None:
            raise crypto.VaultError("the vault has no active data key")
        return Sealer(row["id"], self._unwrap(row["id"], row["encrypted_key"]))

    async def open(self, db: Queries, table: str, row: str, column: str, blob: bytes) -> str:
        key = await self._key(db, crypto.sealed_key_id(blob))
        return crypto.unseal(key, bytes(blob), crypto.place(table, row, column))

    # -- administration (on the pool's own connections, as the tables' owner) ----------

    async def ensure_active_key(self, pool: asyncpg.Pool) -> str:
        """The active key's id; creates the first one. Fails when the master key does
        not open it (a wrong ``AURA_MASTER_KEY`` is refused at start-up)."""
        async with pool.acquire() as conn:
            row = await conn.fetchrow("SELECT id, encrypted_key FROM aura.vault_active_key()")
            if row is None:
                key_id, data_key = crypto.new_data_key()
                await conn.execute(
                    "INSERT INTO encryption_keys (id, key_name, encrypted_key, is_active) "
                    "VALUES ($1, $2, $3, true) ON CONFLICT (is_active) WHERE is_active DO NOTHING",
                    key_id,
                    _key_name(key_id),
                    crypto.wrap_key(self._master, key_id, data_key),
                )
                row = await conn.fetchrow("SELECT id, encrypted_key FROM aura.vault_active_key()")
            self._unwrap(row["id"], row["encrypted_key"])
            # Every data key, once: from now on this process opens any value without the
            # master key, whatever a master-key rotation does meanwhile.
            for key in await conn.fetch("SELECT id, encrypted_key FROM encryption_keys"):
                self._unwrap(str(key["id"]), key["encrypted_key"])
            return str(row["id"])

    async def rotate_master(
        self, pool: asyncpg.Pool, *, batch_size: int = BATCH_SIZE
    ) -> MasterRotation:
        """Re-wrap every data key under this ring's current master key.

        Keys already under it are left alone, so running it again (after an interruption)
        finishes the job. A data key no master key of the ring opens stops the rotation
        (VaultError) with the batches before it committed: every key stays openable by a
        ring that holds both the old and the new master key.
        """
        started = time.perf_counter()
        rotation = MasterRotation()
        select = (
            "SELECT id, encrypted_key FROM encryption_keys WHERE id > $1::uuid "
            "ORDER BY id LIMIT $2 FOR UPDATE"
        )
        async with pool.acquire() as conn:
            if not await conn.fetchval(f"SELECT pg_try_advisory_lock({_ROTATION_LOCK})"):
                raise errors.Conflict("a key rotation is already running")
            try:
                after = "00000000-0000-0000-0000-000000000000"
                while True:
                    async with conn.transaction():
                        rows = await conn.fetch(select, after, batch_size)
                        if not rows:
                            break
                        changes = []
                        for row in rows:
                            key_id = str(row["id"])
                            data_key, master = self._open_wrapped(
                                key_id, bytes(row["encrypted_key"])
                            )
                            self._keys[key_id] = data_key
                            if master is self._master:
                                rotation.current += 1
                                continue
                            rewrapped = crypto.wrap_key(self._master, key_id, data_key)
                            changes.append((key_id, rewrapped))
                        if changes:
                            await conn.executemany(
                                "UPDATE encryption_keys SET encrypted_key = $2, "
                                "updated_at = now() WHERE id = $1::uuid",
                                changes,
                            )
                        rotation.rewrapped += len(changes)
                        after = str(rows[-1]["id"])
                    rotation.batches += 1
            finally:
                await conn.execute(f"SELECT pg_advisory_unlock({_ROTATION_LOCK})")
        rotation.seconds = time.perf_counter() - started
        return rotation

    async def rotate(self, pool: asyncpg.Pool, *, batch_size: int = BATCH_SIZE) -> Rotation:
        """Switch to a new data key and re-encrypt every sealed value under it."""
        started = time.perf_counter()
        async with pool.acquire() as conn:
            if not await conn.fetchval(f"SELECT pg_try_advisory_lock({_ROTATION_LOCK})"):
                raise errors.Conflict("a key rotation is already running")
            try:
                rotation = Rotation(await self._switch(conn))
                for sealed in SEALED:
                    rotation.rows[sealed.table] = await self._sweep(
                        conn, sealed, rotation, batch_size
                    )
            finally:
                await conn.execute(f"SELECT pg_advisory_unlock({_ROTATION_LOCK})")
        rotation.seconds = time.perf_counter() - started
        return rotation

    async def _switch(self, conn: asyncpg.Connection) -> str:
        key_id, data_key = crypto.new_data_key()
        wrapped = crypto.wrap_key(self._master, key_id, data_key)
        async with conn.transaction():
            await conn.execute(f"SELECT pg_advisory_xact_lock({_ACTIVE_KEY_LOCK})")
            rotations = await conn.fetchval(
                "UPDATE encryption_keys SET is_active = false, last_rotated_at = now(), "
                "updated_at = now() WHERE is_active RETURNING rotation_count"
            )
            await conn.execute(
                "INSERT INTO encryption_keys (id, key_name, encrypted_key, is_active, "
                "rotation_count) VALUES ($1, $2, $3, true, $4)",
                key_id,
                _key_name(key_id),
                wrapped,
                (rotations or 0) + 1,
            )
        self._keys[key_id] = data_key
        return key_id

    async def _sweep(
        self, conn: asyncpg.Connection, sealed: SealedTable, rotation: Rotation, batch_size: int
    ) -> int:
        columns = ", ".join(sealed.columns)
        select = (
            f"SELECT {sealed.key}, {sealed.identity} AS identity, {columns} FROM {sealed.table} "
            f"WHERE encryption_key_id <> $1::uuid ORDER BY {sealed.key} LIMIT $2 FOR UPDATE"
        )
        assignments = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(sealed.columns))
        update = (
            f"UPDATE {sealed.table} SET {assignments}, "
            f"encryption_key_id = ${len(sealed.columns) + 2}::uuid WHERE {sealed.key} = $1"
        )
        new_key = Sealer(rotation.key_id, self._keys[rotation.key_id])
        done = 0
        while True:
            async with conn.transaction():
                rows = await conn.fetch(select, rotation.key_id, batch_size)
                if not rows:
                    return done
                changes = []
                for row in rows:
                    identity = row["identity"]
                    values: list[Any] = [row[sealed.key]]
                    for column in sealed.columns:
                        blob = row[column]
                        if blob is not None:
                            plain = await self.open(conn, sealed.table, identity, column, blob)
                            blob = new_key.seal(sealed.table, identity, column, plain)
                        values.append(blob)
                    changes.append((*values, rotation.key_id))
                await conn.executemany(update, changes)
            done += len(rows)
            rotation.batches += 1


def _key_name(key_id: str) -> str:
    return f"data-key-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{key_id[:8]}"
