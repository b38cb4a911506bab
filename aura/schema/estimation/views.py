"""The seed 002 views (estimation accuracy per project, performance trends per task)
and the recommended estimate."""

from __future__ import annotations

from enum import Enum

import strawberry

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.engine.scopes import in_domain
from aura.schema.common import lazy
from aura.schema.estimation.shared import WORK, EstimateBasis, TaskComplexity, project_field
from aura.schema.filters import FloatFilter, IDFilter, IntFilter, StringFilter
from aura.schema.work.shared import TaskType

# -- accuracy by project -----------------------------------------------------------------


@entity_type("estimation_accuracy_by_project", domain="estimation")
@strawberry.type(
    description=(
        "How well a project's estimates held (view): over its COMPLETED executions that "
        "have an estimate. Over-estimated means the work took less time than estimated."
    )
)
class EstimationAccuracy:
    project_id: strawberry.ID = strawberry.field(description="ID of the project.")
    project_name: str = strawberry.field(description="Name of the project.")
    total_executions: int = strawberry.field(description="Completed executions with an estimate.")
    avg_variance_percent: float | None = strawberry.field(
        description="Mean `TaskExecution.variancePercent`."
    )
    stddev_variance_percent: float | None = strawberry.field(
        description="Sample standard deviation of the variance percent; null below 2."
    )
    within_10_percent: int = strawberry.field(
        description="Executions within ±10 % of their estimate."
    )
    within_25_percent: int = strawberry.field(
        description="Executions within ±25 % of their estimate."
    )
    over_estimated: int = strawberry.field(description="Executions that took less than estimated.")
    under_estimated: int = strawberry.field(description="Executions that took more than estimated.")

    project = project_field("estimation_accuracy_by_project.project")


@strawberry.input(description="Conditions on estimation accuracy rows.")
class EstimationAccuracyFilter:
    project_id: IDFilter | None = None
    project_name: StringFilter | None = None
    total_executions: IntFilter | None = None
    avg_variance_percent: FloatFilter | None = None
    and_: list[EstimationAccuracyFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EstimationAccuracyFilter] | None = strawberry.field(default=None, name="or")
    not_: EstimationAccuracyFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields estimation accuracy rows can be ordered by.")
class EstimationAccuracyOrderField(Enum):
    PROJECT_NAME = "project_name"
    TOTAL_EXECUTIONS = "total_executions"
    AVG_VARIANCE_PERCENT = "avg_variance_percent"


@strawberry.input(description="One ordering term for estimation accuracy rows.")
class EstimationAccuracyOrderBy(OrderBy[EstimationAccuracyOrderField]):
    pass


# -- performance trends ------------------------------------------------------------------


@entity_type("task_performance_trends", domain="estimation")
@strawberry.type(description="A task with more than one execution, and how they went (view).")
class TaskPerformanceTrend:
    task_id: strawberry.ID = strawberry.field(description="ID of the task.")
    task_title: str = strawberry.field(description="Title of the task.")
    project_id: strawberry.ID = strawberry.field(description="ID of the task's project.")
    execution_count: int = strawberry.field(description="Its executions, whatever their status.")
    avg_duration: float | None = strawberry.field(description="Mean duration in minutes.")
    min_duration: float | None = strawberry.field(description="Shortest duration in minutes.")
    max_duration: float | None = strawberry.field(description="Longest duration in minutes.")
    avg_variance_percent: float | None = strawberry.field(description="Mean variance percent.")
    total_context_switches: int = strawberry.field(description="Context switches, all executions.")
    total_interruptions: int = strawberry.field(description="Interruptions, all executions.")

    task = related_field(
        "task_performance_trends.task",
        node=lazy("Task", WORK),
        required=True,
        description="The task.",
    )
    project = project_field("task_performance_trends.project")


@strawberry.input(description="Conditions on task performance trends.")
class TaskPerformanceTrendFilter:
    task_id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_title: StringFilter | None = None
    execution_count: IntFilter | None = None
    avg_duration: FloatFilter | None = None
    and_: list[TaskPerformanceTrendFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskPerformanceTrendFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskPerformanceTrendFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields task performance trends can be ordered by.")
class TaskPerformanceTrendOrderField(Enum):
    TASK_TITLE = "task_title"
    EXECUTION_COUNT = "execution_count"
    AVG_DURATION = "avg_duration"
    AVG_VARIANCE_PERCENT = "avg_variance_percent"


@strawberry.input(description="One ordering term for task performance trends.")
class TaskPerformanceTrendOrderBy(OrderBy[TaskPerformanceTrendOrderField]):
    pass


# -- the recommendation ------------------------------------------------------------------


@in_domain("estimation")
@strawberry.type(
    description=(
        "A recommended estimate for new work (`recommendedEstimate`): the first basis "
        "with history among the project's pattern, the same type and complexity in your "
        "projects, the type alone, else a default; adjusted by the factors recorded on "
        "the executions it rests on (README, Estimation)."
    )
)
class RecommendedEstimate:
    project_id: strawberry.ID = strawberry.field(description="The project asked about.")
    task_type: TaskType = strawberry.field(  # type: ignore[valid-type]
        description="The task type asked about."
    )
    complexity: TaskComplexity = strawberry.field(  # type: ignore[valid-type]
        description="The complexity asked about."
    )
    minutes: float = strawberry.field(description="The estimate: `baseMinutes * adjustment`.")
    low: float = strawberry.field(
        description="Lower end of the range: (mean - standard deviation) * adjustment, ≥ 0."
    )
    high: float = strawberry.field(
        description="Upper end of the range: (mean + standard deviation) * adjustment."
    )
    confidence: float = strawberry.field(
        description="In [0, 1], like `EstimationPattern.confidenceScore`; 0 for DEFAULT."
    )
    sample_count: int = strawberry.field(description="Completed executions it rests on.")
    basis: EstimateBasis = strawberry.field(description="What it was computed from.")
    base_minutes: float = strawberry.field(
        description="The mean duration (or the default) before the factor adjustment."
    )
    adjustment: float = strawberry.field(
        description=(
            "The factor multiplier: 1 + sum(±averageImpact * factorValue) / sampleCount over "
            "the factors recorded on those executions, at least 0.1; 1 without factors."
        )
    )
