"""Analytics jobs and LLM ratings against a local OpenAI-compatible stand-in
(tests/ai_server.py): records analysed in batches against the project's guidelines,
progress, summaries, provider failures, resumption after a crash, cancellation, and
``rateRecordWithLlm``."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import re
from typing import Any

import asyncpg
import pytest

from aura.ai.chat import ChatClient
from aura.config import Settings
from aura.db import analysis
from aura.db.jobs import Worker
from aura.db.tables.dataops import LLM_USER_ID
from tests import factories
from tests.ai_server import AIServer, Reply
from tests.conftest import Client, People, Server
from tests.realtime import connect
from tests.test_ai_providers import set_setting
from tests.waiting import until

GUIDELINES = "Write every task in the active voice. Name the expected output format."
MODEL = "stand-in-llm"

START = """
mutation($p: ID!, $t: RecordType) {
  startAnalyticsJob(projectId: $p, type: $t) { id status totalRecords processedCount }
}"""
JOB = """
query($id: ID!) {
  analyticsJob(id: $id) { id status totalRecords processedCount error result }
}"""
RATE = """
mutation($r: ID!) {
  rateRecordWithLlm(recordId: $r) { id recordId userId realismScore qualityScore llmModel }
}"""
RECORD = """
mutation($input: CreateDataRecordInput!) { createDataRecord(input: $input) { id } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Small batches show the batching; one retry keeps the failure tests fast.
    return dataclasses.replace(settings, analysis_batch_size=2, ai_retries=1)


def answer_analyses(messages: list[dict[str, Any]]) -> str:
    """The stand-in model: a record saying "bad" breaks the guidelines."""
    records = re.findall(r"^\[(\d+)\] \([^)]*\)\n(.*)$", messages[-1]["content"], re.M)
    analyses = [
        {
            "index": int(index),
            "aligned": "bad" not in text,
            "score": 3 if "bad" in text else 9,
            "reasoning": "checked",
            "issues": ["Uses the Passive  voice"] if "bad" in text else [],
        }
        for index, text in records
    ]
    return json.dumps({"analyses": analyses})


async def configure(client: Client, people: People, ai: AIServer) -> None:
    admin = client.as_(people.admin)
    for key, value in (("ai_provider", "vllm"), ("ai_host", ai.url), ("llm_model", MODEL)):
        await set_setting(admin, key, value)


async def project_with(
    client: Client, texts: list[str], *, guidelines: str | None = GUIDELINES, type: str = "TASK"
) -> tuple[dict[str, Any], list[str]]:
    fields = {"guidelines": guidelines} if guidelines is not None else {}
    project = await factories.project(client, "labelling", **fields)
    ids = []
    for text in texts:
        values = {"projectId": project["id"], "type": type, "content": text}
        ids.append((await client.gql(RECORD, {"input": values})).ok()["createDataRecord"]["id"])
    return project, ids


async def start(client: Client, project_id: str, type: str | None = None) -> dict[str, Any]:
    found = await client.gql(START, {"p": project_id, "t": type})
    return found.ok()["startAnalyticsJob"]  # type: ignore[no-any-return]


async def job_in(client: Client, job_id: str, *statuses: str) -> dict[str, Any] | None:
    job = (await client.gql(JOB, {"id": job_id})).ok()["analyticsJob"]
    return job if job["status"] in statuses else None


async def analyses(db: asyncpg.Connection, ids: list[str]) -> list[Any]:
    rows = await db.fetch(
        "SELECT id::text, alignment_analysis FROM data_records WHERE id = ANY($1::uuid[])", ids
    )
    by_id = {r["id"]: r["alignment_analysis"] for r in rows}
    return [json.loads(by_id[i]) if by_id[i] else None for i in ids]


def chat_requests(ai: AIServer) -> list[Any]:
    return [r for r in ai.requests if r.path.endswith("/chat/completions")]


# -- analytics jobs ----------------------------------------------------------------------


async def test_a_job_analyses_every_record_once_in_batches_and_summarises_them(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    ai_server.chat_answer = answer_analyses
    texts = ["task one", "bad task two", "task three", "bad task four", "task five"]
    project, ids = await project_with(client, texts)
    feedback = await client.gql(
        RECORD, {"input": {"projectId": project["id"], "type": "FEEDBACK", "content": "fb"}}
    )
    feedback_id = feedback.ok()["createDataRecord"]["id"]
    # the second batch's answer waits: progress is visible meanwhile
    gate = asyncio.Event()
    ai_server.then(Reply(), Reply(gate=gate))
    job = await start(client, project["id"], "TASK")
    assert (job["status"], job["totalRecords"], job["processedCount"]) == ("PENDING", 5, 0)

    async def halfway() -> Any:
        found = await job_in(client, job["id"], "PROCESSING")
        return found and found["processedCount"] == 2

    await until(halfway, "the first batch to be committed")
    gate.set()
    done = await until(lambda: job_in(client, job["id"], "COMPLETED"), "the job to complete")
    assert done["processedCount"] == 5
    assert done["error"] is None
    result = done["result"]
    expected = {
        "records": 5,
        "aligned": 3,
        "misaligned": 2,
        "alignedShare": 0.6,
        "meanScore": 6.6,
        "commonIssues": [{"issue": "uses the passive voice", "count": 2}],
    }
    assert {k: result[k] for k in expected} == expected
    assert result["byType"] == {"TASK": expected}
    assert (result["jobId"], result["model"]) == (job["id"], MODEL)

    # each record analysed once, by this job; the FEEDBACK record left alone
    stored = await analyses(db, ids)
    assert [(a["jobId"], a["aligned"], a["score"], a["model"]) for a in stored] == [
        (job["id"], "bad" not in t, 3 if "bad" in t else 9, MODEL) for t in texts
    ]
    assert stored[1]["issues"] == ["Uses the Passive voice"]
    assert (await analyses(db, [feedback_id])) == [None]
    shown = await client.gql(
        "query($id: ID!) { dataRecord(id: $id) { alignmentAnalysis } }", {"id": ids[0]}
    )
    assert json.loads(shown.ok()["dataRecord"]["alignmentAnalysis"])["aligned"] is True

    # the project's last task analysis is the summary; the feedback one untouched
    row = await db.fetchrow(
        "SELECT last_task_analysis, last_feedback_analysis FROM projects WHERE id = $1",
        project["id"],
    )
    last = json.loads(row["last_task_analysis"])
    assert {k: last[k] for k in expected} == expected
    assert (last["jobId"], last["type"]) == (job["id"], "TASK")
    assert row["last_feedback_analysis"] is None

    # what the model was asked: batches of 2, the guidelines in every prompt, JSON schema
    sent = chat_requests(ai_server)
    assert len(sent) == 3
    prompts = [r.body["messages"][-1]["content"] for r in sent]
    assert all(GUIDELINES in p for p in prompts)
    assert [len(re.findall(r"^\[\d+\] ", p, re.M)) for p in prompts] == [2, 2, 1]
    assert sorted(t for t in texts if any(f"\n{t}" in p for p in prompts)) == sorted(texts)
    assert all("fb" not in p.split("Records")[1] for p in prompts)
    assert sent[0].body["model"] == MODEL
    assert sent[0].body["response_format"]["type"] == "json_schema"


async def test_progress_reaches_subscribers(
    server: Server, client: Client, people: People, ai_server: AIServer
) -> None:
    await configure(client, people, ai_server)
    ai_server.chat_answer = answer_analyses
    project, _ = await project_with(client, ["one", "bad two", "three"])
    async with connect(server, people.alice) as ws:
        await ws.subscribe(
            "1",
            "subscription($p: ID) { analyticsJobChanged(projectId: $p) "
            "{ operation node { id status processedCount totalRecords result } } }",
            {"p": project["id"]},
        )
        await ws.ready()
        job = await start(client, project["id"])
        seen = []
        while not seen or seen[-1]["node"]["status"] != "COMPLETED":
            seen.append((await ws.next())["analyticsJobChanged"])
    assert seen[0]["operation"] == "INSERT"
    assert {m["node"]["id"] for m in seen} == {job["id"]}
    counts = [m["node"]["processedCount"] for m in seen]
    assert counts == sorted(counts)
    assert {2, 3} <= set(counts)
    assert seen[-1]["node"]["result"]["misaligned"] == 1


async def test_a_job_of_all_types_summarises_each_into_the_project(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    ai_server.chat_answer = answer_analyses
    project, _ = await project_with(client, ["a task", "bad task"])
    await client.gql(
        RECORD, {"input": {"projectId": project["id"], "type": "FEEDBACK", "content": "bad fb"}}
    )
    job = await start(client, project["id"])
    done = await until(lambda: job_in(client, job["id"], "COMPLETED"), "the job to complete")
    result = done["result"]
    assert (result["records"], result["aligned"], done["processedCount"]) == (3, 1, 3)
    assert result["commonIssues"] == [{"issue": "uses the passive voice", "count": 2}]
    assert result["byType"]["TASK"]["records"] == 2
    assert result["byType"]["FEEDBACK"]["misaligned"] == 1
    row = await db.fetchrow(
        "SELECT last_task_analysis, last_feedback_analysis FROM projects WHERE id = $1",
        project["id"],
    )
    assert json.loads(row["last_task_analysis"])["records"] == 2
    assert json.loads(row["last_feedback_analysis"])["meanScore"] == 3.0


async def test_a_job_without_records_completes_with_an_empty_summary(
    client: Client, people: People, ai_server: AIServer
) -> None:
    await configure(client, people, ai_server)
    project, _ = await project_with(client, [])
    job = await start(client, project["id"], "FEEDBACK")
    done = await until(lambda: job_in(client, job["id"], "COMPLETED"), "the job to complete")
    assert done["totalRecords"] == 0
    assert {k: done["result"][k] for k in ("records", "meanScore", "alignedShare")} == {
        "records": 0,
        "meanScore": None,
        "alignedShare": None,
    }
    assert list(done["result"]["byType"]) == ["FEEDBACK"]
    assert chat_requests(ai_server) == []


async def test_without_a_provider_the_job_fails_at_once(
    client: Client, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    project, ids = await project_with(client, ["task one"])
    job = await start(client, project["id"])
    failed = await until(lambda: job_in(client, job["id"], "FAILED"), "the job to fail")
    assert "no LLM provider configured" in failed["error"]
    assert failed["processedCount"] == 0
    assert failed["result"] is None
    assert ai_server.requests == []
    assert await analyses(db, ids) == [None]


async def test_a_project_without_guidelines_fails_with_a_clear_error(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    project, ids = await project_with(client, ["task one"], guidelines=None)
    job = await start(client, project["id"])
    failed = await until(lambda: job_in(client, job["id"], "FAILED"), "the job to fail")
    assert failed["error"] == analysis.NO_GUIDELINES
    assert chat_requests(ai_server) == []
    assert await analyses(db, ids) == [None]


async def test_a_provider_failure_mid_job_fails_it_keeping_what_was_analysed(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    ai_server.chat_answer = answer_analyses
    project, ids = await project_with(client, ["one", "two", "three", "four", "five"])
    ai_server.then(Reply())
    ai_server.fail(2, status=500)  # the second batch: the first attempt and its one retry
    job = await start(client, project["id"], "TASK")
    failed = await until(lambda: job_in(client, job["id"], "FAILED"), "the job to fail")
    assert "500" in failed["error"]
    assert "test failure 500" in failed["error"]
    assert failed["processedCount"] == 2
    assert failed["result"] is None
    # records go in ID order: the first two IDs were analysed
    stored = await analyses(db, sorted(ids))
    assert [a is not None for a in stored] == [True, True, False, False, False]
    assert len(chat_requests(ai_server)) == 3
    last = await db.fetchval("SELECT last_task_analysis FROM projects WHERE id = $1", project["id"])
    assert last is None


async def test_a_malformed_analysis_fails_the_job_with_what_the_model_said(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    ai_server.chat_answer = json.dumps(
        {"analyses": [{"index": 1, "aligned": True, "score": 42, "reasoning": "", "issues": []}]}
    )
    project, ids = await project_with(client, ["one"])
    job = await start(client, project["id"])
    failed = await until(lambda: job_in(client, job["id"], "FAILED"), "the job to fail")
    assert "score of 42" in failed["error"]
    assert MODEL in failed["error"]
    assert await analyses(db, ids) == [None]


async def test_a_cancelled_job_stops_after_the_batch_in_flight(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    ai_server.chat_answer = answer_analyses
    project, ids = await project_with(client, ["one", "two", "three", "four", "five"])
    gate = asyncio.Event()
    ai_server.then(Reply(), Reply(gate=gate))
    job = await start(client, project["id"])
    await until(lambda: len(chat_requests(ai_server)) == 2, "the second batch to be asked")
    cancelled = await client.gql(
        "mutation($id: ID!) { cancelAnalyticsJob(id: $id) { status processedCount } }",
        {"id": job["id"]},
    )
    assert cancelled.ok()["cancelAnalyticsJob"] == {"status": "CANCELLED", "processedCount": 2}
    gate.set()  # the batch in flight is answered after the cancellation

    async def worker_done() -> bool:
        queued = await db.fetchval(
            "SELECT count(*) FROM aura_queue.pgqueuer WHERE entrypoint = 'analytics'"
        )
        return queued == 0

    await until(worker_done, "the worker to let the job go")
    found = await job_in(client, job["id"], "CANCELLED")
    assert found is not None
    assert found["processedCount"] == 2
    stored = await analyses(db, sorted(ids))  # records go in ID order
    assert [a is not None for a in stored] == [True, True, False, False, False]
    assert len(chat_requests(ai_server)) == 2
    bob = await client.as_(people.bob).gql(
        "mutation($id: ID!) { cancelAnalyticsJob(id: $id) { status } }", {"id": job["id"]}
    )
    assert bob.codes == ["NOT_FOUND"]


async def test_a_crashed_workers_job_resumes_without_analysing_a_record_twice(
    server: Server,
    client: Client,
    people: People,
    ai_server: AIServer,
    db: asyncpg.Connection,
    database: str,
    settings: Settings,
) -> None:
    await server.app.state.worker.stop()  # this test's workers are its own
    await configure(client, people, ai_server)
    ai_server.chat_answer = answer_analyses
    texts = ["one", "two", "three", "four", "five"]
    project, ids = await project_with(client, texts)
    # the worker dies waiting for the second batch's answer
    ai_server.then(Reply(), Reply(gate=asyncio.Event()))
    job = await start(client, project["id"])
    chat = ChatClient(provider="vllm", url=ai_server.url, model=MODEL)
    owner = await asyncpg.connect(database)

    async def chat_client() -> ChatClient:
        return chat

    try:
        doomed = asyncio.create_task(
            analysis.run_analysis(owner, job["id"], chat_client, batch_size=2)
        )
        await until(lambda: len(chat_requests(ai_server)) == 2, "the second batch to be asked")
        doomed.cancel()  # the worker is gone in the middle of a request
        with contextlib.suppress(asyncio.CancelledError):
            await doomed
    finally:
        await owner.close()
        await chat.aclose()
    stuck = await job_in(client, job["id"], "PROCESSING")
    assert stuck is not None
    assert stuck["processedCount"] == 2

    worker = Worker(database, heartbeat=1, keyring=server.app.state.vault, settings=settings)
    worker.start()
    try:
        done = await until(lambda: job_in(client, job["id"], "COMPLETED"), "the job to resume", 30)
    finally:
        await worker.stop()
    assert done["processedCount"] == 5
    assert done["result"]["records"] == 5
    assert {a["jobId"] for a in await analyses(db, ids)} == {job["id"]}
    prompts = [r.body["messages"][-1]["content"] for r in chat_requests(ai_server)]
    # one, two: analysed before the crash and not asked again; three, four: asked twice
    # (the first answer never arrived); five once
    in_order = [t for _, t in sorted(zip(ids, texts, strict=True))]  # records go in ID order
    assert [sum(f"\n{t}" in p for p in prompts) for t in in_order] == [1, 1, 2, 2, 1]


# -- LLM ratings -------------------------------------------------------------------------


async def test_an_llm_rating_is_stored_under_the_zero_user_and_replaced_on_rerating(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    project, (record_id,) = await project_with(client, ["a realistic task"])
    ai_server.chat_answer = '{"realism": 6, "quality": 4}'
    first = (await client.gql(RATE, {"r": record_id})).ok()["rateRecordWithLlm"]
    assert first == {
        "id": first["id"],
        "recordId": record_id,
        "userId": LLM_USER_ID,
        "realismScore": 6,
        "qualityScore": 4,
        "llmModel": MODEL,
    }
    prompt = chat_requests(ai_server)[0].body["messages"][-1]["content"]
    assert "a realistic task" in prompt
    assert GUIDELINES in prompt
    ai_server.chat_answer = '```json\n{"realism": 2, "quality": 7}\n```'
    again = (await client.gql(RATE, {"r": record_id})).ok()["rateRecordWithLlm"]
    assert (again["id"], again["realismScore"], again["qualityScore"]) == (first["id"], 2, 7)
    rows = await db.fetch(
        "SELECT user_id, llm_model, realism_score, quality_score, project_id::text "
        "FROM likert_scores WHERE record_id = $1",
        record_id,
    )
    assert [tuple(r) for r in rows] == [(LLM_USER_ID, MODEL, 2, 7, project["id"])]


@pytest.mark.parametrize(
    "answer",
    [
        '{"realism": 8, "quality": 3}',
        '{"realism": "x", "quality": 3}',
        '{"realism": 5}',
        '{"realism": 0, "quality": 3}',
        '{"realism": true, "quality": 3}',
        "I would rate it a five",
    ],
)
async def test_bad_model_answers_are_provider_errors_and_store_nothing(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection, answer: str
) -> None:
    await configure(client, people, ai_server)
    _, (record_id,) = await project_with(client, ["a task"])
    ai_server.chat_answer = answer
    response = await client.gql(RATE, {"r": record_id})
    assert response.codes == ["PROVIDER_ERROR"]
    assert MODEL in response.errors[0]["message"]
    assert await db.fetchval("SELECT count(*) FROM likert_scores") == 0


async def test_rating_without_a_provider_is_a_provider_error_at_once(
    client: Client, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    _, (record_id,) = await project_with(client, ["a task"])
    response = await client.gql(RATE, {"r": record_id})
    assert response.codes == ["PROVIDER_ERROR"]
    assert "no LLM provider configured" in response.errors[0]["message"]
    assert ai_server.requests == []
    assert await db.fetchval("SELECT count(*) FROM likert_scores") == 0


async def test_a_provider_failure_while_rating_stores_nothing(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    _, (record_id,) = await project_with(client, ["a task"])
    ai_server.fail(2, status=500)
    response = await client.gql(RATE, {"r": record_id})
    assert response.codes == ["PROVIDER_ERROR"]
    assert "test failure 500" in response.errors[0]["message"]
    assert await db.fetchval("SELECT count(*) FROM likert_scores") == 0


async def test_another_users_records_and_projects_are_not_found(
    client: Client, people: People, ai_server: AIServer, db: asyncpg.Connection
) -> None:
    await configure(client, people, ai_server)
    project, (record_id,) = await project_with(client, ["alice's task"])
    bob = client.as_(people.bob)
    rated = await bob.gql(RATE, {"r": record_id})
    assert rated.codes == ["NOT_FOUND"]
    started = await bob.gql(START, {"p": project["id"], "t": None})
    # a project one cannot see is a bad reference, as for every entity created in one
    assert started.codes == ["BAD_USER_INPUT"]
    assert chat_requests(ai_server) == []
    assert await db.fetchval("SELECT count(*) FROM likert_scores") == 0
    assert await db.fetchval("SELECT count(*) FROM analytics_jobs") == 0
    missing = await client.gql(RATE, {"r": "00000000-0000-0000-0000-000000000001"})
    assert missing.codes == ["NOT_FOUND"]
