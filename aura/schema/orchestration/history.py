"""Task history and generated documents, with their statistics (personal)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    StringFilter,
    StringListFilter,
)
from aura.schema.orchestration.shared import (
    HERE,
    DocumentType,
    RunStatus,
    related_connection,
    user_field,
)

# -- task history (seed 003, personal) -----------------------------------------------------


@entity_type("task_history", domain="orchestration")
@strawberry.type(
    description=(
        "A task the assistant executed for a user (personal): its status, results, "
        "output summary and links, the services it used and how long it took."
    )
)
class TaskHistory:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The user it ran for.")
    description: str = strawberry.field(description="The task as asked.")
    status: RunStatus = strawberry.field(description="Where the run stands.")  # type: ignore[valid-type]
    results: JSON = strawberry.field(
        description="What the run returned, as JSON; `{}` when nothing."
    )
    output_summary: str | None = strawberry.field(
        description="Short summary of the output, if written."
    )
    output_links: list[str] = strawberry.field(
        description="Links to what it produced; empty when none."
    )
    services_used: list[str] = strawberry.field(description="Services used (gmail, docs, …).")
    duration_ms: int | None = strawberry.field(description="Execution time in milliseconds.")
    error_message: str | None = strawberry.field(description="Why it failed, if it did.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    completed_at: datetime | None = strawberry.field(
        description=(
            "When it finished; set to the current time when the status becomes COMPLETED, FAILED "
            "or CANCELLED, unless given."
        )
    )

    user = user_field("task_history.user", "The user it ran for.")
    documents = related_connection(
        "documents_generated",
        "GeneratedDocument",
        "task_history.documents",
        "Documents the task produced.",
    )


@strawberry.input(description="Conditions on task history; all given fields must match.")
class TaskHistoryFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    description: StringFilter | None = None
    status: EnumFilter[RunStatus] | None = None  # type: ignore[valid-type]
    services_used: StringListFilter | None = None
    duration_ms: IntFilter | None = None
    created_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    and_: list[TaskHistoryFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskHistoryFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskHistoryFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields task history can be ordered by.")
class TaskHistoryOrderField(Enum):
    STATUS = "status"
    DURATION_MS = "duration_ms"
    CREATED_AT = "created_at"
    COMPLETED_AT = "completed_at"


@strawberry.input(description="One ordering term for task history.")
class TaskHistoryOrderBy(OrderBy[TaskHistoryOrderField]):
    pass


@strawberry.input(description="A new task history record, yours.")
class CreateTaskHistoryInput:
    description: str
    status: RunStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="PENDING when omitted."
    )
    results: JSON | None = strawberry.UNSET
    output_summary: str | None = strawberry.UNSET
    output_links: list[str] | None = strawberry.UNSET
    services_used: list[str] | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET


@strawberry.input(description="Changes to a task history record; omitted fields stay.")
class UpdateTaskHistoryInput:
    description: str | None = strawberry.UNSET
    status: RunStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    results: JSON | None = strawberry.UNSET
    output_summary: str | None = strawberry.UNSET
    output_links: list[str] | None = strawberry.UNSET
    services_used: list[str] | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET


@in_domain("orchestration")
@strawberry.type(description="How many task history records have a status.")
class RunStatusCount:
    status: RunStatus = strawberry.field(description="The status.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="Records with that status (at least 1).")


@in_domain("orchestration")
@strawberry.type(description="How many task history records used a service.")
class ServiceUsageCount:
    service: str = strawberry.field(description="The service's name.")
    count: int = strawberry.field(description="Records that used it (at least 1).")


@in_domain("orchestration")
@strawberry.type(description="Statistics of your task history (all users' for admins).")
class TaskHistoryStatistics:
    total: int = strawberry.field(description="Records counted.")
    by_status: list[RunStatusCount] = strawberry.field(
        description="Counts per status, most frequent first; statuses with none are left out."
    )
    by_service: list[ServiceUsageCount] = strawberry.field(
        description="Counts per service used, most used first."
    )
    average_duration_ms: float | None = strawberry.field(
        description="Mean duration of the records that have one; null when none has."
    )


# -- generated documents (seed 003, personal) ----------------------------------------------


@entity_type("documents_generated", domain="orchestration")
@strawberry.type(
    description="A document, email or calendar event the assistant created for a user."
)
class GeneratedDocument:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The user it was made for.")
    task_history_id: strawberry.ID | None = strawberry.field(
        description="The assistant task that made it, if recorded."
    )
    type: DocumentType = strawberry.field(description="What kind of document it is.")  # type: ignore[valid-type]
    title: str = strawberry.field(description="Title of the document. Not blank.")
    url: str | None = strawberry.field(description="Direct link to the resource.")
    external_id: str | None = strawberry.field(description="The provider's identifier.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    user = user_field("documents_generated.user", "The user it was made for.")
    task_history = related_field(
        "documents_generated.task_history",
        node=lazy("TaskHistory", HERE),
        description="The assistant task that made it, if recorded.",
    )


@strawberry.input(description="Conditions on generated documents; all given fields must match.")
class GeneratedDocumentFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    task_history_id: IDFilter | None = None
    type: EnumFilter[DocumentType] | None = None  # type: ignore[valid-type]
    title: StringFilter | None = None
    url: StringFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[GeneratedDocumentFilter] | None = strawberry.field(default=None, name="and")
    or_: list[GeneratedDocumentFilter] | None = strawberry.field(default=None, name="or")
    not_: GeneratedDocumentFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields generated documents can be ordered by.")
class GeneratedDocumentOrderField(Enum):
    TYPE = "type"
    TITLE = "title"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for generated documents.")
class GeneratedDocumentOrderBy(OrderBy[GeneratedDocumentOrderField]):
    pass


@strawberry.input(description="A new generated document, yours (or the task history's owner's).")
class CreateGeneratedDocumentInput:
    type: DocumentType  # type: ignore[valid-type]
    title: str
    url: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    task_history_id: strawberry.ID | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a generated document; omitted fields stay.")
class UpdateGeneratedDocumentInput:
    type: DocumentType | None = strawberry.UNSET  # type: ignore[valid-type]
    title: str | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    task_history_id: strawberry.ID | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@in_domain("orchestration")
@strawberry.type(description="How many generated documents have a type.")
class DocumentTypeCount:
    type: DocumentType = strawberry.field(description="The document type.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="Documents of that type (at least 1).")


@in_domain("orchestration")
@strawberry.type(description="Statistics of your generated documents (all users' for admins).")
class GeneratedDocumentStatistics:
    total: int = strawberry.field(description="Documents counted.")
    by_type: list[DocumentTypeCount] = strawberry.field(
        description="Counts per type, most frequent first; types with none are left out."
    )
    last_created_at: datetime | None = strawberry.field(description="When the newest was made.")
