"""Epics: large pieces of planned work."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, connection_field, entity_type
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    FloatFilter,
    IDFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)
from aura.schema.work.shared import HERE, Priority, WorkStatus, project_field, tasks_connection

# -- epics ----------------------------------------------------------------------------


@entity_type("epics", domain="work")
@strawberry.type(description="A large piece of planned work, split into issues and tasks.")
class Epic:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    key: str = strawberry.field(description="Human key, unique in the project (`epic-001`).")
    title: str = strawberry.field(description="Short name of the epic. Not blank.")
    description: str | None = strawberry.field(description="Longer explanation, if any.")
    status: WorkStatus = strawberry.field(description="Where the epic stands.")  # type: ignore[valid-type]
    priority: Priority = strawberry.field(description="How urgent it is.")  # type: ignore[valid-type]
    estimated_hours: float | None = strawberry.field(
        description="Estimated effort in hours (0 or more); null when not estimated."
    )
    actual_hours: float | None = strawberry.field(
        description="Hours spent so far; null when not recorded."
    )
    complexity: str | None = strawberry.field(
        description="Free-form complexity rating (`low`, `high`, …), if given."
    )
    dependencies: list[str] = strawberry.field(description="Keys of epics this one needs first.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    completed_at: datetime | None = strawberry.field(
        description="When it was completed; set by clients, null until then."
    )

    project = project_field("epics.project")
    issues = connection_field(
        "issues",
        via="epics.issues",
        node=lazy("Issue", HERE),
        filter=lazy("IssueFilter", HERE),
        order=lazy("IssueOrderBy", HERE),
        description="Issues filed under this epic.",
    )
    tasks = tasks_connection("epics.tasks", "Tasks of this epic.")


@strawberry.input(description="Conditions on epics; all given fields must match.")
class EpicFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    key: StringFilter | None = None
    title: StringFilter | None = None
    status: EnumFilter[WorkStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    estimated_hours: FloatFilter | None = None
    complexity: StringFilter | None = None
    dependencies: StringListFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    and_: list[EpicFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EpicFilter] | None = strawberry.field(default=None, name="or")
    not_: EpicFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields epics can be ordered by.")
class EpicOrderField(Enum):
    KEY = "key"
    TITLE = "title"
    STATUS = "status"
    PRIORITY = "priority"
    ESTIMATED_HOURS = "estimated_hours"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for epics.")
class EpicOrderBy(OrderBy[EpicOrderField]):
    pass


@strawberry.input(description="A new epic in a project.")
class CreateEpicInput:
    project_id: strawberry.ID
    key: str
    title: str
    description: str | None = strawberry.UNSET
    status: WorkStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    estimated_hours: float | None = strawberry.UNSET
    actual_hours: float | None = strawberry.UNSET
    complexity: str | None = strawberry.UNSET
    dependencies: list[str] | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to an epic; omitted fields stay as they are.")
class UpdateEpicInput:
    key: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    status: WorkStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    estimated_hours: float | None = strawberry.UNSET
    actual_hours: float | None = strawberry.UNSET
    complexity: str | None = strawberry.UNSET
    dependencies: list[str] | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET
