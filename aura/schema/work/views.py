"""The active-tasks and task-progress views."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.schema.common import lazy
from aura.schema.filters import BooleanFilter, EnumFilter, IDFilter, IntFilter, StringFilter
from aura.schema.work.shared import HERE, Priority, TaskStatus, project_field

# -- views ----------------------------------------------------------------------------


@entity_type("active_tasks", domain="work")
@strawberry.type(description="A task in progress or blocked, with its lock state (view).")
class ActiveTask:
    id: strawberry.ID = strawberry.field(description="The task's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the task's project.")
    key: str | None = strawberry.field(description="The task's human key, if it has one.")
    title: str = strawberry.field(description="The task's title.")
    status: TaskStatus = strawberry.field(description="The task's status: IN_PROGRESS or BLOCKED.")  # type: ignore[valid-type]
    priority: Priority = strawberry.field(description="The task's priority.")  # type: ignore[valid-type]
    locked_at: datetime | None = strawberry.field(
        description="When the current lock was taken; null when unlocked."
    )
    locked_by: str | None = strawberry.field(
        description="Agent holding the lock; null when unlocked."
    )
    project_name: str = strawberry.field(description="Name of the task's project.")
    is_actively_locked: bool = strawberry.field(
        description="Locked less than an hour ago, so another agent cannot take it over."
    )
    created_at: datetime = strawberry.field(description="When the task was created.")
    updated_at: datetime = strawberry.field(description="When the task last changed.")

    task = related_field(
        "active_tasks.task", node=lazy("Task", HERE), required=True, description="The full task."
    )
    project = project_field("active_tasks.project")


@strawberry.input(description="Conditions on active tasks.")
class ActiveTaskFilter:
    project_id: IDFilter | None = None
    status: EnumFilter[TaskStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    locked_by: StringFilter | None = None
    is_actively_locked: BooleanFilter | None = None
    and_: list[ActiveTaskFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ActiveTaskFilter] | None = strawberry.field(default=None, name="or")
    not_: ActiveTaskFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields active tasks can be ordered by.")
class ActiveTaskOrderField(Enum):
    LOCKED_AT = "locked_at"
    PRIORITY = "priority"
    TITLE = "title"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for active tasks.")
class ActiveTaskOrderBy(OrderBy[ActiveTaskOrderField]):
    pass


@entity_type("task_progress", domain="work")
@strawberry.type(description="Progress summary of a task (view).")
class TaskProgress:
    id: strawberry.ID = strawberry.field(description="The task's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the task's project.")
    title: str = strawberry.field(description="The task's title.")
    status: TaskStatus = strawberry.field(description="The task's status.")  # type: ignore[valid-type]
    priority: Priority = strawberry.field(description="The task's priority.")  # type: ignore[valid-type]
    total_criteria: int = strawberry.field(description="Number of acceptance criteria.")
    dependency_count: int = strawberry.field(description="Number of tasks this one depends on.")
    completed_dependency_count: int = strawberry.field(
        description="How many of those are COMPLETED."
    )
    comment_count: int = strawberry.field(description="Number of comments on the task.")
    locked_at: datetime | None = strawberry.field(
        description="When the current lock was taken; null when unlocked."
    )
    locked_by: str | None = strawberry.field(
        description="Agent holding the lock; null when unlocked."
    )
    created_at: datetime = strawberry.field(description="When the task was created.")
    updated_at: datetime = strawberry.field(description="When the task last changed.")

    task = related_field(
        "task_progress.task", node=lazy("Task", HERE), required=True, description="The full task."
    )
    project = project_field("task_progress.project")


@strawberry.input(description="Conditions on task progress rows.")
class TaskProgressFilter:
    project_id: IDFilter | None = None
    status: EnumFilter[TaskStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    total_criteria: IntFilter | None = None
    dependency_count: IntFilter | None = None
    and_: list[TaskProgressFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskProgressFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskProgressFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields task progress rows can be ordered by.")
class TaskProgressOrderField(Enum):
    TITLE = "title"
    STATUS = "status"
    PRIORITY = "priority"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for task progress rows.")
class TaskProgressOrderBy(OrderBy[TaskProgressOrderField]):
    pass
