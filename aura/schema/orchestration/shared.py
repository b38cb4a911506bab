"""The orchestration domain's enums and the relationship fields its types share."""

from __future__ import annotations

from typing import Any

import strawberry

from aura.db import enums
from aura.engine.relay import connection_field, related_field
from aura.schema.common import lazy

HERE = "aura.schema.orchestration"
WORK = "aura.schema.work"
ACCOUNTS = "aura.schema.accounts"

PlanStatus = strawberry.enum(
    enums.PlanStatus,
    description=(
        "Lifecycle of a plan. Allowed changes: PROPOSED → APPROVED or REJECTED; "
        "APPROVED → EXECUTING. REJECTED and EXECUTING are final."
    ),
)
DecisionCategory = strawberry.enum(enums.DecisionCategory, description="What a decision is about.")
ResultStatus = strawberry.enum(enums.ResultStatus, description="How an execution ended.")
ArtifactType = strawberry.enum(
    enums.ArtifactType, description="What kind of output an artifact is."
)
AgentType = strawberry.enum(
    enums.AgentType, description="The role of the agent writing a log line."
)
LogLevel = strawberry.enum(enums.LogLevel, description="Severity of a log line.")
ServiceHealth = strawberry.enum(enums.ServiceHealth, description="Health of a monitored service.")
RunStatus = strawberry.enum(
    enums.RunStatus,
    description=(
        "Lifecycle of a workflow run or an assistant task. COMPLETED, FAILED and CANCELLED "
        "are final; reaching one sets `completedAt` when it is not given."
    ),
)
DocumentType = strawberry.enum(enums.DocumentType, description="What kind of document was made.")


# -- relationship fields ---------------------------------------------------------------


def related_connection(target: str, type_name: str, via: str, description: str) -> Any:
    """A nested connection to this domain's ``type_name`` rows along relation ``via``;
    the work domain's types use it for ``project.plans``, ``task.events``, …"""
    return connection_field(
        target,
        via=via,
        node=lazy(type_name, HERE),
        filter=lazy(f"{type_name}Filter", HERE),
        order=lazy(f"{type_name}OrderBy", HERE),
        description=description,
    )


def project_field(via: str) -> Any:
    return related_field(
        via, node=lazy("Project", WORK), required=True, description="The project this belongs to."
    )


def task_field(via: str, *, required: bool = True) -> Any:
    return related_field(
        via,
        node=lazy("Task", WORK),
        required=required,
        description="The task this is about." if required else "The task this is about, if any.",
    )


def user_field(via: str, description: str) -> Any:
    return related_field(via, node=lazy("User", ACCOUNTS), description=description)


def plan_field(via: str) -> Any:
    return related_field(
        via, node=lazy("Plan", HERE), description="The plan this is about, if any."
    )
