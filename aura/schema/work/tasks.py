"""Tasks: units of work, with their dependencies."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)
from aura.schema.work.shared import (
    ACCOUNTS,
    HERE,
    Priority,
    TaskStatus,
    TaskType,
    comments_connection,
    project_field,
    tasks_connection,
)

# -- tasks ----------------------------------------------------------------------------


@entity_type("tasks", domain="work")
@strawberry.type(
    description=(
        "A unit of work an agent can claim. Tasks may depend on other tasks of the same "
        "project; the dependencies form no cycles."
    )
)
class Task:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    epic_id: strawberry.ID | None = strawberry.field(
        description="ID of the epic it belongs to (see `epic`), if any."
    )
    issue_id: strawberry.ID | None = strawberry.field(
        description="ID of the issue it implements (see `issue`), if any."
    )
    key: str | None = strawberry.field(description="Human key, unique in the project (`task-001`).")
    title: str = strawberry.field(description="Short name of the task. Not blank.")
    description: str | None = strawberry.field(description="Longer explanation, if any.")
    type: TaskType | None = strawberry.field(  # type: ignore[valid-type]
        description="What kind of change it makes, if classified."
    )
    status: TaskStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the task stands; changes follow the `TaskStatus` rules."
    )
    priority: Priority = strawberry.field(description="How urgent it is.")  # type: ignore[valid-type]
    version: str | None = strawberry.field(description="Semantic version of the task definition.")
    acceptance_criteria: list[str] = strawberry.field(description="What 'done' means.")
    context: JSON = strawberry.field(description="Repository, branch, files and other context.")
    constraints: JSON = strawberry.field(
        description="Scope limits: maxDuration, requiresApproval, testCoverageMin, …"
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    order_index: int = strawberry.field(description="Position among sibling tasks.")
    estimated_minutes: int | None = strawberry.field(
        description="Estimated effort in minutes (0 or more); null when not estimated."
    )
    actual_minutes: int | None = strawberry.field(
        description="Minutes spent (0 or more); null when not recorded."
    )
    locked_at: datetime | None = strawberry.field(
        description="When the current lock was taken; locks older than an hour are stale."
    )
    locked_by: str | None = strawberry.field(description="Agent holding the lock, if any.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    completed_at: datetime | None = strawberry.field(description="Set when the task completes.")

    project = project_field("tasks.project")
    epic = related_field(
        "tasks.epic", node=lazy("Epic", HERE), description="The epic this task belongs to, if any."
    )
    issue = related_field(
        "tasks.issue",
        node=lazy("Issue", HERE),
        description="The issue this task implements, if any.",
    )
    creator = related_field(
        "tasks.creator",
        node=lazy("User", ACCOUNTS),
        description="The user who created the task, if known.",
    )
    dependencies = tasks_connection(
        "tasks.dependencies", "Tasks that must be completed before this one."
    )
    dependents = tasks_connection("tasks.dependents", "Tasks that wait for this one.")
    comments = comments_connection("tasks.comments")


@strawberry.input(description="Conditions on tasks; all given fields must match.")
class TaskFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    epic_id: IDFilter | None = None
    issue_id: IDFilter | None = None
    key: StringFilter | None = None
    title: StringFilter | None = None
    description: StringFilter | None = None
    type: EnumFilter[TaskType] | None = None  # type: ignore[valid-type]
    status: EnumFilter[TaskStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    acceptance_criteria: StringListFilter | None = None
    context: JSONFilter | None = None
    constraints: JSONFilter | None = None
    metadata: JSONFilter | None = None
    order_index: IntFilter | None = None
    estimated_minutes: IntFilter | None = None
    locked_by: StringFilter | None = None
    locked_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    and_: list[TaskFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields tasks can be ordered by.")
class TaskOrderField(Enum):
    KEY = "key"
    TITLE = "title"
    STATUS = "status"
    PRIORITY = "priority"
    ORDER_INDEX = "order_index"
    ESTIMATED_MINUTES = "estimated_minutes"
    LOCKED_AT = "locked_at"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    COMPLETED_AT = "completed_at"


@strawberry.input(description="One ordering term for tasks.")
class TaskOrderBy(OrderBy[TaskOrderField]):
    pass


@strawberry.input(description="A new task in a project.")
class CreateTaskInput:
    project_id: strawberry.ID
    title: str
    key: str | None = strawberry.UNSET
    epic_id: strawberry.ID | None = strawberry.UNSET
    issue_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    type: TaskType | None = strawberry.UNSET  # type: ignore[valid-type]
    status: TaskStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Initial status, PENDING when omitted."
    )
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    version: str | None = strawberry.UNSET
    acceptance_criteria: list[str] | None = strawberry.UNSET
    context: JSON | None = strawberry.UNSET
    constraints: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    order_index: int | None = strawberry.UNSET
    estimated_minutes: int | None = strawberry.UNSET
    dependency_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Tasks of the same project this one depends on."
    )


@strawberry.input(
    description=(
        "Changes to a task; omitted fields stay as they are. Status changes follow the "
        "TaskStatus rules."
    )
)
class UpdateTaskInput:
    key: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    epic_id: strawberry.ID | None = strawberry.UNSET
    issue_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    type: TaskType | None = strawberry.UNSET  # type: ignore[valid-type]
    status: TaskStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    version: str | None = strawberry.UNSET
    acceptance_criteria: list[str] | None = strawberry.UNSET
    context: JSON | None = strawberry.UNSET
    constraints: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    order_index: int | None = strawberry.UNSET
    estimated_minutes: int | None = strawberry.UNSET
    actual_minutes: int | None = strawberry.UNSET
