"""Dataops: CSV ingest over a real multipart upload (good and bad rows, quoted multi-line
fields, wrong encoding, empty files, memory bound), progress and cancellation, review,
Likert bounds, bonus windows with feedback targets."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from aura.config import Settings
from tests import factories
from tests.conftest import Client, People, Server, make_user
from tests.dataops_helpers import (
    JOB,
    csv_bytes,
    peak_rss_kib,
    reset_peak_rss,
    rss_kib,
    upload,
    write_csv,
)
from tests.realtime import connect
from tests.waiting import until

FINAL = {"COMPLETED", "FAILED", "CANCELLED"}


async def finished(client: Client, job_id: str, within: float = 30) -> dict[str, Any]:
    async def job() -> dict[str, Any] | None:
        found = (await client.gql(JOB, {"id": job_id})).ok()["ingestJob"]
        return found if found["status"] in FINAL else None

    return await until(job, f"ingest job {job_id} to finish", within=within)  # type: ignore[no-any-return]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The loads are what these tests are about (200,000 rows in one): embedding is
    # covered by tests/test_dataops_worker.py and the tenancy matrix.
    return dataclasses.replace(settings, max_upload_bytes=64 << 20, ingest_embeddings=False)


@pytest.fixture
async def project(client: Client) -> dict[str, Any]:
    return await factories.project(client, "labelling")


async def test_ingest_saves_good_rows_and_reports_bad_ones(
    client: Client, project: dict[str, Any], db: asyncpg.Connection, people: People
):
    rows = [
        ["content", "category", "source_id", "note"],
        ["a plain task", "TOP_10", "s1", "first"],
        ['a task\nover two lines, with "quotes"', "bottom_10", "s2", ""],
        ["bad category", "MIDDLE", "s3", ""],
        ["   ", "TOP_10", "s4", "blank content"],
        ["too", "few"],
        ["no category", "", "s6", "unclassified"],
    ]
    response = await upload(client, project["id"], csv_bytes(rows))
    job = response.ok()["ingestCsv"]
    assert job["status"] == "PENDING"
    assert job["totalRecords"] == 6
    assert job["fileName"] == "records.csv"
    done = await finished(client, job["id"])
    assert done["status"] == "COMPLETED", done
    assert (done["savedCount"], done["skippedCount"]) == (3, 3)
    assert done["skippedDetails"] == [
        {"row": 4, "reason": "category 'MIDDLE' is not TOP_10 or BOTTOM_10"},
        {"row": 5, "reason": "content is empty"},
        {"row": 6, "reason": "it has 2 fields, the header has 4"},
    ]
    stored = await db.fetch(
        "SELECT content, category, metadata::text, source, source_row, created_by_id, "
        "created_by_email, type FROM data_records WHERE ingest_job_id = $1 ORDER BY source_row",
        job["id"],
    )
    assert [tuple(r) for r in stored] == [
        (
            "a plain task",
            "TOP_10",
            '{"note": "first", "source_id": "s1"}',
            "csv:records.csv",
            2,
            people.alice.id,
            people.alice.email,
            "TASK",
        ),
        (
            'a task\nover two lines, with "quotes"',
            "BOTTOM_10",
            '{"note": "", "source_id": "s2"}',
            "csv:records.csv",
            3,
            people.alice.id,
            people.alice.email,
            "TASK",
        ),
        (
            "no category",
            None,
            '{"note": "unclassified", "source_id": "s6"}',
            "csv:records.csv",
            7,
            people.alice.id,
            people.alice.email,
            "TASK",
        ),
    ]
    # the upload is gone once the job is done
    assert await db.fetchval("SELECT count(*) FROM ingest_uploads") == 0
    listed = await client.gql(
        "query($p: ID!) { project(id: $p) { dataRecords(filter: {category: {eq: TOP_10}}) "
        "{ totalCount nodes { content sourceRow ingestJob { id } } } } }",
        {"p": project["id"]},
    )
    assert listed.ok()["project"]["dataRecords"] == {
        "totalCount": 1,
        "nodes": [{"content": "a plain task", "sourceRow": 2, "ingestJob": {"id": job["id"]}}],
    }


async def test_ingest_maps_columns_and_creators(
    client: Client, project: dict[str, Any], db: asyncpg.Connection
):
    rows = [
        ["Feedback", "Class", "Author", "Mail", "extra"],
        ["great answer", "Top 10", "u-17", "u17@example.com", "x"],
    ]
    response = await upload(
        client,
        project["id"],
        csv_bytes(rows),
        type="FEEDBACK",
        contentColumn="Feedback",
        categoryColumn="Class",
        creatorIdColumn="Author",
        creatorEmailColumn="Mail",
    )
    job = response.ok()["ingestCsv"]
    assert (await finished(client, job["id"]))["savedCount"] == 1
    row = await db.fetchrow("SELECT * FROM data_records WHERE ingest_job_id = $1", job["id"])
    assert (row["type"], row["category"], row["content"]) == ("FEEDBACK", "TOP_10", "great answer")
    assert (row["created_by_id"], row["created_by_email"]) == ("u-17", "u17@example.com")
    assert row["metadata"] == {"extra": "x"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        ("content,category\ncaf\u00e9,TOP_10\n".encode("latin-1"), "not UTF-8 text: byte 0xe9"),
        (b"text,category\nhello,TOP_10\n", "contentColumn: the file has no column 'content'"),
        (b'content\n"never closed\n', "not valid CSV"),
    ],
)
async def test_ingest_refuses_unreadable_files(
    client: Client, project: dict[str, Any], db: asyncpg.Connection, content: bytes, message: str
):
    response = await upload(client, project["id"], content)
    assert response.codes == ["BAD_USER_INPUT"], response.body
    assert message in response.errors[0]["message"]
    assert response.data is None
    assert await db.fetchval("SELECT count(*) FROM ingest_jobs") == 0
    assert await db.fetchval("SELECT count(*) FROM ingest_uploads") == 0
    assert await db.fetchval("SELECT count(*) FROM aura_queue.pgqueuer") == 0


async def test_ingest_into_another_users_project_is_refused(
    client: Client, people: People, project: dict[str, Any], db: asyncpg.Connection
):
    response = await upload(client.as_(people.bob), project["id"], b"content\nhello\n")
    assert response.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM ingest_jobs") == 0
    anonymous = await upload(client.as_(None), project["id"], b"content\nhello\n")
    assert anonymous.codes == ["UNAUTHENTICATED"]


async def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    server: Server, people: People, project: dict[str, Any], db: asyncpg.Connection
):
    # A declared size over AURA_MAX_UPLOAD_BYTES: refused at once, nothing read.
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    size = server.settings.max_upload_bytes + 1
    writer.write(
        (
            f"POST /graphql HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {people.alice.token}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {size}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert orjson.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert await db.fetchval("SELECT count(*) FROM ingest_jobs") == 0


@pytest.mark.slow  # 500,000 rows through the whole path: what the memory bound is about
async def test_a_large_upload_streams_through_bounded_memory(
    client: Client, project: dict[str, Any], db: asyncpg.Connection, tmp_path: Path
):
    # 50 MB here (the benchmark measures 100 MB): the server runs in this process, so
    # this process's peak RSS bounds the server's. Streaming costs a constant ~17 MiB
    # (parse and COPY buffers, first-use code paths), whatever the file's size (20 MB and
    # 50 MB measured alike), so the file must be well above that for the bound to tell.
    path = tmp_path / "big.csv"
    rows = 500_000
    size = write_csv(path, rows, width=70)
    assert size > 50_000_000
    reset_peak_rss()
    before = rss_kib()
    with path.open("rb") as file:
        job = (await upload(client, project["id"], file, name="big.csv")).ok()["ingestCsv"]
    done = await finished(client, job["id"], within=90)
    growth_mib = (peak_rss_kib() - before) / 1024
    assert done["status"] == "COMPLETED"
    assert done["savedCount"] == rows
    assert (
        await db.fetchval("SELECT count(*) FROM data_records WHERE ingest_job_id = $1", job["id"])
        == rows
    )
    # Holding the 48 MiB file whole would take 48 MiB of bytes plus as much text.
    assert growth_mib < 32, f"peak RSS grew {growth_mib:.1f} MiB"


async def test_progress_is_streamed_and_a_cancel_stops_the_job(
    client: Client,
    project: dict[str, Any],
    db: asyncpg.Connection,
    server: Server,
    people: People,
    tmp_path: Path,
):
    path = tmp_path / "long.csv"
    write_csv(path, 300_000, width=20)
    async with connect(server, people.alice) as ws:
        await ws.subscribe(
            "1",
            "subscription($p: ID) { ingestJobChanged(projectId: $p) "
            "{ operation node { id status savedCount totalRecords } } }",
            {"p": project["id"]},
        )
        await ws.ready()
        with path.open("rb") as file:
            job = (await upload(client, project["id"], file)).ok()["ingestCsv"]
        seen = []
        while True:
            message = (await ws.next())["ingestJobChanged"]
            seen.append(message)
            if message["node"]["savedCount"] > 0:
                break
        cancelled = await client.gql(
            "mutation($id: ID!) { cancelIngestJob(id: $id) { status savedCount } }",
            {"id": job["id"]},
        )
        assert cancelled.ok()["cancelIngestJob"]["status"] == "CANCELLED"
    assert seen[0]["operation"] == "INSERT"
    assert seen[-1]["node"]["totalRecords"] == 300_000

    # The worker stops: records stop coming, and they match the job's count.
    async def stable() -> bool:
        count = await db.fetchval(
            "SELECT count(*) FROM data_records WHERE ingest_job_id = $1", job["id"]
        )
        job_row = await db.fetchrow("SELECT * FROM ingest_jobs WHERE id = $1", job["id"])
        return count == job_row["saved_count"] and job_row["status"] == "CANCELLED"

    await until(stable, "the cancelled job's records to match its count", within=1)
    job_row = await db.fetchrow("SELECT * FROM ingest_jobs WHERE id = $1", job["id"])
    assert 0 < job_row["saved_count"] < 300_000
    assert await db.fetchval("SELECT count(*) FROM ingest_uploads") == 0
    # a cancelled job stays cancelled
    again = await client.gql(
        "mutation($id: ID!) { cancelIngestJob(id: $id) { status } }", {"id": job["id"]}
    )
    assert again.ok()["cancelIngestJob"]["status"] == "CANCELLED"
    bob = await client.as_(people.bob).gql(
        "mutation($id: ID!) { cancelIngestJob(id: $id) { status } }", {"id": job["id"]}
    )
    assert bob.codes == ["NOT_FOUND"]


# -- review and ratings -----------------------------------------------------------------

RECORD = """
mutation($input: CreateDataRecordInput!) {
  createDataRecord(input: $input) { id type category createdById createdByEmail hasBeenReviewed }
}"""


async def record(client: Client, project_id: str, **fields: Any) -> dict[str, Any]:
    values = {"projectId": project_id, "type": "TASK", "content": "a task", **fields}
    return (await client.gql(RECORD, {"input": values})).ok()["createDataRecord"]  # type: ignore[no-any-return]


async def test_review_and_review_statistics(
    client: Client, project: dict[str, Any], people: People, db: asyncpg.Connection
):
    top = await record(client, project["id"], category="TOP_10")
    bottom = await record(client, project["id"], category="BOTTOM_10")
    await record(client, project["id"], category="BOTTOM_10")
    assert top["createdById"] == people.alice.id
    review = (
        "mutation($id: ID!, $ok: Boolean!) { reviewRecord(id: $id, isCategoryCorrect: $ok) "
        "{ hasBeenReviewed isCategoryCorrect reviewedBy reviewedAt } }"
    )
    reviewed = (await client.gql(review, {"id": top["id"], "ok": True})).ok()["reviewRecord"]
    assert reviewed["hasBeenReviewed"] is True
    assert reviewed["reviewedBy"] == people.alice.id
    (await client.gql(review, {"id": bottom["id"], "ok": False})).ok()
    row = await db.fetchrow("SELECT * FROM data_records WHERE id = $1", bottom["id"])
    assert (row["has_been_reviewed"], row["is_category_correct"]) == (True, False)
    queue = await client.gql(
        "{ dataRecords(filter: {hasBeenReviewed: {eq: false}}) { totalCount } }"
    )
    assert queue.ok()["dataRecords"]["totalCount"] == 1
    stats = await client.gql(
        "query($p: ID!) { reviewStatistics(projectId: $p) { total reviewed "
        "byCategory { category total reviewed correct incorrect } "
        "byReviewer { reviewerId reviewed correct incorrect } } }",
        {"p": project["id"]},
    )
    assert stats.ok()["reviewStatistics"] == {
        "total": 3,
        "reviewed": 2,
        "byCategory": [
            {"category": "BOTTOM_10", "total": 2, "reviewed": 1, "correct": 0, "incorrect": 1},
            {"category": "TOP_10", "total": 1, "reviewed": 1, "correct": 1, "incorrect": 0},
        ],
        "byReviewer": [
            {"reviewerId": people.alice.id, "reviewed": 2, "correct": 1, "incorrect": 1}
        ],
    }
    bob = client.as_(people.bob)
    refused = await bob.gql(review, {"id": top["id"], "ok": False})
    assert refused.codes == ["NOT_FOUND"]
    hidden = await bob.gql(
        "query($p: ID!) { reviewStatistics(projectId: $p) { total } }", {"p": project["id"]}
    )
    assert hidden.ok()["reviewStatistics"]["total"] == 0


LIKERT = """
mutation($input: CreateLikertScoreInput!) {
  createLikertScore(input: $input) { id userId realismScore qualityScore llmModel projectId }
}"""


@pytest.mark.parametrize(("realism", "quality"), [(0, 4), (8, 4), (4, 0), (4, 8), (-1, 99)])
async def test_likert_scores_outside_1_to_7_are_refused(
    client: Client, project: dict[str, Any], db: asyncpg.Connection, realism: int, quality: int
):
    target = await record(client, project["id"])
    response = await client.gql(
        LIKERT,
        {"input": {"recordId": target["id"], "realismScore": realism, "qualityScore": quality}},
    )
    assert response.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM likert_scores") == 0


async def test_likert_scores_one_per_rater(
    client: Client, project: dict[str, Any], db: asyncpg.Connection, people: People
):
    target = await record(client, project["id"])
    rating = {"recordId": target["id"], "realismScore": 1, "qualityScore": 7}
    made = (await client.gql(LIKERT, {"input": rating})).ok()["createLikertScore"]
    assert made["userId"] == people.alice.id
    assert made["llmModel"] is None
    assert made["projectId"] == project["id"]
    again = await client.gql(LIKERT, {"input": rating})
    assert again.codes == ["CONFLICT"]
    # an LLM's rating of the same record is another rater's
    await db.execute(
        "INSERT INTO likert_scores (record_id, project_id, user_id, realism_score, "
        "quality_score, llm_model) VALUES ($1, $2, '00000000-0000-0000-0000-000000000000', "
        "5, 5, 'gpt-4')",
        target["id"],
        project["id"],
    )
    with pytest.raises(asyncpg.CheckViolationError):  # an LLM rating names its model
        await db.execute(
            "INSERT INTO likert_scores (record_id, project_id, user_id, realism_score, "
            "quality_score) VALUES ($1, $2, '00000000-0000-0000-0000-000000000000', 5, 5)",
            target["id"],
            project["id"],
        )
    listed = await client.gql(
        "query($id: ID!) { dataRecord(id: $id) { likertScores(orderBy: {field: CREATED_AT}) "
        "{ nodes { userId llmModel } } } }",
        {"id": target["id"]},
    )
    assert listed.ok()["dataRecord"]["likertScores"]["nodes"] == [
        {"userId": people.alice.id, "llmModel": None},
        {"userId": "00000000-0000-0000-0000-000000000000", "llmModel": "gpt-4"},
    ]
    bob = await client.as_(people.bob).gql(LIKERT, {"input": rating})
    assert bob.codes == ["BAD_USER_INPUT"]


# -- bonus windows: feedback targets ----------------------------------------------------

PROGRESS = (
    "query($w: ID!) { teamBonusProgress(windowId: $w) { memberId completedTasks "
    "feedbackCount qualifiesTier1 qualifiesTier2 } }"
)


async def test_feedback_targets_count_feedback_records_inside_the_window(
    client: Client, people: People, db: asyncpg.Connection, project: dict[str, Any]
):
    grace = await make_user(db, "grace@example.com", "MANAGER")
    admin = client.as_(people.admin)
    (
        await admin.gql(
            "mutation($id: ID!, $m: ID) { setUserManager(id: $id, managerId: $m) { id } }",
            {"id": people.alice.id, "m": grace.id},
        )
    ).ok()

    async def window(**targets: int) -> str:
        made = await factories.create(
            admin,
            "BonusWindow",
            {"startTime": "2020-01-01T00:00:00Z", "endTime": "2100-01-01T00:00:00Z", **targets},
        )
        return str(made["id"])

    feedback_only = await window(targetFeedbackCount=2, targetFeedbackCountTier2=3)
    both = await window(targetTaskCount=1, targetFeedbackCount=1)
    for _ in range(2):
        await record(client, project["id"], type="FEEDBACK")
    await record(client, project["id"], type="TASK")  # not feedback
    # a feedback record outside the window does not count
    outside = await record(client, project["id"], type="FEEDBACK")
    await db.execute(
        "UPDATE data_records SET created_at = '2019-06-01' WHERE id = $1", outside["id"]
    )
    manager = client.as_(grace)
    progress = (await manager.gql(PROGRESS, {"w": feedback_only})).ok()["teamBonusProgress"]
    assert progress == [
        {
            "memberId": people.alice.id,
            "completedTasks": 0,
            "feedbackCount": 2,
            "qualifiesTier1": True,  # the task target is 0: disabled
            "qualifiesTier2": False,
        }
    ]
    # both targets must be met: the feedback one is, the task one is not
    progress = (await manager.gql(PROGRESS, {"w": both})).ok()["teamBonusProgress"]
    assert progress[0]["feedbackCount"] == 2
    assert progress[0]["qualifiesTier1"] is False
    task = await factories.task(client, project["id"], "done", estimatedMinutes=5)
    for status in ("IN_PROGRESS", "COMPLETED"):
        (
            await client.gql(
                "mutation($id: ID!, $s: TaskStatus!) "
                "{ updateTask(id: $id, input: {status: $s}) { id } }",
                {"id": task["id"], "s": status},
            )
        ).ok()
    progress = (await manager.gql(PROGRESS, {"w": both})).ok()["teamBonusProgress"]
    assert progress[0]["completedTasks"] == 1
    assert progress[0]["qualifiesTier1"] is True
    assert progress[0]["qualifiesTier2"] is False  # tier 2 offers no targets
    # another manager sees nobody's feedback
    other = client.as_(await make_user(db, "other@example.com", "MANAGER"))
    assert (await other.gql(PROGRESS, {"w": both})).ok()["teamBonusProgress"] == []


async def test_the_in_process_worker_restarts_after_a_failure(
    client: Client, project: dict[str, Any], db: asyncpg.Connection, server: Server
):
    worker = server.app.state.worker
    await until(lambda: worker.healthy, "the worker to start")
    # its connections die (a database restart, a killed backend)
    killed = await db.fetchval(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'aura-worker'"
    )
    assert killed >= 1
    await until(lambda: worker.restarts >= 1 and worker.healthy, "the worker to restart")
    assert (await client.http.get("/health")).status_code == 200
    job = (await upload(client, project["id"], b"content\nafter the restart\n")).ok()["ingestCsv"]
    assert (await finished(client, job["id"]))["savedCount"] == 1
