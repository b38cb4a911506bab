"""Events (and the recent-events view), service status and execution logs: what
happens while agents work."""

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
)
from aura.schema.orchestration.shared import (
    HERE,
    WORK,
    AgentType,
    LogLevel,
    ServiceHealth,
    project_field,
    task_field,
    user_field,
)

# -- events (seed 001) -------------------------------------------------------------------


@entity_type("events", domain="orchestration")
@strawberry.type(
    description=(
        "An entry of the append-only event log: every change to the work and orchestration "
        "data appends one in the same transaction (`task.created`, `task.status_changed`, "
        "`plan.approved`, …); clients may append their own. Events are never changed or "
        "deleted; a project's events go with the project. Events about personal records "
        "(workflows, task history, generated documents) have no project."
    )
)
class Event:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID | None = strawberry.field(
        description="The project whose timeline this belongs to; none for personal records."
    )
    task_id: strawberry.ID | None = strawberry.field(
        description="The task it is about, if any (kept after the task is deleted)."
    )
    user_id: strawberry.ID | None = strawberry.field(
        description="Who caused it; none for changes made outside a request."
    )
    event_type: str = strawberry.field(
        description="`entity.verb`, lower case: task.created, task.claimed, plan.approved, …"
    )
    payload: JSON = strawberry.field(
        description=(
            "Details. Emitted events carry the row's `id`; `from`/`to` for status changes; "
            "`fields` (changed field names) for updates; `agentId` for claims and releases."
        )
    )
    created_at: datetime = strawberry.field(
        description="When the event was appended (the moment of the change)."
    )

    project = related_field(
        "events.project",
        node=lazy("Project", WORK),
        description="The project of the event, if any.",
    )
    task = task_field("events.task", required=False)
    user = user_field("events.user", "The user who caused the event, if known.")


@strawberry.input(description="Conditions on events; all given fields must match.")
class EventFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    event_type: StringFilter | None = None
    payload: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[EventFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EventFilter] | None = strawberry.field(default=None, name="or")
    not_: EventFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields events can be ordered by.")
class EventOrderField(Enum):
    EVENT_TYPE = "event_type"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for events.")
class EventOrderBy(OrderBy[EventOrderField]):
    pass


@strawberry.input(
    description=(
        "An event to append, on a project's timeline (give the project or a task) or, with "
        "neither, on your personal timeline."
    )
)
class CreateEventInput:
    event_type: str = strawberry.field(
        description="Lower-case dotted name, e.g. `agent.note` (at most 100 characters)."
    )
    payload: JSON | None = strawberry.UNSET
    project_id: strawberry.ID | None = strawberry.UNSET
    task_id: strawberry.ID | None = strawberry.UNSET


@entity_type("recent_events", domain="orchestration")
@strawberry.type(description="An event with its project's name and its task's title (view).")
class RecentEvent:
    id: strawberry.ID = strawberry.field(description="The event's ID.")
    project_id: strawberry.ID | None = strawberry.field(
        description="The event's project; null for personal records."
    )
    task_id: strawberry.ID | None = strawberry.field(description="The task it is about, if any.")
    user_id: strawberry.ID | None = strawberry.field(
        description="Who caused it; null for changes made outside a request."
    )
    event_type: str = strawberry.field(
        description="`entity.verb`, lower case (see `Event.eventType`)."
    )
    payload: JSON = strawberry.field(description="Details (see `Event.payload`).")
    created_at: datetime = strawberry.field(description="When the event was appended.")
    project_name: str | None = strawberry.field(
        description="Name of the event's project; null when it has none."
    )
    task_title: str | None = strawberry.field(
        description="The task's title; none when the task has been deleted."
    )

    event = related_field(
        "recent_events.event", node=lazy("Event", HERE), required=True, description="The event."
    )
    project = related_field(
        "recent_events.project", node=lazy("Project", WORK), description="The project, if any."
    )
    task = task_field("recent_events.task", required=False)


@strawberry.input(description="Conditions on recent events.")
class RecentEventFilter:
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    event_type: StringFilter | None = None
    payload: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    project_name: StringFilter | None = None
    task_title: StringFilter | None = None
    and_: list[RecentEventFilter] | None = strawberry.field(default=None, name="and")
    or_: list[RecentEventFilter] | None = strawberry.field(default=None, name="or")
    not_: RecentEventFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields recent events can be ordered by.")
class RecentEventOrderField(Enum):
    CREATED_AT = "created_at"
    EVENT_TYPE = "event_type"
    PROJECT_NAME = "project_name"


@strawberry.input(description="One ordering term for recent events.")
class RecentEventOrderBy(OrderBy[RecentEventOrderField]):
    pass


# -- service status (seed 002) -----------------------------------------------------------


@entity_type("service_status", domain="orchestration")
@strawberry.type(description="Health of one service of a project, as last checked.")
class ServiceStatus:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    service_name: str = strawberry.field(description="Unique in the project.")
    status: ServiceHealth = strawberry.field(description="Health at the last check.")  # type: ignore[valid-type]
    last_check: datetime | None = strawberry.field(description="When it was last checked.")
    response_time_ms: int | None = strawberry.field(
        description="Response time of the last check in milliseconds (0 or more), if measured."
    )
    error_message: str | None = strawberry.field(
        description="The error of the last check, if it failed."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("service_status.project")


@strawberry.input(description="Conditions on service statuses; all given fields must match.")
class ServiceStatusFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    service_name: StringFilter | None = None
    status: EnumFilter[ServiceHealth] | None = None  # type: ignore[valid-type]
    last_check: DateTimeFilter | None = None
    response_time_ms: IntFilter | None = None
    metadata: JSONFilter | None = None
    and_: list[ServiceStatusFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ServiceStatusFilter] | None = strawberry.field(default=None, name="or")
    not_: ServiceStatusFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields service statuses can be ordered by.")
class ServiceStatusOrderField(Enum):
    SERVICE_NAME = "service_name"
    STATUS = "status"
    LAST_CHECK = "last_check"
    RESPONSE_TIME_MS = "response_time_ms"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for service statuses.")
class ServiceStatusOrderBy(OrderBy[ServiceStatusOrderField]):
    pass


@strawberry.input(description="A new monitored service of a project.")
class CreateServiceStatusInput:
    project_id: strawberry.ID
    service_name: str
    status: ServiceHealth | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="UNKNOWN when omitted."
    )
    last_check: datetime | None = strawberry.UNSET
    response_time_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a service status; omitted fields stay as they are.")
class UpdateServiceStatusInput:
    service_name: str | None = strawberry.UNSET
    status: ServiceHealth | None = strawberry.UNSET  # type: ignore[valid-type]
    last_check: datetime | None = strawberry.UNSET
    response_time_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- execution logs (seed 003) ------------------------------------------------------------


@entity_type("execution_logs", domain="orchestration")
@strawberry.type(
    description=(
        "A line of an agent's execution log for a task (planner, worker, evaluator). Logs "
        "belong to the task's project; they are their own stream and emit no events."
    )
)
class ExecutionLog:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    task_id: strawberry.ID = strawberry.field(
        description="ID of the task it is about (see `task`)."
    )
    user_id: strawberry.ID | None = strawberry.field(description="The user whose agent wrote it.")
    step: str | None = strawberry.field(description="The step of the execution.")
    agent_type: AgentType = strawberry.field(description="Which agent wrote the line.")  # type: ignore[valid-type]
    level: LogLevel = strawberry.field(description="Severity of the line.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="The log text.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description="When the line was written.")

    project = project_field("execution_logs.project")
    task = task_field("execution_logs.task")
    user = user_field("execution_logs.user", "The user whose agent wrote the line, if known.")


@strawberry.input(
    description=(
        "Conditions on execution log lines; all given fields must match. By task: "
        "`taskId: {eq}`; agent types and levels: `in`; a time range: `createdAt: {gte, lt}`; "
        "text: `message: {ilike}`."
    )
)
class ExecutionLogFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    step: StringFilter | None = None
    agent_type: EnumFilter[AgentType] | None = None  # type: ignore[valid-type]
    level: EnumFilter[LogLevel] | None = None  # type: ignore[valid-type]
    message: StringFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[ExecutionLogFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ExecutionLogFilter] | None = strawberry.field(default=None, name="or")
    not_: ExecutionLogFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields execution log lines can be ordered by.")
class ExecutionLogOrderField(Enum):
    CREATED_AT = "created_at"
    LEVEL = "level"
    AGENT_TYPE = "agent_type"
    STEP = "step"


@strawberry.input(description="One ordering term for execution log lines.")
class ExecutionLogOrderBy(OrderBy[ExecutionLogOrderField]):
    pass


@strawberry.input(description="A new log line for a task.")
class CreateExecutionLogInput:
    task_id: strawberry.ID
    agent_type: AgentType  # type: ignore[valid-type]
    message: str
    level: LogLevel | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="INFO when omitted."
    )
    step: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
