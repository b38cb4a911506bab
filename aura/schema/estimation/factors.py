"""Estimation factors (the shared catalogue) and the factors recorded on executions."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.estimation.shared import (
    HERE,
    FactorImpactType,
    execution_factors_connection,
    execution_field,
    project_field,
)
from aura.schema.filters import DateTimeFilter, EnumFilter, FloatFilter, IDFilter, StringFilter

# -- the catalogue -----------------------------------------------------------------------


@entity_type("estimation_factors", domain="estimation")
@strawberry.type(
    description=(
        "Something that makes work take longer or shorter (an unfamiliar codebase, "
        "unclear requirements, …). A catalogue shared by all projects: members read it, "
        "administrators maintain it; Aura ships with a set."
    )
)
class EstimationFactor:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    factor_name: str = strawberry.field(description="Unique name (`unfamiliar_codebase`).")
    description: str | None = strawberry.field(description="What the factor means.")
    impact_type: FactorImpactType = strawberry.field(  # type: ignore[valid-type]
        description="Whether it makes work take longer or shorter."
    )
    average_impact: float = strawberry.field(
        description=(
            "By how much, as a fraction of the time (0.3 = 30 %); below 1 for DECREASE. "
            "Weighs the factor in `recommendedEstimate`."
        )
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    uses = execution_factors_connection(
        "estimation_factors.uses", "Where your executions recorded this factor."
    )


@strawberry.input(description="Conditions on estimation factors.")
class EstimationFactorFilter:
    id: IDFilter | None = None
    factor_name: StringFilter | None = None
    impact_type: EnumFilter[FactorImpactType] | None = None  # type: ignore[valid-type]
    average_impact: FloatFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[EstimationFactorFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EstimationFactorFilter] | None = strawberry.field(default=None, name="or")
    not_: EstimationFactorFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields estimation factors can be ordered by.")
class EstimationFactorOrderField(Enum):
    FACTOR_NAME = "factor_name"
    IMPACT_TYPE = "impact_type"
    AVERAGE_IMPACT = "average_impact"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for estimation factors.")
class EstimationFactorOrderBy(OrderBy[EstimationFactorOrderField]):
    pass


@strawberry.input(description="A new estimation factor (administrators only).")
class CreateEstimationFactorInput:
    factor_name: str
    description: str | None = strawberry.UNSET
    impact_type: FactorImpactType | None = strawberry.UNSET  # type: ignore[valid-type]
    average_impact: float | None = strawberry.field(
        default=strawberry.UNSET,
        description="A fraction, not negative, below 1 for DECREASE. Default: 0.",
    )
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to an estimation factor (administrators only).")
class UpdateEstimationFactorInput:
    factor_name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    impact_type: FactorImpactType | None = strawberry.UNSET  # type: ignore[valid-type]
    average_impact: float | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- factors recorded on executions ------------------------------------------------------


@entity_type("task_execution_factors", domain="estimation")
@strawberry.type(
    description="A factor that played a part in an execution (once per execution and factor)."
)
class TaskExecutionFactor:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    task_execution_id: strawberry.ID = strawberry.field(
        description="ID of the execution (see `taskExecution`)."
    )
    factor_id: strawberry.ID = strawberry.field(description="ID of the factor (see `factor`).")
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    factor_value: float = strawberry.field(
        description="How strongly it applied (1 = fully, the default; not negative)."
    )
    notes: str | None = strawberry.field(description="Free-form notes.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)

    project = project_field("task_execution_factors.project")
    task_execution = execution_field("task_execution_factors.task_execution")
    factor = related_field(
        "task_execution_factors.factor",
        node=lazy("EstimationFactor", HERE),
        description="The factor (null for a principal who may not read the catalogue).",
    )


@strawberry.input(description="Conditions on recorded execution factors.")
class TaskExecutionFactorFilter:
    id: IDFilter | None = None
    task_execution_id: IDFilter | None = None
    factor_id: IDFilter | None = None
    project_id: IDFilter | None = None
    factor_value: FloatFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[TaskExecutionFactorFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskExecutionFactorFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskExecutionFactorFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields recorded execution factors can be ordered by.")
class TaskExecutionFactorOrderField(Enum):
    FACTOR_VALUE = "factor_value"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for recorded execution factors.")
class TaskExecutionFactorOrderBy(OrderBy[TaskExecutionFactorOrderField]):
    pass


@strawberry.input(description="Record that a factor played a part in one of your executions.")
class CreateTaskExecutionFactorInput:
    task_execution_id: strawberry.ID
    factor_id: strawberry.ID
    factor_value: float | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET


@strawberry.input(description="Changes to a recorded execution factor; omitted fields stay.")
class UpdateTaskExecutionFactorInput:
    factor_value: float | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
