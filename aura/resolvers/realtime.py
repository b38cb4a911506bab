"""Subscriptions: live execution logs, events, task and service status changes.

Over the ``/graphql`` websocket the hub serves these fields itself (rendering each change
once for all identical subscriptions). The resolvers below are the same streams for
in-process use (``schema.subscribe`` with a context that carries the hub).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.engine.admission import IN_PROCESS, Refused
from aura.engine.schema import AuraSchema
from aura.realtime.subscription import QueueSink
from aura.schema.orchestration import AgentType, LogLevel
from aura.schema.realtime import (
    AnalyticsJobChange,
    EventMessage,
    ExecutionLogMessage,
    IngestJobChange,
    ServiceStatusChange,
    TaskChange,
    message_for,
)

AFTER = (
    "Resume: first everything committed after this cursor (a message's `cursor`), in "
    "order, then live. Without it, only what is committed from now on."
)


async def _stream(info: Info) -> AsyncGenerator[Any, None]:
    hub = getattr(info.context, "hub", None)
    if hub is None:
        raise errors.ApiError("subscriptions are served over the /graphql websocket")
    principal = info.context.principal
    name = info.operation.name
    # The hub opens admitted operations only (the same admission as every transport).
    schema = info.schema
    assert isinstance(schema, AuraSchema)
    admitted = schema.admission.admit(
        info.query, name.value if name else None, info.variable_values, principal, IN_PROCESS
    )
    if isinstance(admitted, Refused):
        raise admitted.errors[0]
    sink = QueueSink()
    subscription = await hub.open(
        admitted,
        operation_id="local",
        variables=info.variable_values,
        principal=principal,
        sink=sink,
    )
    field = subscription.filter.stream.field
    try:
        while True:
            seq, change, error = await sink.queue.get()
            if change is None:
                if error is not None:
                    raise errors.ApiError(str(error), **error.formatted()["extensions"])
                return
            subscription.sent(seq)
            sink.taken()
            yield message_for(field, change)
    finally:
        hub.close(subscription)


@strawberry.type
class RealtimeSubscription:
    @strawberry.subscription(
        description=(
            "A task's execution log, line by line as it is committed, optionally only "
            "some agent types and levels."
        )
    )
    async def execution_logs(
        self,
        info: Info,
        task_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The task whose log to stream (NOT_FOUND if you cannot see it)."
            ),
        ],
        agent_types: Annotated[
            list[AgentType] | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Only lines of these agent types (at least one); all when omitted."
            ),
        ] = None,
        levels: Annotated[
            list[LogLevel] | None,  # type: ignore[valid-type]
            strawberry.argument(
                description="Only lines of these levels (at least one); all when omitted."
            ),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[ExecutionLogMessage, None]:
        async for message in _stream(info):
            yield message

    @strawberry.subscription(
        description=(
            "Events as they are committed: of a project, of a task, or (with neither) "
            "every event you can see; `eventTypes` takes names and prefixes like `task.*`."
        )
    )
    async def events(
        self,
        info: Info,
        project_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only events of this project.")
        ] = None,
        task_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only events about this task.")
        ] = None,
        event_types: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Only these event types (at least one): names like "
                "`task.created` or prefixes like `task.*`; all when omitted."
            ),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[EventMessage, None]:
        async for message in _stream(info):
            yield message

    @strawberry.subscription(
        description="Tasks created, changed or deleted: of one project, or all you can see."
    )
    async def task_changed(
        self,
        info: Info,
        project_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only tasks of this project; all you can see when omitted."
            ),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[TaskChange, None]:
        async for message in _stream(info):
            yield message

    @strawberry.subscription(
        description="Service health recorded, changed or removed: of one project, or all."
    )
    async def service_status_changed(
        self,
        info: Info,
        project_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only services of this project; all you can see when omitted."
            ),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[ServiceStatusChange, None]:
        async for message in _stream(info):
            yield message

    @strawberry.subscription(
        description="Ingest jobs created, making progress (each committed batch: at least "
        "once a second while one runs), finishing or deleted: of one project, or all you "
        "can see. Draw a progress bar from `savedCount + skippedCount` of `totalRecords`."
    )
    async def ingest_job_changed(
        self,
        info: Info,
        project_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only jobs of this project; all you can see when omitted."
            ),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[IngestJobChange, None]:
        async for message in _stream(info):
            yield message

    @strawberry.subscription(
        description="Analytics jobs created, making progress (each committed batch of "
        "analyses), finishing or deleted: of one project, or all you can see. Draw a "
        "progress bar from `processedCount` of `totalRecords`."
    )
    async def analytics_job_changed(
        self,
        info: Info,
        project_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Only jobs of this project; all you can see when omitted."
            ),
        ] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> AsyncGenerator[AnalyticsJobChange, None]:
        async for message in _stream(info):
            yield message
