"""Archived events and execution logs: what retention (``aura.db.retention``) moved out of
the live tables, readable by the same people as before, changed by nobody."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.schema.common import lazy
from aura.schema.filters import DateTimeFilter, EnumFilter, IDFilter, JSONFilter, StringFilter
from aura.schema.orchestration.shared import (
    WORK,
    AgentType,
    LogLevel,
    project_field,
    task_field,
    user_field,
)

ARCHIVED_AT = "When retention moved it here (its age had passed; see README, Retention)."


@entity_type("events_archive", domain="orchestration")
@strawberry.type(
    description=(
        "An event older than the retention age (`AURA_RETENTION_EVENTS_DAYS`), moved out "
        "of `events` as it was; visible to whoever saw the event, changed by nobody."
    )
)
class ArchivedEvent:
    id: strawberry.ID = strawberry.field(description="The event's ID (as it was in `events`).")
    project_id: strawberry.ID | None = strawberry.field(
        description="The project whose timeline it belonged to; none for personal records."
    )
    task_id: strawberry.ID | None = strawberry.field(description="The task it was about, if any.")
    user_id: strawberry.ID | None = strawberry.field(description="Who caused it, if known.")
    event_type: str = strawberry.field(description="`entity.verb` (see `Event.eventType`).")
    payload: JSON = strawberry.field(description="Details (see `Event.payload`).")
    created_at: datetime = strawberry.field(description="When the event was appended.")
    archived_at: datetime = strawberry.field(description=ARCHIVED_AT)

    project = related_field(
        "events_archive.project",
        node=lazy("Project", WORK),
        description="The project of the event, if any.",
    )
    task = task_field("events_archive.task", required=False)
    user = user_field("events_archive.user", "The user who caused the event, if known.")


@strawberry.input(description="Conditions on archived events; all given fields must match.")
class ArchivedEventFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    event_type: StringFilter | None = None
    payload: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    archived_at: DateTimeFilter | None = None
    and_: list[ArchivedEventFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ArchivedEventFilter] | None = strawberry.field(default=None, name="or")
    not_: ArchivedEventFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields archived events can be ordered by.")
class ArchivedEventOrderField(Enum):
    CREATED_AT = "created_at"
    EVENT_TYPE = "event_type"
    ARCHIVED_AT = "archived_at"


@strawberry.input(description="One ordering term for archived events.")
class ArchivedEventOrderBy(OrderBy[ArchivedEventOrderField]):
    pass


@entity_type("execution_logs_archive", domain="orchestration")
@strawberry.type(
    description=(
        "An execution log line older than the retention age (`AURA_RETENTION_LOGS_DAYS`), "
        "moved out of `executionLogs` as it was; visible to the project's owner and admins."
    )
)
class ArchivedExecutionLog:
    id: strawberry.ID = strawberry.field(description="The line's ID (as it was).")
    project_id: strawberry.ID = strawberry.field(description="ID of the task's project.")
    task_id: strawberry.ID = strawberry.field(description="ID of the task it was about.")
    user_id: strawberry.ID | None = strawberry.field(description="The user whose agent wrote it.")
    step: str | None = strawberry.field(description="The step of the execution.")
    agent_type: AgentType = strawberry.field(description="Which agent wrote the line.")  # type: ignore[valid-type]
    level: LogLevel = strawberry.field(description="Severity of the line.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="The log text.")
    metadata: JSON = strawberry.field(description="Free-form details, as written.")
    created_at: datetime = strawberry.field(description="When the line was written.")
    archived_at: datetime = strawberry.field(description=ARCHIVED_AT)

    project = project_field("execution_logs_archive.project")
    task = task_field("execution_logs_archive.task")
    user = user_field("execution_logs_archive.user", "The user whose agent wrote it, if known.")


@strawberry.input(description="Conditions on archived execution log lines.")
class ArchivedExecutionLogFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    agent_type: EnumFilter[AgentType] | None = None  # type: ignore[valid-type]
    level: EnumFilter[LogLevel] | None = None  # type: ignore[valid-type]
    message: StringFilter | None = None
    created_at: DateTimeFilter | None = None
    archived_at: DateTimeFilter | None = None
    and_: list[ArchivedExecutionLogFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ArchivedExecutionLogFilter] | None = strawberry.field(default=None, name="or")
    not_: ArchivedExecutionLogFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields archived execution log lines can be ordered by.")
class ArchivedExecutionLogOrderField(Enum):
    CREATED_AT = "created_at"
    LEVEL = "level"
    ARCHIVED_AT = "archived_at"


@strawberry.input(description="One ordering term for archived execution log lines.")
class ArchivedExecutionLogOrderBy(OrderBy[ArchivedExecutionLogOrderField]):
    pass
