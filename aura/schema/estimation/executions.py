"""Task executions: one attempt at a task, timed, with its metrics kept by the database."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.estimation.shared import (
    HERE,
    WORK,
    ExecutionStatus,
    TaskComplexity,
    execution_factors_connection,
    project_field,
)
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    FloatFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringListFilter,
)


@entity_type("task_executions", domain="estimation")
@strawberry.type(
    description=(
        "One attempt at a task, numbered per task. Its duration is the sum of its closed "
        "time-tracking sessions when it has any, else `completedAt - startedAt`; the "
        "variance compares it with the estimate. Both are kept by the database on every "
        "change. A COMPLETED execution is one sample of its estimation pattern."
    )
)
class TaskExecution:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    task_id: strawberry.ID = strawberry.field(description="ID of the task (see `task`).")
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    execution_number: int = strawberry.field(
        description="1 for a task's first execution, then 2, 3, … (assigned by the server)."
    )
    started_at: datetime = strawberry.field(description="When the attempt started.")
    completed_at: datetime | None = strawberry.field(
        description="When it finished (COMPLETED, FAILED or CANCELLED); null while IN_PROGRESS."
    )
    duration_minutes: float | None = strawberry.field(
        description=(
            "Time spent, in minutes: the sum of its closed sessions when it has sessions "
            "(an open one counts once it ends), else `completedAt - startedAt`; null "
            "while neither is known."
        )
    )
    estimated_minutes: int | None = strawberry.field(
        description="The estimate it is measured against (defaults to the task's estimate)."
    )
    variance_minutes: float | None = strawberry.field(
        description="`durationMinutes - estimatedMinutes`: positive when it took longer."
    )
    variance_percent: float | None = strawberry.field(
        description=(
            "`varianceMinutes / estimatedMinutes * 100`; null without an estimate or when "
            "the estimate is 0."
        )
    )
    status: ExecutionStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the attempt stands."
    )
    complexity: TaskComplexity = strawberry.field(  # type: ignore[valid-type]
        description="How hard it was; picks the pattern it counts in."
    )
    context_switches: int = strawberry.field(description="Times the worker switched context.")
    interruptions: int = strawberry.field(description="Times the work was interrupted.")
    blockers: list[str] = strawberry.field(description="What blocked the work, if anything.")
    notes: str | None = strawberry.field(description="Free-form notes.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    pattern_id: strawberry.ID | None = strawberry.field(
        description=(
            "The estimation pattern its duration is counted in (see `pattern`): set while "
            "it is COMPLETED and its task has a type."
        )
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("task_executions.project")
    task = related_field(
        "task_executions.task",
        node=lazy("Task", WORK),
        required=True,
        description="The task attempted.",
    )
    pattern = related_field(
        "task_executions.pattern",
        node=lazy("EstimationPattern", HERE),
        description="The estimation pattern it counts in, if any.",
    )
    sessions = connection_field(
        "time_tracking_sessions",
        via="task_executions.sessions",
        node=lazy("TimeTrackingSession", HERE),
        filter=lazy("TimeTrackingSessionFilter", HERE),
        order=lazy("TimeTrackingSessionOrderBy", HERE),
        description="Its time-tracking sessions, oldest first.",
    )
    factors = execution_factors_connection(
        "task_executions.factors", "The estimation factors recorded on it."
    )


@strawberry.input(description="Conditions on task executions; all given fields must match.")
class TaskExecutionFilter:
    id: IDFilter | None = None
    task_id: IDFilter | None = None
    project_id: IDFilter | None = None
    pattern_id: IDFilter | None = None
    execution_number: IntFilter | None = None
    status: EnumFilter[ExecutionStatus] | None = None  # type: ignore[valid-type]
    complexity: EnumFilter[TaskComplexity] | None = None  # type: ignore[valid-type]
    started_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    duration_minutes: FloatFilter | None = None
    estimated_minutes: IntFilter | None = None
    variance_percent: FloatFilter | None = None
    blockers: StringListFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[TaskExecutionFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskExecutionFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskExecutionFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields task executions can be ordered by.")
class TaskExecutionOrderField(Enum):
    EXECUTION_NUMBER = "execution_number"
    STARTED_AT = "started_at"
    COMPLETED_AT = "completed_at"
    DURATION_MINUTES = "duration_minutes"
    VARIANCE_PERCENT = "variance_percent"
    STATUS = "status"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for task executions.")
class TaskExecutionOrderBy(OrderBy[TaskExecutionOrderField]):
    pass


@strawberry.input(description="A new execution (attempt) of one of your tasks.")
class CreateTaskExecutionInput:
    task_id: strawberry.ID
    started_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="When it started. Default: now."
    )
    completed_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="When it finished; only with a status other than IN_PROGRESS.",
    )
    estimated_minutes: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The estimate to measure it against (not negative). Default: the task's.",
    )
    status: ExecutionStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    complexity: TaskComplexity | None = strawberry.UNSET  # type: ignore[valid-type]
    context_switches: int | None = strawberry.UNSET
    interruptions: int | None = strawberry.UNSET
    blockers: list[str] | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(
    description=(
        "Changes to a task execution; omitted fields stay. The duration, variance and "
        "pattern follow."
    )
)
class UpdateTaskExecutionInput:
    started_at: datetime | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET
    estimated_minutes: int | None = strawberry.UNSET
    status: ExecutionStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    complexity: TaskComplexity | None = strawberry.UNSET  # type: ignore[valid-type]
    context_switches: int | None = strawberry.UNSET
    interruptions: int | None = strawberry.UNSET
    blockers: list[str] | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
