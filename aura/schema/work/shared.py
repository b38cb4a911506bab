"""The work domain's enums and the relationship fields its types share."""

from __future__ import annotations

import strawberry

from aura.db import enums
from aura.engine.relay import connection_field, related_field
from aura.schema.common import lazy

HERE = "aura.schema.work"
ACCOUNTS = "aura.schema.accounts"

ProjectStatus = strawberry.enum(enums.ProjectStatus, description="Lifecycle of a project.")
WorkStatus = strawberry.enum(enums.WorkStatus, description="Lifecycle of an epic.")
IssueStatus = strawberry.enum(enums.IssueStatus, description="Lifecycle of an issue.")
Priority = strawberry.enum(enums.Priority, description="How urgent the work is.")
TaskType = strawberry.enum(enums.TaskType, description="What kind of change a task makes.")
TaskStatus = strawberry.enum(
    enums.TaskStatus,
    description=(
        "Lifecycle of a task. Allowed changes: PENDING → PLANNING/APPROVED/IN_PROGRESS/"
        "BLOCKED/CANCELLED; PLANNING → PENDING/APPROVED/BLOCKED/CANCELLED; APPROVED → "
        "PLANNING/IN_PROGRESS/BLOCKED/CANCELLED; IN_PROGRESS → COMPLETED/FAILED/BLOCKED/"
        "CANCELLED/APPROVED; BLOCKED → PENDING/PLANNING/APPROVED/IN_PROGRESS/CANCELLED; "
        "COMPLETED → IN_PROGRESS; FAILED → PENDING/IN_PROGRESS/CANCELLED; CANCELLED → PENDING. "
        "A task becomes COMPLETED only when all its dependencies are."
    ),
)


# -- relationship fields, shared by several types ------------------------------------


def project_field(via: str) -> object:
    return related_field(
        via, node=lazy("Project", HERE), required=True, description="The project this belongs to."
    )


def tasks_connection(via: str, description: str) -> object:
    return connection_field(
        "tasks",
        via=via,
        node=lazy("Task", HERE),
        filter=lazy("TaskFilter", HERE),
        order=lazy("TaskOrderBy", HERE),
        description=description,
    )


def comments_connection(via: str) -> object:
    return connection_field(
        "comments",
        via=via,
        node=lazy("Comment", HERE),
        filter=lazy("CommentFilter", HERE),
        order=lazy("CommentOrderBy", HERE),
        description="Discussion, oldest first unless ordered otherwise.",
    )
