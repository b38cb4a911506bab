"""The primary keys of bulk-loaded records: time-ordered UUIDv7, in file order across
batches (what keeps a load at the right edge of the primary-key index)."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from aura.config import Settings
from aura.db.ingest import CHUNK_BYTES, TimeOrderedIds
from tests import factories
from tests.conftest import Client
from tests.dataops_helpers import JOB, upload, write_csv
from tests.waiting import until


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, ingest_embeddings=False)


def test_keys_are_uuid7_and_increase_across_batches():
    ids = TimeOrderedIds()
    keys = [k for _ in range(3) for k, _ in zip(ids.keys(), range(1000), strict=False)]
    parsed = [uuid.UUID(k) for k in keys]
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


async def test_a_load_stores_time_ordered_keys_in_file_order(
    client: Client, db: asyncpg.Connection, tmp_path: Path
):
    project = await factories.project(client, "keys")
    path = tmp_path / "keys.csv"
    assert write_csv(path, 12_000) > 2 * CHUNK_BYTES  # several batches
    with path.open("rb") as file:
        job = (await upload(client, project["id"], file)).ok()["ingestCsv"]

    async def done() -> dict[str, Any] | None:
        found = (await client.gql(JOB, {"id": job["id"]})).ok()["ingestJob"]
        return found if found["status"] == "COMPLETED" else None

    assert (await until(done, "the load to complete", within=60))["savedCount"] == 12_000
    rows = await db.fetch(
        "SELECT uuid_extract_version(id) AS version, "
        "row_number() OVER (ORDER BY id) AS by_key, "
        "row_number() OVER (ORDER BY source_row) AS by_row "
        "FROM data_records WHERE ingest_job_id = $1",
        job["id"],
    )
    assert len(rows) == 12_000
    assert {r["version"] for r in rows} == {7}
    assert all(r["by_key"] == r["by_row"] for r in rows)
