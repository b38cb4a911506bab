"""Projects: the body of work everything else hangs off."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import DateTimeFilter, EnumFilter, IDFilter, JSONFilter, StringFilter
from aura.schema.work.shared import ACCOUNTS, HERE, ProjectStatus, tasks_connection

# -- projects -------------------------------------------------------------------------


@entity_type("projects", domain="work")
@strawberry.type(description="A body of work owned by one user; everything else hangs off it.")
class Project:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    owner_id: strawberry.ID = strawberry.field(description="The user who owns the project.")
    name: str = strawberry.field(description="Unique among the owner's projects.")
    description: str | None = strawberry.field(description="Longer explanation, if any.")
    path: str | None = strawberry.field(description="Working directory of the project, if any.")
    status: ProjectStatus = strawberry.field(description="Where the project stands.")  # type: ignore[valid-type]
    rules: JSON = strawberry.field(description="Scope rules, gates and triggers for agents.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    guidelines: str | None = strawberry.field(description="Guidelines document (base64 PDF).")
    guidelines_file_name: str | None = strawberry.field(
        description="File name of the guidelines document, if one was uploaded."
    )
    last_task_analysis: str | None = strawberry.field(description="Cached AI summary of tasks.")
    last_feedback_analysis: str | None = strawberry.field(
        description="Cached AI summary of feedback."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    owner = related_field(
        "projects.owner",
        node=lazy("User", ACCOUNTS),
        required=True,
        description="The user who owns the project.",
    )
    epics = connection_field(
        "epics",
        via="projects.epics",
        node=lazy("Epic", HERE),
        filter=lazy("EpicFilter", HERE),
        order=lazy("EpicOrderBy", HERE),
        description="Epics of the project.",
    )
    issues = connection_field(
        "issues",
        via="projects.issues",
        node=lazy("Issue", HERE),
        filter=lazy("IssueFilter", HERE),
        order=lazy("IssueOrderBy", HERE),
        description="Issues of the project.",
    )
    tasks = tasks_connection("projects.tasks", "Tasks of the project.")


@strawberry.input(description="Conditions on projects; all given fields must match.")
class ProjectFilter:
    id: IDFilter | None = None
    owner_id: IDFilter | None = None
    name: StringFilter | None = None
    description: StringFilter | None = None
    path: StringFilter | None = None
    status: EnumFilter[ProjectStatus] | None = None  # type: ignore[valid-type]
    rules: JSONFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[ProjectFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ProjectFilter] | None = strawberry.field(default=None, name="or")
    not_: ProjectFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields projects can be ordered by.")
class ProjectOrderField(Enum):
    NAME = "name"
    STATUS = "status"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for projects.")
class ProjectOrderBy(OrderBy[ProjectOrderField]):
    pass


@strawberry.input(description="A new project, owned by the caller (admins may name an owner).")
class CreateProjectInput:
    name: str
    description: str | None = strawberry.UNSET
    path: str | None = strawberry.UNSET
    status: ProjectStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    rules: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    guidelines: str | None = strawberry.UNSET
    guidelines_file_name: str | None = strawberry.UNSET
    owner_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Administrators only; defaults to the caller."
    )


@strawberry.input(description="Changes to a project; omitted fields stay as they are.")
class UpdateProjectInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    path: str | None = strawberry.UNSET
    status: ProjectStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    rules: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    guidelines: str | None = strawberry.UNSET
    guidelines_file_name: str | None = strawberry.UNSET
    last_task_analysis: str | None = strawberry.UNSET
    last_feedback_analysis: str | None = strawberry.UNSET
