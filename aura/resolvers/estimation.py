"""Estimation domain: root queries and mutations for task executions, time tracking,
patterns, factors, the views and the recommended estimate.

The arithmetic is the database's (``migrations/sql/estimation.py``): the mutations here
only move sessions and statuses, and the triggers recompute durations, variances,
patterns and the task's actual minutes in the same transaction. The time-tracking verbs
lock the execution's row first, so two verbs on one execution run one after the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.db.enums import Complexity
from aura.db.enums import TaskType as TaskTypeValue
from aura.db.sql.values import check_id
from aura.engine import bulk, crud
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field
from aura.schema.estimation import (
    CreateEstimationFactorInput,
    CreateEstimationPatternInput,
    CreateTaskExecutionFactorInput,
    CreateTaskExecutionInput,
    EstimateBasis,
    EstimationAccuracy,
    EstimationAccuracyFilter,
    EstimationAccuracyOrderBy,
    EstimationFactor,
    EstimationFactorFilter,
    EstimationFactorOrderBy,
    EstimationPattern,
    EstimationPatternFilter,
    EstimationPatternOrderBy,
    RecommendedEstimate,
    TaskComplexity,
    TaskExecution,
    TaskExecutionFactor,
    TaskExecutionFactorFilter,
    TaskExecutionFactorOrderBy,
    TaskExecutionFilter,
    TaskExecutionOrderBy,
    TaskPerformanceTrend,
    TaskPerformanceTrendFilter,
    TaskPerformanceTrendOrderBy,
    TimeTrackingSession,
    TimeTrackingSessionFilter,
    TimeTrackingSessionOrderBy,
    UpdateEstimationFactorInput,
    UpdateEstimationPatternInput,
    UpdateTaskExecutionFactorInput,
    UpdateTaskExecutionInput,
    UpdateTimeTrackingSessionInput,
)
from aura.schema.work.shared import TaskType

EXECUTION_ID = Annotated[
    strawberry.ID, strawberry.argument(description="ID of the task execution.")
]
AT = Annotated[
    datetime | None,
    strawberry.argument(
        description=(
            "When it happened (explicit times let a client report work done earlier). Default: now."
        )
    ),
]
ACTIVITY = Annotated[
    str | None,
    strawberry.argument(description="Free-form kind of work of the new session (`coding`)."),
]
NOTES = Annotated[str | None, strawberry.argument(description="Notes for the new session.")]

_LOCK = "SELECT status FROM task_executions WHERE id = $1::uuid FOR UPDATE"

_SESSIONS = """
SELECT count(*) AS total, max(session_number) FILTER (WHERE ended_at IS NULL) AS open
FROM time_tracking_sessions WHERE task_execution_id = $1::uuid"""

_OPEN = """
INSERT INTO time_tracking_sessions (task_execution_id, started_at, activity_type, notes)
VALUES ($1::uuid, coalesce($2, now()), $3, $4)
RETURNING *"""

_CLOSE = """
UPDATE time_tracking_sessions SET ended_at = coalesce($2, now())
WHERE task_execution_id = $1::uuid AND ended_at IS NULL
RETURNING *"""

_COMPLETE = """
UPDATE task_executions SET status = 'COMPLETED', completed_at = coalesce($2, now())
WHERE id = $1::uuid
RETURNING *"""

_RECOMMEND = "SELECT * FROM aura.get_recommended_estimate($1::uuid, $2, $3)"


async def _locked_execution(info: Info, execution_id: str) -> tuple[str, str]:
    """The execution's key and status, its row locked until the request ends; NOT_FOUND
    when it does not exist or is not the caller's."""
    key = check_id(execution_id, "taskExecutionId")
    status = await info.context.session.fetchval(_LOCK, key)
    if status is None:
        raise errors.NotFound(f"no task execution with id {key}")
    return key, status


async def _tracking(info: Info, key: str) -> Any:
    return await info.context.session.fetchrow(_SESSIONS, key)


async def _open_session(
    info: Info, key: str, at: datetime | None, activity: str | None, notes: str | None
) -> TimeTrackingSession:
    row = await info.context.session.fetchrow(_OPEN, key, at, activity, notes)
    return crud.as_object("time_tracking_sessions", row)


async def _complete(info: Info, key: str, status: str, at: datetime | None) -> TaskExecution:
    if status == "COMPLETED":
        raise errors.Conflict(f"task execution {key} is already COMPLETED")
    await info.context.session.fetchrow(_CLOSE, key, at)
    row = await info.context.session.fetchrow(_COMPLETE, key, at)
    return crud.as_object("task_executions", row)


# -- queries -----------------------------------------------------------------------------


@strawberry.type
class EstimationQuery:
    task_execution = by_id_field(
        "task_executions", node=TaskExecution, description="A task execution by ID."
    )
    task_executions = connection_field(
        "task_executions",
        node=TaskExecution,
        filter=TaskExecutionFilter,
        order=TaskExecutionOrderBy,
        description="Executions of your tasks (all for admins), oldest first.",
    )
    time_tracking_session = by_id_field(
        "time_tracking_sessions", node=TimeTrackingSession, description="A session by ID."
    )
    time_tracking_sessions = connection_field(
        "time_tracking_sessions",
        node=TimeTrackingSession,
        filter=TimeTrackingSessionFilter,
        order=TimeTrackingSessionOrderBy,
        description="Time-tracking sessions of your executions, earliest first.",
    )
    estimation_pattern = by_id_field(
        "estimation_patterns", node=EstimationPattern, description="An estimation pattern by ID."
    )
    estimation_patterns = connection_field(
        "estimation_patterns",
        node=EstimationPattern,
        filter=EstimationPatternFilter,
        order=EstimationPatternOrderBy,
        description="Estimation patterns of your projects.",
    )
    estimation_factor = by_id_field(
        "estimation_factors", node=EstimationFactor, description="An estimation factor by ID."
    )
    estimation_factors = connection_field(
        "estimation_factors",
        node=EstimationFactor,
        filter=EstimationFactorFilter,
        order=EstimationFactorOrderBy,
        description="The factor catalogue, by name (members can read it).",
    )
    task_execution_factor = by_id_field(
        "task_execution_factors",
        node=TaskExecutionFactor,
        description="A factor recorded on an execution, by ID.",
    )
    task_execution_factors = connection_field(
        "task_execution_factors",
        node=TaskExecutionFactor,
        filter=TaskExecutionFactorFilter,
        order=TaskExecutionFactorOrderBy,
        description="Factors recorded on your executions.",
    )
    estimation_accuracy_by_project = connection_field(
        "estimation_accuracy_by_project",
        node=EstimationAccuracy,
        filter=EstimationAccuracyFilter,
        order=EstimationAccuracyOrderBy,
        description="How well estimates held, per project of yours with completed executions.",
    )
    task_performance_trends = connection_field(
        "task_performance_trends",
        node=TaskPerformanceTrend,
        filter=TaskPerformanceTrendFilter,
        order=TaskPerformanceTrendOrderBy,
        description="Your tasks with more than one execution, and how those went.",
    )

    @strawberry.field(
        description=(
            "A recommended estimate for new work in one of your projects, and what it rests "
            "on: the project's pattern, else the same type and complexity in your projects, "
            "else the type alone, else a default (see `EstimateBasis`). NOT_FOUND for a "
            "project you cannot see."
        )
    )
    async def recommended_estimate(
        self,
        info: Info,
        project_id: Annotated[strawberry.ID, strawberry.argument(description="ID of the project.")],
        task_type: Annotated[
            TaskType,  # type: ignore[valid-type]
            strawberry.argument(description="The type of the task to estimate."),
        ],
        complexity: Annotated[
            TaskComplexity,  # type: ignore[valid-type]
            strawberry.argument(description="Its complexity."),
        ],
    ) -> RecommendedEstimate:
        key = check_id(project_id, "projectId")
        kind, level = TaskTypeValue(task_type), Complexity(complexity)
        row = await info.context.session.fetchrow(_RECOMMEND, key, kind.value, level.value)
        return RecommendedEstimate(
            project_id=strawberry.ID(key),
            task_type=kind,
            complexity=level,
            minutes=row["minutes"],
            low=row["low"],
            high=row["high"],
            confidence=row["confidence"],
            sample_count=row["sample_count"],
            basis=EstimateBasis(row["basis"]),
            base_minutes=row["base_minutes"],
            adjustment=row["adjustment"],
        )


# -- mutations ---------------------------------------------------------------------------


@strawberry.type
class EstimationMutation:
    # -- executions ------------------------------------------------------------------------

    create_task_execution = crud.create_field(
        "task_executions",
        input=CreateTaskExecutionInput,
        node=TaskExecution,
        description="Start recording an attempt at one of your tasks (numbered per task).",
    )
    update_task_execution = crud.update_field(
        "task_executions",
        input=UpdateTaskExecutionInput,
        node=TaskExecution,
        description=(
            "Change an execution; its duration, variance, pattern and the task's actual "
            "minutes follow. Finishing it while a session is open is CONFLICT."
        ),
    )
    delete_task_execution = crud.delete_field(
        "task_executions",
        description="Delete an execution with its sessions and factors (its sample leaves "
        "its pattern). Returns its ID.",
    )

    @strawberry.mutation(
        description=(
            "Complete an execution: end its open session, if any, and mark it COMPLETED at "
            "`at`. Its duration joins its pattern once and sets the task's actual minutes. "
            "Completing a COMPLETED execution is CONFLICT (nothing counts twice)."
        )
    )
    async def complete_task_execution(
        self, info: Info, id: ID_ARGUMENT, at: AT = None
    ) -> TaskExecution:
        key, status = await _locked_execution(info, id)
        return await _complete(info, key, status, at)

    # -- time tracking ---------------------------------------------------------------------

    @strawberry.mutation(
        description=(
            "Open the first time-tracking session of an execution IN_PROGRESS. CONFLICT "
            "when it already has sessions (use `resumeTimeTracking`) or is finished."
        )
    )
    async def start_time_tracking(
        self,
        info: Info,
        task_execution_id: EXECUTION_ID,
        at: AT = None,
        activity_type: ACTIVITY = None,
        notes: NOTES = None,
    ) -> TimeTrackingSession:
        key, _ = await _locked_execution(info, task_execution_id)
        tracking = await _tracking(info, key)
        if tracking["open"] is not None:
            raise errors.Conflict(
                f"task execution {key} already has an open session "
                f"(number {tracking['open']}): pause or stop it first"
            )
        if tracking["total"]:
            raise errors.Conflict(
                f"time tracking of task execution {key} has started: use resumeTimeTracking"
            )
        return await _open_session(info, key, at, activity_type, notes)

    @strawberry.mutation(
        description=(
            "End the open session of an execution at `at`; the paused time does not count. "
            "CONFLICT when no session is open."
        )
    )
    async def pause_time_tracking(
        self, info: Info, task_execution_id: EXECUTION_ID, at: AT = None
    ) -> TimeTrackingSession:
        key, _ = await _locked_execution(info, task_execution_id)
        row = await info.context.session.fetchrow(_CLOSE, key, at)
        if row is None:
            raise errors.Conflict(f"task execution {key} has no open session to pause")
        return crud.as_object("time_tracking_sessions", row)

    @strawberry.mutation(
        description=(
            "Open the next numbered session of a paused execution at `at` (not before the "
            "previous session ended). CONFLICT when a session is open or none was started."
        )
    )
    async def resume_time_tracking(
        self,
        info: Info,
        task_execution_id: EXECUTION_ID,
        at: AT = None,
        activity_type: ACTIVITY = None,
        notes: NOTES = None,
    ) -> TimeTrackingSession:
        key, _ = await _locked_execution(info, task_execution_id)
        tracking = await _tracking(info, key)
        if tracking["open"] is not None:
            raise errors.Conflict(
                f"task execution {key} is not paused: session {tracking['open']} is open"
            )
        if not tracking["total"]:
            raise errors.Conflict(
                f"task execution {key} has no session to resume: use startTimeTracking"
            )
        return await _open_session(info, key, at, activity_type, notes)

    @strawberry.mutation(
        description=(
            "Stop tracking an execution: end its open session (if it is not paused) at "
            "`at` and complete the execution then, like `completeTaskExecution`. CONFLICT "
            "when it was never tracked or is already COMPLETED."
        )
    )
    async def stop_time_tracking(
        self, info: Info, task_execution_id: EXECUTION_ID, at: AT = None
    ) -> TaskExecution:
        key, status = await _locked_execution(info, task_execution_id)
        if not (await _tracking(info, key))["total"]:
            raise errors.Conflict(
                f"task execution {key} was never tracked: use completeTaskExecution"
            )
        return await _complete(info, key, status, at)

    update_time_tracking_session = crud.update_field(
        "time_tracking_sessions",
        input=UpdateTimeTrackingSessionInput,
        node=TimeTrackingSession,
        description="Correct a session; its execution's duration follows.",
    )
    delete_time_tracking_session = crud.delete_field(
        "time_tracking_sessions",
        description="Delete a session; its execution's duration follows. Returns its ID.",
    )

    # -- patterns --------------------------------------------------------------------------

    create_estimation_pattern = crud.create_field(
        "estimation_patterns",
        input=CreateEstimationPatternInput,
        node=EstimationPattern,
        description="Create an empty estimation pattern (completions fill `learned` ones).",
    )
    update_estimation_pattern = crud.update_field(
        "estimation_patterns",
        input=UpdateEstimationPatternInput,
        node=EstimationPattern,
        description="Rename a pattern or change its JSON; its statistics stay.",
    )
    delete_estimation_pattern = crud.delete_field(
        "estimation_patterns",
        description="Delete a pattern; its executions stay, no longer counted. Returns its ID.",
    )

    # -- factors ---------------------------------------------------------------------------

    create_estimation_factor = crud.create_field(
        "estimation_factors",
        input=CreateEstimationFactorInput,
        node=EstimationFactor,
        description="Add a factor to the catalogue (administrators only).",
    )
    upsert_estimation_factor = bulk.upsert_field(
        "estimation_factors",
        input=CreateEstimationFactorInput,
        node=EstimationFactor,
        key=("factor_name",),
        description=(
            "Add a factor to the catalogue, or change the one of the same name "
            "(administrators only)."
        ),
    )
    update_estimation_factor = crud.update_field(
        "estimation_factors",
        input=UpdateEstimationFactorInput,
        node=EstimationFactor,
        description="Change a factor of the catalogue (administrators only).",
    )
    delete_estimation_factor = crud.delete_field(
        "estimation_factors",
        description="Delete an unused factor (administrators only). Returns its ID.",
    )
    create_task_execution_factor = crud.create_field(
        "task_execution_factors",
        input=CreateTaskExecutionFactorInput,
        node=TaskExecutionFactor,
        description="Record a factor on one of your executions (once per factor).",
    )
    update_task_execution_factor = crud.update_field(
        "task_execution_factors",
        input=UpdateTaskExecutionFactorInput,
        node=TaskExecutionFactor,
        description="Change a recorded factor's value or notes.",
    )
    delete_task_execution_factor = crud.delete_field(
        "task_execution_factors",
        description="Remove a recorded factor from an execution. Returns its ID.",
    )
