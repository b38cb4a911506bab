"""Analytics jobs: a project's records checked against its guidelines by the
installation's LLM, a batch of records per chat request.

Each batch's analyses commit with the job's ``processed_count`` in one transaction that
holds the job's row lock (a cancelled or deleted job stops there). A record's analysis
is JSON text starting with the job's ID (``{"jobId": "…", …``) and records are taken in
ID order, so a job picked up again after its worker died goes on after the last record
it analysed: no record is analysed twice by one job. The summary at the end is computed
in SQL over the records the job analysed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeGuard

import asyncpg

from aura.ai.chat import ChatClient, system, user
from aura.db.enums import AnalyticsStatus, RecordType
from aura.db.ingest import Stopped
from aura.errors import ProviderError

log = logging.getLogger("aura.analysis")

MAX_GUIDELINES_CHARS = 24_000  # what a prompt carries of the guidelines
MAX_RECORD_CHARS = 4_000  # and of each record's content
MIN_SCORE, MAX_SCORE = 1, 10
COMMON_ISSUES = 5
NO_GUIDELINES = (
    "the project has no guidelines to analyse its records against: set its guidelines "
    "(updateProject) and start the analysis again"
)

INSTRUCTIONS = f"""You check records of a data-labelling project against the project's \
guidelines. For every record given, judge whether it follows the guidelines.
Answer a JSON object {{"analyses": [...]}} with one entry per record:
- "index": the record's number, as given in brackets;
- "aligned": true when the record follows the guidelines, false otherwise;
- "score": an integer from {MIN_SCORE} (ignores the guidelines) to {MAX_SCORE} (follows \
them fully);
- "reasoning": one or two sentences saying why;
- "issues": short phrases naming each guideline the record breaks (empty when aligned)."""

ANALYSIS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "analyses": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "aligned": {"type": "boolean"},
                    "score": {"type": "integer", "minimum": MIN_SCORE, "maximum": MAX_SCORE},
                    "reasoning": {"type": "string"},
                    "issues": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["index", "aligned", "score", "reasoning", "issues"],
            },
        }
    },
    "required": ["analyses"],
}

ChatFactory = Callable[[], Awaitable[ChatClient]]


# -- the prompt and its answer ---------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + " […]"


def prompt(guidelines: str, records: Sequence[asyncpg.Record]) -> list[dict[str, str]]:
    """The messages asking for the analyses of ``records`` (numbered from 1)."""
    listed = "\n\n".join(
        f"[{i}] ({r['type']}{', category ' + r['category'] if r['category'] else ''})\n"
        f"{_clip(r['content'], MAX_RECORD_CHARS)}"
        for i, r in enumerate(records, 1)
    )
    return [
        system(INSTRUCTIONS),
        user(
            f"Guidelines:\n<<<\n{_clip(guidelines, MAX_GUIDELINES_CHARS)}\n>>>\n\n"
            f"Records ({len(records)}):\n\n{listed}"
        ),
    ]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry(item: Any, count: int, who: str) -> tuple[int, dict[str, Any]]:
    """One checked analysis (its index, its fields); ProviderError when malformed."""
    if not isinstance(item, dict):
        raise ProviderError(f"{who} answered an analysis that is not an object: {item!r:.200}")
    index, score = item.get("index"), item.get("score")
    if not _is_int(index) or not 1 <= index <= count:
        raise ProviderError(f"{who} answered an analysis of no record given (index {index!r})")
    if not _is_int(score) or not MIN_SCORE <= score <= MAX_SCORE:
        raise ProviderError(
            f"{who} answered a score of {score!r} for record [{index}]: "
            f"not an integer from {MIN_SCORE} to {MAX_SCORE}"
        )
    aligned, reasoning = item.get("aligned"), item.get("reasoning")
    if not isinstance(aligned, bool) or not isinstance(reasoning, str):
        raise ProviderError(f"{who} answered record [{index}] without aligned and reasoning")
    issues = item.get("issues") or []
    if not isinstance(issues, list):
        issues = [issues]
    cleaned = [" ".join(str(i).split()) for i in issues]
    return index, {
        "aligned": aligned,
        "score": score,
        "reasoning": reasoning.strip(),
        "issues": [i for i in cleaned if i],
    }


def read_answer(answer: Any, count: int, who: str) -> list[dict[str, Any]]:
    """The analyses of records 1..count, in order; ProviderError unless each is there."""
    items = answer.get("analyses") if isinstance(answer, dict) else None
    if not isinstance(items, list):
        raise ProviderError(f"{who} answered without an analyses list")
    found: dict[int, dict[str, Any]] = {}
    for item in items:
        index, entry = _entry(item, count, who)
        found.setdefault(index, entry)
    if len(found) != count:
        missing = sorted(set(range(1, count + 1)) - found.keys())
        raise ProviderError(
            f"{who} analysed {len(found)} of the {count} records given "
            f"(missing: {', '.join(map(str, missing))})"
        )
    return [found[i] for i in range(1, count + 1)]


async def analyse(
    chat: ChatClient, guidelines: str, records: Sequence[asyncpg.Record]
) -> list[dict[str, Any]]:
    answer = await chat.complete_json(prompt(guidelines, records), schema=ANALYSIS_SCHEMA)
    return read_answer(answer, len(records), f"{chat.provider} model {chat.model}")


def stored(job_id: str, model: str, analysis: dict[str, Any]) -> str:
    """A record's ``alignment_analysis``: JSON text whose start names the job."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return json.dumps({"jobId": job_id, **analysis, "model": model, "analysedAt": at})


def marker(job_id: str) -> str:
    """The LIKE pattern of the analyses ``stored`` wrote for a job."""
    return json.dumps({"jobId": job_id})[:-1] + "%"


# -- the job ---------------------------------------------------------------------------

_START = """
UPDATE analytics_jobs j SET status = 'PROCESSING'
WHERE j.id = $1 AND j.status IN ('PENDING', 'PROCESSING')
RETURNING j.project_id::text, j.type, j.created_at,
          (SELECT p.guidelines FROM projects p WHERE p.id = j.project_id) AS guidelines"""

# The records the job covers: of its project and type, existing when it was started.
_SCOPE = """project_id = $1::uuid AND ($2::text IS NULL OR type = $2) AND created_at <= $3"""

_NEXT = f"""
SELECT id::text, type, category, content FROM data_records
WHERE {_SCOPE} AND ($4::uuid IS NULL OR id > $4::uuid) ORDER BY id LIMIT $5"""

_RESUME = f"""
SELECT max(id::text) FROM data_records WHERE {_SCOPE} AND alignment_analysis LIKE $4"""


async def _locked(conn: asyncpg.Connection, job_id: str) -> None:
    """Lock the job's row (in the caller's transaction); Stopped unless it is running."""
    status = await conn.fetchval(
        "SELECT status FROM analytics_jobs WHERE id = $1 FOR UPDATE", job_id
    )
    if status != AnalyticsStatus.PROCESSING:
        raise Stopped


async def _commit_batch(
    conn: asyncpg.Connection, job_id: str, ids: list[str], analyses: list[str]
) -> None:
    async with conn.transaction():
        await _locked(conn, job_id)
        await conn.execute(
            "UPDATE data_records r SET alignment_analysis = v.analysis "
            "FROM unnest($1::uuid[], $2::text[]) AS v(id, analysis) WHERE r.id = v.id",
            ids,
            analyses,
        )
        await conn.execute(
            "UPDATE analytics_jobs SET processed_count = processed_count + $2 WHERE id = $1",
            job_id,
            len(ids),
        )


async def _fail(conn: asyncpg.Connection, job_id: str, error: str) -> str:
    await conn.execute(
        "UPDATE analytics_jobs SET status = 'FAILED', error = $2 "
        "WHERE id = $1 AND status IN ('PENDING', 'PROCESSING')",
        job_id,
        error,
    )
    return AnalyticsStatus.FAILED.value


async def run_analysis(
    conn: asyncpg.Connection, job_id: str, chat: ChatFactory, batch_size: int = 10
) -> str:
    """Analyse an analytics job's records (or the rest of them), then summarise them
    into the job's ``result`` and the project's last analyses; returns the status it
    ended in. ``conn`` is the table owner's (row-level security does not apply)."""
    job = await conn.fetchrow(_START, job_id)
    if job is None:
        return "gone"
    if not (job["guidelines"] or "").strip():
        return await _fail(conn, job_id, NO_GUIDELINES)
    scope = (job["project_id"], job["type"], job["created_at"])
    try:
        client = await chat()
        after = await conn.fetchval(_RESUME, *scope, marker(job_id))
        while records := await conn.fetch(_NEXT, *scope, after, max(1, batch_size)):
            analyses = await analyse(client, job["guidelines"], records)
            ids = [r["id"] for r in records]
            texts = [stored(job_id, client.model, a) for a in analyses]
            await _commit_batch(conn, job_id, ids, texts)
            after = ids[-1]
        await _complete(conn, job_id, job, client.model)
    except Stopped:
        log.info("analytics job %s stopped (cancelled or deleted)", job_id)
        return "stopped"
    except ProviderError as exc:
        return await _fail(conn, job_id, str(exc))
    return AnalyticsStatus.COMPLETED.value


# -- the summary -----------------------------------------------------------------------

_ANALYSED = f"""
WITH a AS MATERIALIZED (
  SELECT type, alignment_analysis::jsonb AS j FROM data_records
  WHERE {_SCOPE} AND alignment_analysis LIKE $4
)"""

_COUNTS = f"""{_ANALYSED}
SELECT type, count(*)::int AS records,
       count(*) FILTER (WHERE (j->>'aligned')::boolean)::int AS aligned,
       sum((j->>'score')::int)::int AS score_sum
FROM a GROUP BY type"""

_ISSUES = f"""{_ANALYSED}, i AS (
  -- per type, and over all types (type NULL)
  SELECT type, lower(issue) AS issue, count(*)::int AS count
  FROM a, jsonb_array_elements_text(a.j->'issues') AS issue
  GROUP BY GROUPING SETS ((type, lower(issue)), (lower(issue)))
)
SELECT type, issue, count FROM (
  SELECT *, row_number() OVER (PARTITION BY type ORDER BY count DESC, issue) AS rank FROM i
) ranked WHERE rank <= {COMMON_ISSUES} ORDER BY type, rank"""


def summary(
    records: int, aligned: int, scores: int, issues: list[dict[str, Any]]
) -> dict[str, Any]:
    """The summary of ``records`` analyses (``scores``: the sum of their scores)."""
    return {
        "records": records,
        "aligned": aligned,
        "misaligned": records - aligned,
        "alignedShare": round(aligned / records, 4) if records else None,
        "meanScore": round(scores / records, 2) if records else None,
        "commonIssues": issues,
    }


async def summarise(
    conn: asyncpg.Connection, job_id: str, scope: tuple[Any, ...], types: Sequence[str]
) -> dict[str, Any]:
    """The job's result: the summary of everything it analysed, and one per type."""
    counts = {r["type"]: r for r in await conn.fetch(_COUNTS, *scope, marker(job_id))}
    issues: dict[str | None, list[dict[str, Any]]] = {t: [] for t in [*types, None]}
    for row in await conn.fetch(_ISSUES, *scope, marker(job_id)):
        issues.setdefault(row["type"], []).append({"issue": row["issue"], "count": row["count"]})
    tallies: dict[str, tuple[int, int, int]] = {
        kind: (row["records"], row["aligned"], row["score_sum"]) if row else (0, 0, 0)
        for kind in types
        for row in [counts.get(kind)]
    }
    by_type = {kind: summary(*tallies[kind], issues=issues[kind]) for kind in types}
    records, aligned, scores = (sum(t[i] for t in tallies.values()) for i in range(3))
    overall = summary(records, aligned, scores, issues=issues[None])
    return {**overall, "byType": by_type}


async def _complete(conn: asyncpg.Connection, job_id: str, job: asyncpg.Record, model: str) -> None:
    types = [job["type"]] if job["type"] else [t.value for t in RecordType]
    scope = (job["project_id"], job["type"], job["created_at"])
    result = await summarise(conn, job_id, scope, types)
    finished = datetime.now(UTC).isoformat(timespec="seconds")
    result = {"jobId": job_id, "model": model, "finishedAt": finished, **result}
    column = {
        RecordType.TASK.value: "last_task_analysis",
        RecordType.FEEDBACK.value: "last_feedback_analysis",
    }
    async with conn.transaction():
        await _locked(conn, job_id)
        for kind in types:
            last = {"jobId": job_id, "model": model, "finishedAt": finished, "type": kind}
            await conn.execute(
                f"UPDATE projects SET {column[kind]} = $2 WHERE id = $1::uuid",
                job["project_id"],
                json.dumps({**last, **result["byType"][kind]}),
            )
        await conn.execute(
            "UPDATE analytics_jobs SET status = 'COMPLETED', result = $2::jsonb, error = NULL "
            "WHERE id = $1",
            job_id,
            json.dumps(result),
        )
