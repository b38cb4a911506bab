"""Comments on issues and tasks."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.engine.scalars import BigInt
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import BigIntFilter, DateTimeFilter, IDFilter, JSONFilter, StringFilter
from aura.schema.work.shared import ACCOUNTS, HERE, project_field

# -- comments -------------------------------------------------------------------------


@entity_type("comments", domain="work")
@strawberry.type(description="A comment on an issue or a task.")
class Comment:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    issue_id: strawberry.ID | None = strawberry.field(
        description="ID of the issue commented on (see `issue`), if any."
    )
    task_id: strawberry.ID | None = strawberry.field(
        description="ID of the task commented on (see `task`), if any."
    )
    user_id: strawberry.ID | None = strawberry.field(description="The user who wrote it via Aura.")
    author: str = strawberry.field(description="Display name of the author (person or agent).")
    content: str = strawberry.field(description="The comment's text.")
    github_id: BigInt | None = strawberry.field(
        description="ID of the matching GitHub comment, when synced from GitHub."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("comments.project")
    task = related_field(
        "comments.task", node=lazy("Task", HERE), description="The task commented on, if any."
    )
    issue = related_field(
        "comments.issue", node=lazy("Issue", HERE), description="The issue commented on, if any."
    )
    user = related_field(
        "comments.user",
        node=lazy("User", ACCOUNTS),
        description="The user who wrote the comment, if known.",
    )


@strawberry.input(description="Conditions on comments; all given fields must match.")
class CommentFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    issue_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    author: StringFilter | None = None
    content: StringFilter | None = None
    github_id: BigIntFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[CommentFilter] | None = strawberry.field(default=None, name="and")
    or_: list[CommentFilter] | None = strawberry.field(default=None, name="or")
    not_: CommentFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields comments can be ordered by.")
class CommentOrderField(Enum):
    AUTHOR = "author"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for comments.")
class CommentOrderBy(OrderBy[CommentOrderField]):
    pass


@strawberry.input(description="A new comment on a task or an issue (give at least one).")
class CreateCommentInput:
    content: str
    task_id: strawberry.ID | None = strawberry.UNSET
    issue_id: strawberry.ID | None = strawberry.UNSET
    author: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Name shown as author; defaults to the caller's display name or email.",
    )
    github_id: BigInt | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a comment; omitted fields stay as they are.")
class UpdateCommentInput:
    content: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
