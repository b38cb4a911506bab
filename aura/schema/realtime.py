"""Messages of the subscriptions: each carries the row and the cursor to resume after it."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from aura.db.stream import Change
from aura.engine.relay import instantiate
from aura.schema.dataops import AnalyticsJob, IngestJob
from aura.schema.orchestration import Event, ExecutionLog, ServiceStatus
from aura.schema.work import Task

CURSOR_DESCRIPTION = (
    "Where this message sits in the stream. Subscribe again with `after` set to it to "
    "receive exactly what was committed after it: nothing missed, nothing repeated."
)


@strawberry.enum(description="What happened to the row.")
class ChangeOperation(Enum):
    INSERT = strawberry.enum_value("INSERT", description="The row was created.")
    UPDATE = strawberry.enum_value("UPDATE", description="The row was changed.")
    DELETE = strawberry.enum_value("DELETE", description="The row was deleted.")


@strawberry.type(description="A line of a task's execution log, as it is committed.")
class ExecutionLogMessage:
    cursor: str = strawberry.field(description=CURSOR_DESCRIPTION)
    node: ExecutionLog = strawberry.field(description="The log line.")


@strawberry.type(description="An event of a project's (or a user's) timeline.")
class EventMessage:
    cursor: str = strawberry.field(description=CURSOR_DESCRIPTION)
    node: Event = strawberry.field(description="The event.")


@strawberry.type(description="A task was created, changed or deleted.")
class TaskChange:
    cursor: str = strawberry.field(description=CURSOR_DESCRIPTION)
    operation: ChangeOperation = strawberry.field(
        description="Whether the task was created, updated or deleted."
    )
    node: Task = strawberry.field(
        description="The task as this change left it (as it was, for a deletion)."
    )


@strawberry.type(description="A service's health was recorded, changed or removed.")
class ServiceStatusChange:
    cursor: str = strawberry.field(description=CURSOR_DESCRIPTION)
    operation: ChangeOperation = strawberry.field(
        description="Whether the row was created, updated or deleted."
    )
    node: ServiceStatus = strawberry.field(
        description="The status as this change left it (as it was, for a deletion)."
    )


@strawberry.type(description="An ingest job was created, made progress, finished or was deleted.")
class IngestJobChange:
    cursor: str = strawberry.field(description=CURSOR_DESCRIPTION)
    operation: ChangeOperation = strawberry.field(
        description="Whether the job was created, updated (progress, status) or deleted."
    )
    node: IngestJob = strawberry.field(
        description="The job as this change left it (as it was, for a deletion)."
    )


@strawberry.type(
    description="An analytics job was created, made progress, finished or was deleted."
)
class AnalyticsJobChange:
    cursor: str = strawberry.field(description=CURSOR_DESCRIPTION)
    operation: ChangeOperation = strawberry.field(
        description="Whether the job was created, updated (progress, status) or deleted."
    )
    node: AnalyticsJob = strawberry.field(
        description="The job as this change left it (as it was, for a deletion)."
    )


# subscription field -> (message type, node type)
MESSAGES: dict[str, tuple[type, type]] = {
    "executionLogs": (ExecutionLogMessage, ExecutionLog),
    "events": (EventMessage, Event),
    "taskChanged": (TaskChange, Task),
    "serviceStatusChanged": (ServiceStatusChange, ServiceStatus),
    "ingestJobChanged": (IngestJobChange, IngestJob),
    "analyticsJobChanged": (AnalyticsJobChange, AnalyticsJob),
}


def message_for(field: str, change: Change) -> Any:
    """The object a subscription field yields for a change."""
    message_type, node_type = MESSAGES[field]
    return instantiate(
        message_type,
        {
            "cursor": change.cursor,
            "operation": ChangeOperation(change.op),
            "node": instantiate(node_type, change.row),
        },
    )


def own_types(field: str) -> set[str]:
    """GraphQL type names a message is made of (no other rows are read to render it)."""
    message_type, node_type = MESSAGES[field]
    return {t.__strawberry_definition__.name for t in (message_type, node_type)}  # type: ignore[attr-defined]
