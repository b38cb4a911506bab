"""Issues: problems or requests, numbered per project."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.engine.scalars import BigInt
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BigIntFilter,
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)
from aura.schema.work.shared import (
    HERE,
    IssueStatus,
    Priority,
    comments_connection,
    project_field,
    tasks_connection,
)

# -- issues ---------------------------------------------------------------------------


@entity_type("issues", domain="work")
@strawberry.type(description="A GitHub-style issue: a problem or request, numbered per project.")
class Issue:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    epic_id: strawberry.ID | None = strawberry.field(
        description="ID of the epic it is filed under (see `epic`), if any."
    )
    number: int = strawberry.field(description="Sequential number in the project (#1, #2, …).")
    title: str = strawberry.field(description="Short summary of the issue. Not blank.")
    description: str | None = strawberry.field(description="Details, if any.")
    status: IssueStatus = strawberry.field(description="Where the issue stands.")  # type: ignore[valid-type]
    priority: Priority = strawberry.field(description="How urgent it is.")  # type: ignore[valid-type]
    labels: list[str] = strawberry.field(
        description="Free-form labels (`bug`, `ui`, …); empty when none."
    )
    assignee: str | None = strawberry.field(
        description="Who works on it (a free-form name), if anyone."
    )
    github_id: BigInt | None = strawberry.field(
        description="ID of the matching GitHub issue, when synced from GitHub."
    )
    github_url: str | None = strawberry.field(
        description="Link to the matching GitHub issue, when synced from GitHub."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    closed_at: datetime | None = strawberry.field(
        description="When it was closed; set by clients, null while open."
    )

    project = project_field("issues.project")
    epic = related_field(
        "issues.epic",
        node=lazy("Epic", HERE),
        description="The epic this issue belongs to, if any.",
    )
    tasks = tasks_connection("issues.tasks", "Tasks created for this issue.")
    comments = comments_connection("issues.comments")


@strawberry.input(description="Conditions on issues; all given fields must match.")
class IssueFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    epic_id: IDFilter | None = None
    number: IntFilter | None = None
    title: StringFilter | None = None
    status: EnumFilter[IssueStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    labels: StringListFilter | None = None
    assignee: StringFilter | None = None
    github_id: BigIntFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    closed_at: DateTimeFilter | None = None
    and_: list[IssueFilter] | None = strawberry.field(default=None, name="and")
    or_: list[IssueFilter] | None = strawberry.field(default=None, name="or")
    not_: IssueFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields issues can be ordered by.")
class IssueOrderField(Enum):
    NUMBER = "number"
    TITLE = "title"
    STATUS = "status"
    PRIORITY = "priority"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for issues.")
class IssueOrderBy(OrderBy[IssueOrderField]):
    pass


@strawberry.input(description="A new issue; its number is assigned when omitted.")
class CreateIssueInput:
    project_id: strawberry.ID
    title: str
    number: int | None = strawberry.UNSET
    epic_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    status: IssueStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    labels: list[str] | None = strawberry.UNSET
    assignee: str | None = strawberry.UNSET
    github_id: BigInt | None = strawberry.UNSET
    github_url: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to an issue; omitted fields stay as they are.")
class UpdateIssueInput:
    title: str | None = strawberry.UNSET
    epic_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    status: IssueStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    labels: list[str] | None = strawberry.UNSET
    assignee: str | None = strawberry.UNSET
    github_id: BigInt | None = strawberry.UNSET
    github_url: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    closed_at: datetime | None = strawberry.UNSET
