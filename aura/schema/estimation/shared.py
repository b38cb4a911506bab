"""The estimation domain's enums and the relationship fields its types share."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from aura.db import enums
from aura.engine.relay import connection_field, related_field
from aura.schema.common import lazy

HERE = "aura.schema.estimation"
WORK = "aura.schema.work"

TaskComplexity = strawberry.enum(
    enums.Complexity,
    name="TaskComplexity",
    description="How hard a piece of work is; patterns and estimates are kept per complexity.",
)
ExecutionStatus = strawberry.enum(
    enums.ExecutionStatus,
    description=(
        "Lifecycle of a task execution. Any change is allowed; leaving IN_PROGRESS sets "
        "`completedAt` when it is not given, returning to IN_PROGRESS clears it. Only "
        "COMPLETED executions count in estimation patterns."
    ),
)
FactorImpactType = strawberry.enum(
    enums.ImpactType,
    name="FactorImpactType",
    description="Which way an estimation factor moves the time work takes.",
)


@strawberry.enum(description="What a recommended estimate was computed from.")
class EstimateBasis(Enum):
    PROJECT_PATTERN = strawberry.enum_value(
        "PROJECT_PATTERN",
        description="The project's own estimation pattern for this task type and complexity.",
    )
    SAME_TYPE_AND_COMPLEXITY = strawberry.enum_value(
        "SAME_TYPE_AND_COMPLEXITY",
        description=(
            "Completed executions of this task type and complexity in all projects you can see."
        ),
    )
    TYPE_ONLY = strawberry.enum_value(
        "TYPE_ONLY",
        description="Completed executions of this task type, any complexity, in your projects.",
    )
    DEFAULT = strawberry.enum_value(
        "DEFAULT",
        description=(
            "No history: 30 (LOW), 60 (MEDIUM) or 120 (HIGH) minutes, range ±50 %, confidence 0."
        ),
    )


def project_field(via: str) -> Any:
    return related_field(
        via, node=lazy("Project", WORK), required=True, description="The project it belongs to."
    )


def execution_field(via: str) -> Any:
    return related_field(
        via,
        node=lazy("TaskExecution", HERE),
        required=True,
        description="The task execution it belongs to.",
    )


def executions_connection(via: str, description: str) -> Any:
    return connection_field(
        "task_executions",
        via=via,
        node=lazy("TaskExecution", HERE),
        filter=lazy("TaskExecutionFilter", HERE),
        order=lazy("TaskExecutionOrderBy", HERE),
        description=description,
    )


def execution_factors_connection(via: str, description: str) -> Any:
    return connection_field(
        "task_execution_factors",
        via=via,
        node=lazy("TaskExecutionFactor", HERE),
        filter=lazy("TaskExecutionFactorFilter", HERE),
        order=lazy("TaskExecutionFactorOrderBy", HERE),
        description=description,
    )
