"""Time-tracking sessions: the intervals an execution was actually worked on."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type
from aura.schema import docs
from aura.schema.estimation.shared import execution_field, project_field
from aura.schema.filters import DateTimeFilter, FloatFilter, IDFilter, IntFilter, StringFilter


@entity_type("time_tracking_sessions", domain="estimation")
@strawberry.type(
    description=(
        "One interval of work on an execution, numbered per execution. "
        "`startTimeTracking` opens session 1, `pauseTimeTracking` ends the open session, "
        "`resumeTimeTracking` opens the next number, `stopTimeTracking` ends it and "
        "completes the execution. An execution has at most one open session; sessions "
        "never overlap."
    )
)
class TimeTrackingSession:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    task_execution_id: strawberry.ID = strawberry.field(
        description="ID of the execution (see `taskExecution`)."
    )
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    session_number: int = strawberry.field(description="1, 2, … per execution (by the server).")
    started_at: datetime = strawberry.field(description="When the interval began.")
    ended_at: datetime | None = strawberry.field(
        description="When it ended; null while the session is open."
    )
    duration_minutes: float | None = strawberry.field(
        description="`endedAt - startedAt` in minutes (exact to the microsecond); null while open."
    )
    activity_type: str | None = strawberry.field(
        description="Free-form kind of work (`coding`, `review`, …)."
    )
    productivity_rating: int | None = strawberry.field(description="1 (poor) to 5 (excellent).")
    notes: str | None = strawberry.field(description="Free-form notes.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("time_tracking_sessions.project")
    task_execution = execution_field("time_tracking_sessions.task_execution")


@strawberry.input(description="Conditions on time-tracking sessions.")
class TimeTrackingSessionFilter:
    id: IDFilter | None = None
    task_execution_id: IDFilter | None = None
    project_id: IDFilter | None = None
    session_number: IntFilter | None = None
    started_at: DateTimeFilter | None = None
    ended_at: DateTimeFilter | None = None
    duration_minutes: FloatFilter | None = None
    activity_type: StringFilter | None = None
    productivity_rating: IntFilter | None = None
    and_: list[TimeTrackingSessionFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TimeTrackingSessionFilter] | None = strawberry.field(default=None, name="or")
    not_: TimeTrackingSessionFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields time-tracking sessions can be ordered by.")
class TimeTrackingSessionOrderField(Enum):
    STARTED_AT = "started_at"
    ENDED_AT = "ended_at"
    SESSION_NUMBER = "session_number"
    DURATION_MINUTES = "duration_minutes"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for time-tracking sessions.")
class TimeTrackingSessionOrderBy(OrderBy[TimeTrackingSessionOrderField]):
    pass


@strawberry.input(
    description=(
        "Corrections to a session; omitted fields stay. The same rules hold as for "
        "tracking: no negative duration, no overlap, at most one open session."
    )
)
class UpdateTimeTrackingSessionInput:
    started_at: datetime | None = strawberry.UNSET
    ended_at: datetime | None = strawberry.UNSET
    activity_type: str | None = strawberry.UNSET
    productivity_rating: int | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
