"""Assistant workflows and their runs (personal)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
)
from aura.schema.orchestration.shared import HERE, RunStatus, related_connection, user_field

# -- workflows and their history (seed 003, personal) ------------------------------------


@entity_type("workflows", domain="orchestration")
@strawberry.type(description="A saved assistant workflow of a user (personal).")
class Workflow:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The owner.")
    name: str = strawberry.field(description="Unique among the owner's workflows.")
    description: str | None = strawberry.field(description="What the workflow does, if written.")
    steps: JSON = strawberry.field(description="The steps, a list.")
    trigger: JSON = strawberry.field(description="What starts the workflow (schedule, event, …).")
    is_active: bool = strawberry.field(description="Whether the workflow may run.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    user = user_field("workflows.user", "The owner.")
    history = related_connection(
        "workflow_history", "WorkflowHistory", "workflows.history", "Runs of this workflow."
    )


@strawberry.input(description="Conditions on workflows; all given fields must match.")
class WorkflowFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    name: StringFilter | None = None
    description: StringFilter | None = None
    is_active: BooleanFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[WorkflowFilter] | None = strawberry.field(default=None, name="and")
    or_: list[WorkflowFilter] | None = strawberry.field(default=None, name="or")
    not_: WorkflowFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields workflows can be ordered by.")
class WorkflowOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for workflows.")
class WorkflowOrderBy(OrderBy[WorkflowOrderField]):
    pass


@strawberry.input(description="A new workflow, owned by you.")
class CreateWorkflowInput:
    name: str
    description: str | None = strawberry.UNSET
    steps: JSON | None = strawberry.field(default=strawberry.UNSET, description="A list.")
    trigger: JSON | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a workflow; omitted fields stay as they are.")
class UpdateWorkflowInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    steps: JSON | None = strawberry.UNSET
    trigger: JSON | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@entity_type("workflow_history", domain="orchestration")
@strawberry.type(description="One run of a workflow (personal, like the workflow).")
class WorkflowHistory:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The workflow's owner.")
    workflow_id: strawberry.ID = strawberry.field(
        description="ID of the workflow that ran (see `workflow`)."
    )
    status: RunStatus = strawberry.field(description="Where the run stands.")  # type: ignore[valid-type]
    input: JSON = strawberry.field(
        description="What the run was given, as JSON; `{}` when nothing."
    )
    output: JSON = strawberry.field(
        description="What the run returned, as JSON; `{}` when nothing."
    )
    error_message: str | None = strawberry.field(description="Why it failed, if it did.")
    started_at: datetime = strawberry.field(
        description="When the run started; the time of recording unless given."
    )
    completed_at: datetime | None = strawberry.field(
        description=(
            "When it finished; set to the current time when the status becomes COMPLETED, FAILED "
            "or CANCELLED, unless given."
        )
    )
    duration_ms: int | None = strawberry.field(
        description="Execution time in milliseconds (0 or more), if measured."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    workflow = related_field(
        "workflow_history.workflow",
        node=lazy("Workflow", HERE),
        required=True,
        description="The workflow that ran.",
    )
    user = user_field("workflow_history.user", "The workflow's owner.")


@strawberry.input(description="Conditions on workflow runs; all given fields must match.")
class WorkflowHistoryFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    workflow_id: IDFilter | None = None
    status: EnumFilter[RunStatus] | None = None  # type: ignore[valid-type]
    started_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    duration_ms: IntFilter | None = None
    and_: list[WorkflowHistoryFilter] | None = strawberry.field(default=None, name="and")
    or_: list[WorkflowHistoryFilter] | None = strawberry.field(default=None, name="or")
    not_: WorkflowHistoryFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields workflow runs can be ordered by.")
class WorkflowHistoryOrderField(Enum):
    STATUS = "status"
    STARTED_AT = "started_at"
    COMPLETED_AT = "completed_at"
    DURATION_MS = "duration_ms"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for workflow runs.")
class WorkflowHistoryOrderBy(OrderBy[WorkflowHistoryOrderField]):
    pass


@strawberry.input(description="A new run of one of your workflows.")
class CreateWorkflowHistoryInput:
    workflow_id: strawberry.ID
    status: RunStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="PENDING when omitted."
    )
    input: JSON | None = strawberry.UNSET
    output: JSON | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    started_at: datetime | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET


@strawberry.input(description="Changes to a workflow run; omitted fields stay as they are.")
class UpdateWorkflowHistoryInput:
    status: RunStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    output: JSON | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET
