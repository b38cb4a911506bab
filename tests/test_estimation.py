"""Estimation: executions numbered per task, durations and variances kept by the
database, time tracking with pause/resume, patterns learned with Welford's method,
the recommended estimate's fallback chain and factor adjustment, the views, and bad
input refused with nothing written.

Every expected number below is computed by hand in its comment; times are explicit
(``at`` / ``startedAt``), so nothing waits for the clock.
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from aura.db.pool import connect
from tests import factories
from tests.conftest import Client, People, Response, User
from tests.waiting import until

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EXECUTION = (
    "id taskId projectId executionNumber status complexity startedAt completedAt "
    "durationMinutes estimatedMinutes varianceMinutes variancePercent patternId"
)
SESSION = "id sessionNumber startedAt endedAt durationMinutes taskExecutionId"
PATTERN = (
    "id patternName taskType complexity avgDurationMinutes stdDeviation sampleCount confidenceScore"
)
ESTIMATE = "minutes low high confidence sampleCount basis baseMinutes adjustment"


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


async def execution(client: Client, task_id: str, **fields: Any) -> dict[str, Any]:
    response = await create_execution(client, task_id, **fields)
    return response.ok()["createTaskExecution"]  # type: ignore[no-any-return]


async def create_execution(client: Client, task_id: str, **fields: Any) -> Response:
    return await client.gql(
        "mutation($input: CreateTaskExecutionInput!) "
        f"{{ createTaskExecution(input: $input) {{ {EXECUTION} }} }}",
        {"input": {"taskId": task_id, **fields}},
    )


async def finished(
    client: Client, task_id: str, minutes: float, estimate: int | None = 40, **fields: Any
) -> dict[str, Any]:
    """An execution that started at T0 and completed ``minutes`` later."""
    if estimate is not None:
        fields["estimatedMinutes"] = estimate
    created = await execution(client, task_id, startedAt=at(0), **fields)
    return await complete(client, created["id"], minutes)


async def complete(client: Client, execution_id: str, minutes: float) -> dict[str, Any]:
    response = await complete_response(client, execution_id, minutes)
    return response.ok()["completeTaskExecution"]  # type: ignore[no-any-return]


async def complete_response(client: Client, execution_id: str, minutes: float) -> Response:
    return await client.gql(
        f"mutation($id: ID!, $at: DateTime) {{ completeTaskExecution(id: $id, at: $at) "
        f"{{ {EXECUTION} }} }}",
        {"id": execution_id, "at": at(minutes)},
    )


async def track(client: Client, verb: str, execution_id: str, minutes: float) -> Response:
    selection = EXECUTION if verb == "stop" else SESSION
    return await client.gql(
        f"mutation($e: ID!, $at: DateTime) {{ {verb}TimeTracking(taskExecutionId: $e, at: $at) "
        f"{{ {selection} }} }}",
        {"e": execution_id, "at": at(minutes)},
    )


async def recommend(client: Client, project_id: str, task_type: str, complexity: str) -> Response:
    return await client.gql(
        "query($p: ID!, $t: TaskType!, $c: TaskComplexity!) "
        f"{{ recommendedEstimate(projectId: $p, taskType: $t, complexity: $c) {{ {ESTIMATE} }} }}",
        {"p": project_id, "t": task_type, "c": complexity},
    )


async def pattern(db: asyncpg.Connection, project_id: str, task_type: str, complexity: str) -> Any:
    return await db.fetchrow(
        "SELECT * FROM estimation_patterns WHERE project_id = $1 AND task_type = $2 "
        "AND complexity = $3 AND pattern_name = 'learned'",
        project_id,
        task_type,
        complexity,
    )


async def factor_id(client: Client, name: str) -> str:
    data = (
        await client.gql(
            "query($n: String!) { estimationFactors(filter: {factorName: {eq: $n}}) "
            "{ nodes { id } } }",
            {"n": name},
        )
    ).ok()
    return data["estimationFactors"]["nodes"][0]["id"]  # type: ignore[no-any-return]


async def record_factor(client: Client, execution_id: str, name: str, value: float) -> Response:
    return await client.gql(
        "mutation($input: CreateTaskExecutionFactorInput!) "
        "{ createTaskExecutionFactor(input: $input) { id factorValue } }",
        {
            "input": {
                "taskExecutionId": execution_id,
                "factorId": await factor_id(client, name),
                "factorValue": value,
            }
        },
    )


async def feature(client: Client, project_id: str, title: str = "a feature", **fields: Any) -> Any:
    return await factories.task(client, project_id, title, type="FEATURE", **fields)


# -- numbering, duration, variance -------------------------------------------------------


async def test_executions_are_numbered_per_task_by_the_database_under_concurrency(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    first = await feature(client, project["id"], "first", estimatedMinutes=25)
    second = await feature(client, project["id"], "second")

    created = await asyncio.gather(
        *(execution(client, first["id"]) for _ in range(12)),
        *(execution(client, second["id"]) for _ in range(3)),
    )

    numbers = sorted(e["executionNumber"] for e in created if e["taskId"] == first["id"])
    assert numbers == list(range(1, 13))
    rows = await db.fetch(
        "SELECT execution_number, estimated_minutes, project_id::text FROM task_executions "
        "WHERE task_id = $1 ORDER BY 1",
        second["id"],
    )
    assert [r["execution_number"] for r in rows] == [1, 2, 3]
    assert {r["project_id"] for r in rows} == {project["id"]}
    # The estimate defaults to the task's.
    assert {e["estimatedMinutes"] for e in created if e["taskId"] == first["id"]} == {25}


async def test_duration_and_variance_follow_start_and_completion(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])

    done = await finished(client, task["id"], 50, estimate=40)

    # 50 minutes against 40: +10 minutes, +25 %.
    assert done["status"] == "COMPLETED"
    assert done["durationMinutes"] == 50
    assert done["varianceMinutes"] == 10
    assert done["variancePercent"] == 25
    row = await db.fetchrow("SELECT * FROM task_executions WHERE id = $1", done["id"])
    assert (row["duration_minutes"], row["variance_minutes"], row["variance_percent"]) == (
        50,
        10,
        25,
    )
    assert await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"]) == 50

    # Moving the start by the generic update: the database recomputes (60 vs 40: +50 %).
    moved = await client.gql(
        "mutation($id: ID!, $s: DateTime!) { updateTaskExecution(id: $id, input: {startedAt: $s})"
        " { durationMinutes variancePercent } }",
        {"id": done["id"], "s": at(-10)},
    )
    assert moved.ok()["updateTaskExecution"] == {"durationMinutes": 60, "variancePercent": 50}
    assert await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"]) == 60


# -- time tracking -----------------------------------------------------------------------


async def test_pause_and_resume_count_only_the_tracked_time_exactly(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    created = await execution(client, task["id"], startedAt=at(0), estimatedMinutes=45)
    e = created["id"]

    first = (await track(client, "start", e, 0)).ok()["startTimeTracking"]
    paused = (await track(client, "pause", e, 25)).ok()["pauseTimeTracking"]
    second = (await track(client, "resume", e, 40)).ok()["resumeTimeTracking"]
    (await track(client, "pause", e, 55.5)).ok()
    (await track(client, "resume", e, 70)).ok()
    stopped = (await track(client, "stop", e, 80)).ok()["stopTimeTracking"]

    # Sessions 25 + 15.5 + 10 = 50.5 minutes of the 80 between start and stop;
    # 50.5 against 45: +5.5 minutes, +5.5 / 45 * 100 = 12.2222… %.
    assert (first["sessionNumber"], paused["sessionNumber"], second["sessionNumber"]) == (1, 1, 2)
    assert paused["durationMinutes"] == 25
    assert stopped["status"] == "COMPLETED"
    assert stopped["completedAt"] == at(80)
    assert stopped["durationMinutes"] == 50.5
    assert stopped["varianceMinutes"] == 5.5
    assert stopped["variancePercent"] == pytest.approx(12.222222222222221, rel=1e-12)
    rows = await db.fetch(
        "SELECT session_number, duration_minutes, ended_at FROM time_tracking_sessions "
        "WHERE task_execution_id = $1 ORDER BY session_number",
        e,
    )
    assert [(r["session_number"], r["duration_minutes"]) for r in rows] == [
        (1, 25),
        (2, 15.5),
        (3, 10),
    ]
    assert all(r["ended_at"] is not None for r in rows)
    assert await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"]) == 50

    # Correcting a session (the database recomputes the execution and its pattern).
    session_3 = await db.fetchval(
        "SELECT id::text FROM time_tracking_sessions WHERE task_execution_id = $1 "
        "AND session_number = 3",
        e,
    )
    fixed = await client.gql(
        "mutation($id: ID!, $end: DateTime!) { updateTimeTrackingSession(id: $id, "
        "input: {endedAt: $end}) { durationMinutes taskExecution { durationMinutes } } }",
        {"id": session_3, "end": at(74.5)},
    )
    # 25 + 15.5 + 4.5 = 45: exactly on the estimate.
    assert fixed.ok()["updateTimeTrackingSession"] == {
        "durationMinutes": 4.5,
        "taskExecution": {"durationMinutes": 45},
    }
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert (learned["sample_count"], learned["avg_duration_minutes"]) == (1, 45)
    row = await db.fetchrow("SELECT variance_percent FROM task_executions WHERE id = $1", e)
    assert row["variance_percent"] == 0

    # Deleting a session: 25 + 15.5 = 40.5 left, in the execution and its pattern.
    deleted = "mutation($id: ID!) { deleteTimeTrackingSession(id: $id) }"
    (await client.gql(deleted, {"id": session_3})).ok()
    row = await db.fetchrow("SELECT duration_minutes FROM task_executions WHERE id = $1", e)
    assert row["duration_minutes"] == 40.5
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert (learned["sample_count"], learned["avg_duration_minutes"]) == (1, 40.5)


async def test_a_second_open_session_is_a_conflict_and_nothing_is_written(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    e = (await execution(client, task["id"], startedAt=at(0)))["id"]
    (await track(client, "start", e, 0)).ok()

    again = await track(client, "start", e, 5)
    resumed = await track(client, "resume", e, 5)

    assert again.codes == ["CONFLICT"]
    assert "already has an open session (number 1)" in again.errors[0]["message"]
    assert resumed.codes == ["CONFLICT"]
    (await track(client, "pause", e, 10)).ok()
    (await track(client, "resume", e, 20)).ok()
    # Reopening the closed first session by hand: the database refuses a second open one.
    first = await db.fetchval(
        "SELECT id::text FROM time_tracking_sessions WHERE task_execution_id = $1 "
        "AND session_number = 1",
        e,
    )
    reopened = await client.gql(
        "mutation($id: ID!) { updateTimeTrackingSession(id: $id, input: {endedAt: null}) { id } }",
        {"id": first},
    )
    assert reopened.codes == ["CONFLICT"]
    rows = await db.fetch(
        "SELECT session_number, ended_at FROM time_tracking_sessions "
        "WHERE task_execution_id = $1 ORDER BY 1",
        e,
    )
    assert [(r["session_number"], r["ended_at"] is None) for r in rows] == [(1, False), (2, True)]
    with pytest.raises(asyncpg.UniqueViolationError):  # the index behind the rule
        await db.execute(
            "ALTER TABLE time_tracking_sessions DISABLE TRIGGER t20_check_session;"
            f"INSERT INTO time_tracking_sessions (task_execution_id, project_id, session_number)"
            f" VALUES ('{e}', '{project['id']}', 9)"
        )


async def test_concurrent_starts_open_exactly_one_session(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    e = (await execution(client, task["id"], startedAt=at(0)))["id"]

    responses = await asyncio.gather(*(track(client, "start", e, 1) for _ in range(8)))

    assert sorted(r.codes[0] if r.codes else "OK" for r in responses) == ["CONFLICT"] * 7 + ["OK"]
    assert (
        await db.fetchval(
            "SELECT count(*) FROM time_tracking_sessions WHERE task_execution_id = $1", e
        )
        == 1
    )


async def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    e = (await execution(client, task["id"], startedAt=at(0), estimatedMinutes=30))["id"]
    (await track(client, "start", e, 10)).ok()

    negative = await track(client, "pause", e, 5)  # before the session started
    backwards = await create_execution(
        client, task["id"], startedAt=at(60), completedAt=at(30), status="COMPLETED"
    )
    minus = await create_execution(client, task["id"], estimatedMinutes=-5)
    early = await client.gql(
        "mutation($e: ID!, $at: DateTime) { resumeTimeTracking(taskExecutionId: $e, at: $at) "
        "{ id } }",
        {"e": e, "at": at(-5)},
    )
    unknown = await track(client, "start", "00000000-0000-4000-8000-000000000000", 0)
    malformed = await track(client, "pause", "not-a-uuid", 0)
    bob = client.as_(people.bob)
    foreign_track = await track(bob, "pause", e, 20)
    foreign_create = await create_execution(bob, task["id"])
    foreign_estimate = await recommend(bob, project["id"], "FEATURE", "MEDIUM")

    assert negative.codes == ["BAD_USER_INPUT"]
    assert "must not be before startedAt" in negative.errors[0]["message"]
    assert backwards.codes == ["BAD_USER_INPUT"]
    assert "completedAt" in backwards.errors[0]["message"]
    assert minus.codes == ["BAD_USER_INPUT"]
    assert "estimatedMinutes" in minus.errors[0]["message"]
    assert early.codes == ["CONFLICT"]  # session 1 is still open
    assert unknown.codes == ["NOT_FOUND"]
    assert malformed.codes == ["BAD_USER_INPUT"]
    assert foreign_track.codes == ["NOT_FOUND"]
    assert foreign_create.codes == ["BAD_USER_INPUT"]
    assert foreign_estimate.codes == ["NOT_FOUND"]
    assert await db.fetchval("SELECT count(*) FROM task_executions") == 1
    session = await db.fetchrow(
        "SELECT session_number, ended_at FROM time_tracking_sessions WHERE task_execution_id = $1",
        e,
    )
    assert (session["session_number"], session["ended_at"]) == (1, None)

    # A resumed session may not overlap the previous one; a finished execution takes no
    # more tracking; completing twice and stopping an untracked execution are conflicts.
    (await track(client, "pause", e, 20)).ok()
    overlap = await track(client, "resume", e, 15)
    assert overlap.codes == ["BAD_USER_INPUT"]
    assert "overlap session 1" in overlap.errors[0]["message"]
    (await track(client, "stop", e, 20)).ok()
    after = await track(client, "resume", e, 30)
    twice = await complete_response(client, e, 40)
    untracked = (await execution(client, task["id"], startedAt=at(0)))["id"]
    never = await track(client, "stop", untracked, 10)
    nothing_open = await track(client, "pause", untracked, 10)
    late_start = await client.gql(
        "mutation($id: ID!, $s: DateTime!) { updateTaskExecution(id: $id, input: {startedAt: $s})"
        " { id } }",
        {"id": e, "s": at(12)},
    )
    early_end = await client.gql(
        "mutation($id: ID!, $c: DateTime!) { updateTaskExecution(id: $id, "
        "input: {completedAt: $c}) { id } }",
        {"id": e, "c": at(15)},
    )
    assert late_start.codes == ["BAD_USER_INPUT"]
    assert "after its first session started" in late_start.errors[0]["message"]
    assert early_end.codes == ["BAD_USER_INPUT"]
    assert "before its last session ended" in early_end.errors[0]["message"]
    assert after.codes == ["CONFLICT"]
    assert "time is tracked only while it is IN_PROGRESS" in after.errors[0]["message"]
    assert twice.codes == ["CONFLICT"]
    assert never.codes == ["CONFLICT"]
    assert nothing_open.codes == ["CONFLICT"]
    assert (
        await db.fetchval(
            "SELECT count(*) FROM time_tracking_sessions WHERE task_execution_id = $1", e
        )
        == 1
    )
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert learned["sample_count"] == 1  # 10 minutes, counted once
    row = await db.fetchrow("SELECT status, completed_at FROM task_executions WHERE id = $1", e)
    assert (row["status"], row["completed_at"].isoformat()) == ("COMPLETED", at(20))


async def test_finishing_with_an_open_session_by_the_generic_update_is_a_conflict(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    e = (await execution(client, task["id"], startedAt=at(0)))["id"]
    (await track(client, "start", e, 0)).ok()

    response = await client.gql(
        "mutation($id: ID!) { updateTaskExecution(id: $id, input: {status: COMPLETED}) { id } }",
        {"id": e},
    )

    assert response.codes == ["CONFLICT"]
    assert "pause or stop it first" in response.errors[0]["message"]
    assert await db.fetchval("SELECT status FROM task_executions WHERE id = $1", e) == "IN_PROGRESS"
    assert await db.fetchval("SELECT count(*) FROM estimation_patterns") == 0


# -- patterns ----------------------------------------------------------------------------


async def test_pattern_statistics_against_a_hand_computed_fixture(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])

    done = [
        await finished(client, task["id"], minutes, estimate=40) for minutes in (30, 40, 50, 60)
    ]

    # Durations 30, 40, 50, 60 (estimate 40 each):
    #   mean = 180 / 4 = 45
    #   squared deviations 225 + 25 + 25 + 225 = 500; sample variance 500 / 3
    #   std = sqrt(166.666…) = 12.909944487358056
    #   confidence = 4 / (4 + 5) / (1 + 12.909944… / 45) = 0.4444… / 1.286888 = 0.345363826145
    #   variance percent: -25, 0, +25, +50
    assert [d["variancePercent"] for d in done] == [-25, 0, 25, 50]
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert learned["sample_count"] == 4
    assert learned["avg_duration_minutes"] == pytest.approx(45, rel=1e-12)
    assert learned["std_deviation"] == pytest.approx(12.909944487358056, rel=1e-12)
    assert learned["confidence_score"] == pytest.approx(0.34536382614502537, rel=1e-12)
    assert {d["patternId"] for d in done} == {str(learned["id"])}
    got = (
        await client.gql(
            f"query($p: ID!) {{ project(id: $p) {{ estimationPatterns {{ nodes {{ {PATTERN} }} }} "
            "estimationAccuracy { totalExecutions avgVariancePercent stddevVariancePercent "
            "within10Percent within25Percent overEstimated underEstimated } } }",
            {"p": project["id"]},
        )
    ).ok()["project"]
    assert got["estimationPatterns"]["nodes"][0]["confidenceScore"] == pytest.approx(0.345363826145)
    # Accuracy: mean of -25, 0, 25, 50 = 12.5; deviations ±37.5, ±12.5 → 3125 / 3 →
    # std 32.274861218395145; within 10 %: 0 only; within 25 %: -25, 0, 25;
    # over-estimated (took less): 30; under-estimated: 50, 60.
    assert got["estimationAccuracy"] == {
        "totalExecutions": 4,
        "avgVariancePercent": 12.5,
        "stddevVariancePercent": pytest.approx(32.274861218395145),
        "within10Percent": 1,
        "within25Percent": 3,
        "overEstimated": 1,
        "underEstimated": 2,
    }
    # The task's actual minutes: 30 + 40 + 50 + 60.
    assert await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"]) == 180


async def test_concurrent_completions_are_each_counted_once(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    created = [await execution(client, task["id"], startedAt=at(0)) for _ in range(10)]

    await asyncio.gather(*(complete(client, e["id"], 10 * (i + 1)) for i, e in enumerate(created)))

    # 10, 20, …, 100: mean 55; squared deviations 2 * (45² + 35² + 25² + 15² + 5²) = 8250;
    # std sqrt(8250 / 9) = 30.276503540974915; total 550 minutes.
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert learned["sample_count"] == 10
    assert learned["avg_duration_minutes"] == pytest.approx(55, rel=1e-12)
    assert learned["std_deviation"] == pytest.approx(30.276503540974915, rel=1e-12)
    assert await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"]) == 550


async def test_a_completion_waiting_on_another_sees_it_in_the_tasks_total(
    client: Client, database: str, db: asyncpg.Connection
) -> None:
    """Two completions of one task's executions overlap in time: the second waits for the
    first to commit, then its total includes it (no stale sum written over it). The task
    has no type, so no pattern row orders them: only the task's row lock does."""
    project = await factories.project(client)
    task = await factories.task(client, project["id"])
    first, second = [await execution(client, task["id"], startedAt=at(0)) for _ in range(2)]
    done = "UPDATE task_executions SET status = 'COMPLETED', completed_at = $2 WHERE id = $1"
    one, two = await connect(database), await connect(database)
    try:
        opened = one.transaction()
        await opened.start()
        await one.execute(done, first["id"], T0 + timedelta(minutes=30))
        waiting = asyncio.create_task(two.execute(done, second["id"], T0 + timedelta(minutes=45)))
        blocked = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        await until(lambda: db.fetchval(blocked), "the second completion waits for the first")
        await opened.commit()
        await waiting
    finally:
        await one.close()
        await two.close()

    # 30 + 45 = 75.
    assert await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"]) == 75


async def test_completing_twice_counts_once_and_reopening_takes_the_sample_out(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    done = [await finished(client, task["id"], minutes) for minutes in (30, 40, 50, 60)]
    last = done[-1]["id"]

    twice = await complete_response(client, last, 60)
    same = await client.gql(
        'mutation($id: ID!) { updateTaskExecution(id: $id, input: {status: COMPLETED, notes: "x"})'
        " { status } }",
        {"id": last},
    )
    assert twice.codes == ["CONFLICT"]
    same.ok()
    assert (await pattern(db, project["id"], "FEATURE", "MEDIUM"))["sample_count"] == 4

    reopened = await client.gql(
        "mutation($id: ID!) { updateTaskExecution(id: $id, input: {status: IN_PROGRESS}) "
        "{ status completedAt durationMinutes patternId } }",
        {"id": last},
    )

    # Without the 60: mean 40, std sqrt((100 + 0 + 100) / 2) = 10,
    # confidence 3 / 8 / (1 + 10 / 40) = 0.375 / 1.25 = 0.3.
    assert reopened.ok()["updateTaskExecution"] == {
        "status": "IN_PROGRESS",
        "completedAt": None,
        "durationMinutes": None,
        "patternId": None,
    }
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert learned["sample_count"] == 3
    assert learned["avg_duration_minutes"] == pytest.approx(40, rel=1e-12)
    assert learned["std_deviation"] == pytest.approx(10, rel=1e-12)
    assert learned["confidence_score"] == pytest.approx(0.3, rel=1e-12)
    assert await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"]) == 120

    await complete(client, last, 60)
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert learned["sample_count"] == 4
    assert learned["std_deviation"] == pytest.approx(12.909944487358056, rel=1e-12)

    # Deleting an execution takes its sample out too: 30, 40, 50 again.
    (await client.gql("mutation($id: ID!) { deleteTaskExecution(id: $id) }", {"id": last})).ok()
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert (learned["sample_count"], learned["avg_duration_minutes"]) == (3, pytest.approx(40))


async def test_the_running_statistics_are_numerically_stable(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    base = 10**9  # minutes: the naive sum of squares (≈ 4e18) loses the spread entirely

    for offset in (4, 7, 13, 16):
        created = await execution(client, task["id"], startedAt="2000-01-01T00:00:00+00:00")
        end = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(minutes=base + offset)
        (
            await client.gql(
                "mutation($id: ID!, $at: DateTime) { completeTaskExecution(id: $id, at: $at) "
                "{ id } }",
                {"id": created["id"], "at": end.isoformat()},
            )
        ).ok()

    # Offsets 4, 7, 13, 16: mean 10, squared deviations 36 + 9 + 9 + 36 = 90, variance 30.
    learned = await pattern(db, project["id"], "FEATURE", "MEDIUM")
    assert learned["avg_duration_minutes"] == base + 10
    assert learned["std_deviation"] == pytest.approx(math.sqrt(30), rel=1e-6)
    # 4e9 minutes do not fit the task's integer column: it holds its maximum.
    actual = await db.fetchval("SELECT actual_minutes FROM tasks WHERE id = $1", task["id"])
    assert actual == 2**31 - 1


# -- recommendations ---------------------------------------------------------------------


async def test_the_recommended_estimate_falls_back_basis_by_basis(
    client: Client, people: People
) -> None:
    own = await factories.project(client, "own")
    other = await factories.project(client, "other")
    task = await feature(client, own["id"])
    for minutes in (30, 50):
        await finished(client, task["id"], minutes)
    await finished(client, task["id"], 20, complexity="LOW")
    bob = client.as_(people.bob)
    bobs = await factories.project(bob, "bobs")
    bug = await factories.task(bob, bobs["id"], "a bug", type="BUGFIX")
    await finished(bob, bug["id"], 500, complexity="HIGH")

    project_pattern = (await recommend(client, own["id"], "FEATURE", "MEDIUM")).ok()
    same_kind = (await recommend(client, other["id"], "FEATURE", "MEDIUM")).ok()
    type_only = (await recommend(client, other["id"], "FEATURE", "HIGH")).ok()
    default = (await recommend(client, other["id"], "BUGFIX", "HIGH")).ok()
    bobs_view = (await recommend(bob, bobs["id"], "BUGFIX", "HIGH")).ok()

    # 30 and 50: mean 40, std sqrt(200) = 14.142135623730951,
    # confidence 2 / 7 / (1 + 14.1421… / 40) = 0.211084607153; range 40 ∓ 14.1421….
    medium = {
        "minutes": 40,
        "low": pytest.approx(25.85786437626905),
        "high": pytest.approx(54.14213562373095),
        "confidence": pytest.approx(0.21108460715321672),
        "sampleCount": 2,
        "baseMinutes": 40,
        "adjustment": 1,
    }
    assert project_pattern["recommendedEstimate"] == {**medium, "basis": "PROJECT_PATTERN"}
    assert same_kind["recommendedEstimate"] == {**medium, "basis": "SAME_TYPE_AND_COMPLEXITY"}
    # Any complexity: 30, 50, 20: mean 100 / 3, variance (11.1… + 277.7… + 177.7…) / 2 =
    # 700 / 3, std 15.275252316519467; confidence 3 / 8 / (1 + 15.2752… / 33.3…) = 0.257156.
    assert type_only["recommendedEstimate"] == {
        "minutes": pytest.approx(100 / 3),
        "low": pytest.approx(100 / 3 - 15.275252316519467),
        "high": pytest.approx(100 / 3 + 15.275252316519467),
        "confidence": pytest.approx(0.25715621701158986),
        "sampleCount": 3,
        "basis": "TYPE_ONLY",
        "baseMinutes": pytest.approx(100 / 3),
        "adjustment": 1,
    }
    # Bob's bugfix history is not alice's: she gets the HIGH default, 120 ± 60.
    assert default["recommendedEstimate"] == {
        "minutes": 120,
        "low": 60,
        "high": 180,
        "confidence": 0,
        "sampleCount": 0,
        "basis": "DEFAULT",
        "baseMinutes": 120,
        "adjustment": 1,
    }
    assert bobs_view["recommendedEstimate"]["basis"] == "PROJECT_PATTERN"
    assert bobs_view["recommendedEstimate"]["minutes"] == 500


async def test_recorded_factors_adjust_the_recommendation_by_their_average_impact(
    client: Client, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    first = await finished(client, task["id"], 40)
    second = await finished(client, task["id"], 60)
    (await record_factor(client, first["id"], "unfamiliar_codebase", 1)).ok()  # +0.30
    (await record_factor(client, second["id"], "well_documented", 0.5)).ok()  # -0.10

    estimate = (await recommend(client, project["id"], "FEATURE", "MEDIUM")).ok()

    # adjustment = 1 + (0.30 * 1 - 0.10 * 0.5) / 2 executions = 1.125; mean 50 → 56.25;
    # std sqrt(200) = 14.1421…: low (50 - 14.1421…) * 1.125, high (50 + 14.1421…) * 1.125.
    assert estimate["recommendedEstimate"] == {
        "minutes": pytest.approx(56.25),
        "low": pytest.approx(40.34009742330268),
        "high": pytest.approx(72.15990257669732),
        "confidence": pytest.approx(2 / 7 / (1 + math.sqrt(200) / 50)),
        "sampleCount": 2,
        "basis": "PROJECT_PATTERN",
        "baseMinutes": 50,
        "adjustment": pytest.approx(1.125),
    }
    duplicate = await record_factor(client, first["id"], "unfamiliar_codebase", 0.5)
    assert duplicate.codes == ["CONFLICT"]
    assert await db.fetchval("SELECT count(*) FROM task_execution_factors") == 2


async def test_the_factor_catalogue_is_seeded_admin_written_and_member_read(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    create = (
        "mutation($input: CreateEstimationFactorInput!) { createEstimationFactor(input: $input) "
        "{ id factorName impactType averageImpact } }"
    )
    values = {"factorName": "pairing", "impactType": "DECREASE", "averageImpact": 0.2}

    refused = await client.gql(create, {"input": values})
    made = (await client.as_(people.admin).gql(create, {"input": values})).ok()
    too_much = await client.as_(people.admin).gql(
        create, {"input": {"factorName": "magic", "impactType": "DECREASE", "averageImpact": 1}}
    )
    listing = "{ estimationFactors(first: 50) { totalCount nodes { factorName impactType } } }"
    seen = (await client.gql(listing)).ok()["estimationFactors"]
    pending = (await client.as_(people.pending).gql(listing)).ok()["estimationFactors"]

    assert refused.codes == ["FORBIDDEN"]
    assert made["createEstimationFactor"]["averageImpact"] == 0.2
    assert too_much.codes == ["BAD_USER_INPUT"]
    names = {n["factorName"] for n in seen["nodes"]}
    assert {"unfamiliar_codebase", "unclear_requirements", "external_dependency"} <= names
    assert {"interruptions", "test_coverage_needed", "pairing"} <= names
    assert pending["totalCount"] == 0
    assert (
        await db.fetchval("SELECT count(*) FROM estimation_factors WHERE factor_name = 'magic'")
        == 0
    )
    # A factor recorded on an execution cannot leave the catalogue.
    project = await factories.project(client)
    task = await feature(client, project["id"])
    done = await finished(client, task["id"], 30)
    (await record_factor(client, done["id"], "legacy_code", 1)).ok()
    in_use = await client.as_(people.admin).gql(
        "mutation($id: ID!) { deleteEstimationFactor(id: $id) }",
        {"id": await factor_id(client, "legacy_code")},
    )
    assert in_use.codes == ["CONFLICT"]
    kept = "SELECT count(*) FROM estimation_factors WHERE factor_name = 'legacy_code'"
    assert await db.fetchval(kept) == 1


async def test_reverse_fields_and_the_trends_view(client: Client) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    e = (await execution(client, task["id"], startedAt=at(0), contextSwitches=2))["id"]
    (await track(client, "start", e, 0)).ok()
    (await track(client, "stop", e, 30)).ok()
    await finished(client, task["id"], 50, interruptions=3)

    data = (
        await client.gql(
            "query($t: ID!) { task(id: $t) { actualMinutes "
            "executions { nodes { executionNumber durationMinutes sessions { totalCount } "
            "pattern { sampleCount } } } "
            "performanceTrend { executionCount avgDuration minDuration maxDuration "
            "totalContextSwitches totalInterruptions } } "
            "taskPerformanceTrends { nodes { taskId } } }",
            {"t": task["id"]},
        )
    ).ok()

    assert data["task"]["actualMinutes"] == 80
    assert data["task"]["executions"]["nodes"] == [
        {
            "executionNumber": 1,
            "durationMinutes": 30,
            "sessions": {"totalCount": 1},
            "pattern": {"sampleCount": 2},
        },
        {
            "executionNumber": 2,
            "durationMinutes": 50,
            "sessions": {"totalCount": 0},
            "pattern": {"sampleCount": 2},
        },
    ]
    assert data["task"]["performanceTrend"] == {
        "executionCount": 2,
        "avgDuration": 40,
        "minDuration": 30,
        "maxDuration": 50,
        "totalContextSwitches": 2,
        "totalInterruptions": 3,
    }
    assert data["taskPerformanceTrends"]["nodes"] == [{"taskId": task["id"]}]


async def test_estimation_scopes_guard_its_fields_and_verbs(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    project = await factories.project(client)
    task = await feature(client, project["id"])
    e = (await execution(client, task["id"], startedAt=at(0)))["id"]
    issue = (
        "mutation($input: IssueAccessTokenInput!) "
        "{ issueAccessToken(input: $input) { accessToken } }"
    )
    read_only = (
        await client.gql(issue, {"input": {"name": "reader", "scopes": ["estimation:read"]}})
    ).ok()["issueAccessToken"]["accessToken"]
    work_only = (
        await client.gql(issue, {"input": {"name": "worker", "scopes": ["work:read"]}})
    ).ok()["issueAccessToken"]["accessToken"]
    reader = client.as_(User(people.alice.id, people.alice.email, "USER", read_only))
    worker = client.as_(User(people.alice.id, people.alice.email, "USER", work_only))

    listed = await reader.gql("{ taskExecutions { nodes { id } } }")
    started = await track(reader, "start", e, 0)
    nested = await worker.gql("{ tasks { nodes { executions { nodes { id } } } } }")
    estimate = await recommend(worker, project["id"], "FEATURE", "MEDIUM")

    assert listed.ok()["taskExecutions"]["nodes"] == [{"id": e}]
    assert started.codes == ["FORBIDDEN"]
    assert nested.codes == ["FORBIDDEN"]
    assert estimate.codes == ["FORBIDDEN"]
    assert await db.fetchval("SELECT count(*) FROM time_tracking_sessions") == 0
