"""Estimation patterns: what the durations of completed executions taught, per project,
task type and complexity."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type
from aura.schema import docs
from aura.schema.estimation.shared import TaskComplexity, executions_connection, project_field
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    FloatFilter,
    IDFilter,
    IntFilter,
    StringFilter,
)
from aura.schema.work.shared import TaskType


@entity_type("estimation_patterns", domain="estimation")
@strawberry.type(
    description=(
        "Statistics of the durations of a project's completed executions of one task type "
        "and complexity (Welford's running mean and variance). Completing an execution "
        "adds its duration once; changing or reopening it moves the sample. The pattern "
        "named `learned` is the one Aura maintains; others can be created by hand."
    )
)
class EstimationPattern:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    pattern_name: str = strawberry.field(
        description="Name, unique per project, task type and complexity (Aura's: `learned`)."
    )
    task_type: TaskType = strawberry.field(  # type: ignore[valid-type]
        description="The type of the tasks it describes (`Task.type`)."
    )
    complexity: TaskComplexity = strawberry.field(  # type: ignore[valid-type]
        description="The complexity of the executions it describes."
    )
    avg_duration_minutes: float = strawberry.field(
        description="Mean duration of its samples, in minutes (0 without samples)."
    )
    std_deviation: float = strawberry.field(
        description="Sample standard deviation (n - 1) of the durations; 0 below 2 samples."
    )
    sample_count: int = strawberry.field(description="Executions counted in it.")
    confidence_score: float = strawberry.field(
        description=(
            "How far to trust it, in [0, 1]: `n / (n + 5) / (1 + stdDeviation / "
            "avgDurationMinutes)` (README, Estimation)."
        )
    )
    factors: JSON = strawberry.field(
        description="Free-form JSON about the factors; `{}` when none."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("estimation_patterns.project")
    executions = executions_connection(
        "estimation_patterns.executions", "The completed executions counted in it."
    )


@strawberry.input(description="Conditions on estimation patterns.")
class EstimationPatternFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    pattern_name: StringFilter | None = None
    task_type: EnumFilter[TaskType] | None = None  # type: ignore[valid-type]
    complexity: EnumFilter[TaskComplexity] | None = None  # type: ignore[valid-type]
    sample_count: IntFilter | None = None
    confidence_score: FloatFilter | None = None
    avg_duration_minutes: FloatFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[EstimationPatternFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EstimationPatternFilter] | None = strawberry.field(default=None, name="or")
    not_: EstimationPatternFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields estimation patterns can be ordered by.")
class EstimationPatternOrderField(Enum):
    PATTERN_NAME = "pattern_name"
    TASK_TYPE = "task_type"
    COMPLEXITY = "complexity"
    SAMPLE_COUNT = "sample_count"
    CONFIDENCE_SCORE = "confidence_score"
    AVG_DURATION_MINUTES = "avg_duration_minutes"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for estimation patterns.")
class EstimationPatternOrderBy(OrderBy[EstimationPatternOrderField]):
    pass


@strawberry.input(
    description=(
        "A new (empty) estimation pattern in one of your projects; its statistics are "
        "the database's."
    )
)
class CreateEstimationPatternInput:
    project_id: strawberry.ID
    task_type: TaskType  # type: ignore[valid-type]
    pattern_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Not blank. Default: `learned`."
    )
    complexity: TaskComplexity | None = strawberry.UNSET  # type: ignore[valid-type]
    factors: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to an estimation pattern; its statistics stay.")
class UpdateEstimationPatternInput:
    pattern_name: str | None = strawberry.UNSET
    factors: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
