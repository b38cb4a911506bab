"""Work domain contract: projects, epics, issues, tasks and their dependencies, comments."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.db import enums
from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    FloatFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)
from aura.schema.orchestration import related_connection

_HERE = "aura.schema.work"
_ACCOUNTS = "aura.schema.accounts"

ProjectStatus = strawberry.enum(enums.ProjectStatus, description="Lifecycle of a project.")
WorkStatus = strawberry.enum(enums.WorkStatus, description="Lifecycle of an epic.")
IssueStatus = strawberry.enum(enums.IssueStatus, description="Lifecycle of an issue.")
Priority = strawberry.enum(enums.Priority, description="How urgent the work is.")
TaskType = strawberry.enum(enums.TaskType, description="What kind of change a task makes.")
TaskStatus = strawberry.enum(
    enums.TaskStatus,
    description=(
        "Lifecycle of a task. Allowed changes: PENDING → PLANNING/APPROVED/IN_PROGRESS/"
        "BLOCKED/CANCELLED; PLANNING → PENDING/APPROVED/BLOCKED/CANCELLED; APPROVED → "
        "PLANNING/IN_PROGRESS/BLOCKED/CANCELLED; IN_PROGRESS → COMPLETED/FAILED/BLOCKED/"
        "CANCELLED/APPROVED; BLOCKED → PENDING/PLANNING/APPROVED/IN_PROGRESS/CANCELLED; "
        "COMPLETED → IN_PROGRESS; FAILED → PENDING/IN_PROGRESS/CANCELLED; CANCELLED → PENDING. "
        "A task becomes COMPLETED only when all its dependencies are."
    ),
)


# -- relationship fields, shared by several types ------------------------------------


def _project(via: str) -> object:
    return related_field(
        via, node=lazy("Project", _HERE), required=True, description="The project this belongs to."
    )


def _tasks(via: str, description: str) -> object:
    return connection_field(
        "tasks",
        via=via,
        node=lazy("Task", _HERE),
        filter=lazy("TaskFilter", _HERE),
        order=lazy("TaskOrderBy", _HERE),
        description=description,
    )


def _comments(via: str) -> object:
    return connection_field(
        "comments",
        via=via,
        node=lazy("Comment", _HERE),
        filter=lazy("CommentFilter", _HERE),
        order=lazy("CommentOrderBy", _HERE),
        description="Discussion, oldest first unless ordered otherwise.",
    )


# -- projects -------------------------------------------------------------------------


@entity_type("projects")
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
        node=lazy("User", _ACCOUNTS),
        required=True,
        description="The user who owns the project.",
    )
    epics = connection_field(
        "epics",
        via="projects.epics",
        node=lazy("Epic", _HERE),
        filter=lazy("EpicFilter", _HERE),
        order=lazy("EpicOrderBy", _HERE),
        description="Epics of the project.",
    )
    issues = connection_field(
        "issues",
        via="projects.issues",
        node=lazy("Issue", _HERE),
        filter=lazy("IssueFilter", _HERE),
        order=lazy("IssueOrderBy", _HERE),
        description="Issues of the project.",
    )
    tasks = _tasks("projects.tasks", "Tasks of the project.")
    # orchestration
    plans = related_connection("plans", "Plan", "projects.plans", "Plans for the project's tasks.")
    decisions = related_connection(
        "decisions", "Decision", "projects.decisions", "Decisions of the project."
    )
    results = related_connection(
        "results", "Result", "projects.results", "Execution results of the project's tasks."
    )
    human_overrides = related_connection(
        "human_overrides",
        "HumanOverride",
        "projects.human_overrides",
        "Human overrides recorded in the project.",
    )
    events = related_connection(
        "events", "Event", "projects.events", "The project's timeline, oldest first."
    )
    artifacts = related_connection(
        "artifacts", "Artifact", "projects.artifacts", "Artifacts of the project's tasks."
    )
    checkpoints = related_connection(
        "checkpoints", "Checkpoint", "projects.checkpoints", "Checkpoints of the project."
    )
    agent_sessions = related_connection(
        "agent_sessions",
        "AgentSession",
        "projects.agent_sessions",
        "Agent sessions on the project.",
    )
    services = related_connection(
        "service_status", "ServiceStatus", "projects.services", "Monitored services."
    )
    # vault
    secrets = connection_field(
        "secrets",
        via="projects.secrets",
        node=lazy("Secret", "aura.schema.vault"),
        filter=lazy("SecretFilter", "aura.schema.vault"),
        order=lazy("SecretOrderBy", "aura.schema.vault"),
        description="Secrets of the project (without their values; see `revealSecret`).",
    )
    execution_logs = related_connection(
        "execution_logs",
        "ExecutionLog",
        "projects.execution_logs",
        "Execution log lines of the project's tasks.",
    )


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


# -- epics ----------------------------------------------------------------------------


@entity_type("epics")
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

    project = _project("epics.project")
    issues = connection_field(
        "issues",
        via="epics.issues",
        node=lazy("Issue", _HERE),
        filter=lazy("IssueFilter", _HERE),
        order=lazy("IssueOrderBy", _HERE),
        description="Issues filed under this epic.",
    )
    tasks = _tasks("epics.tasks", "Tasks of this epic.")


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


# -- issues ---------------------------------------------------------------------------


@entity_type("issues")
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
    github_id: int | None = strawberry.field(
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

    project = _project("issues.project")
    epic = related_field(
        "issues.epic",
        node=lazy("Epic", _HERE),
        description="The epic this issue belongs to, if any.",
    )
    tasks = _tasks("issues.tasks", "Tasks created for this issue.")
    comments = _comments("issues.comments")


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
    github_id: int | None = strawberry.UNSET
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
    github_id: int | None = strawberry.UNSET
    github_url: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    closed_at: datetime | None = strawberry.UNSET


# -- tasks ----------------------------------------------------------------------------


@entity_type("tasks")
@strawberry.type(
    description=(
        "A unit of work an agent can claim. Tasks may depend on other tasks of the same "
        "project; the dependencies form no cycles."
    )
)
class Task:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    epic_id: strawberry.ID | None = strawberry.field(
        description="ID of the epic it belongs to (see `epic`), if any."
    )
    issue_id: strawberry.ID | None = strawberry.field(
        description="ID of the issue it implements (see `issue`), if any."
    )
    key: str | None = strawberry.field(description="Human key, unique in the project (`task-001`).")
    title: str = strawberry.field(description="Short name of the task. Not blank.")
    description: str | None = strawberry.field(description="Longer explanation, if any.")
    type: TaskType | None = strawberry.field(  # type: ignore[valid-type]
        description="What kind of change it makes, if classified."
    )
    status: TaskStatus = strawberry.field(  # type: ignore[valid-type]
        description="Where the task stands; changes follow the `TaskStatus` rules."
    )
    priority: Priority = strawberry.field(description="How urgent it is.")  # type: ignore[valid-type]
    version: str | None = strawberry.field(description="Semantic version of the task definition.")
    acceptance_criteria: list[str] = strawberry.field(description="What 'done' means.")
    context: JSON = strawberry.field(description="Repository, branch, files and other context.")
    constraints: JSON = strawberry.field(
        description="Scope limits: maxDuration, requiresApproval, testCoverageMin, …"
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    order_index: int = strawberry.field(description="Position among sibling tasks.")
    estimated_minutes: int | None = strawberry.field(
        description="Estimated effort in minutes (0 or more); null when not estimated."
    )
    actual_minutes: int | None = strawberry.field(
        description="Minutes spent (0 or more); null when not recorded."
    )
    locked_at: datetime | None = strawberry.field(
        description="When the current lock was taken; locks older than an hour are stale."
    )
    locked_by: str | None = strawberry.field(description="Agent holding the lock, if any.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    completed_at: datetime | None = strawberry.field(description="Set when the task completes.")

    project = _project("tasks.project")
    epic = related_field(
        "tasks.epic", node=lazy("Epic", _HERE), description="The epic this task belongs to, if any."
    )
    issue = related_field(
        "tasks.issue",
        node=lazy("Issue", _HERE),
        description="The issue this task implements, if any.",
    )
    creator = related_field(
        "tasks.creator",
        node=lazy("User", _ACCOUNTS),
        description="The user who created the task, if known.",
    )
    dependencies = _tasks("tasks.dependencies", "Tasks that must be completed before this one.")
    dependents = _tasks("tasks.dependents", "Tasks that wait for this one.")
    comments = _comments("tasks.comments")
    # orchestration
    plans = related_connection("plans", "Plan", "tasks.plans", "Plans proposed for the task.")
    decisions = related_connection(
        "decisions", "Decision", "tasks.decisions", "Decisions about the task."
    )
    results = related_connection(
        "results", "Result", "tasks.results", "Results of executing the task."
    )
    human_overrides = related_connection(
        "human_overrides", "HumanOverride", "tasks.human_overrides", "Overrides on the task."
    )
    events = related_connection(
        "events", "Event", "tasks.events", "The task's history, oldest first."
    )
    artifacts = related_connection(
        "artifacts", "Artifact", "tasks.artifacts", "What the task produced."
    )
    execution_logs = related_connection(
        "execution_logs", "ExecutionLog", "tasks.execution_logs", "Agents' log lines for the task."
    )


@strawberry.input(description="Conditions on tasks; all given fields must match.")
class TaskFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    epic_id: IDFilter | None = None
    issue_id: IDFilter | None = None
    key: StringFilter | None = None
    title: StringFilter | None = None
    description: StringFilter | None = None
    type: EnumFilter[TaskType] | None = None  # type: ignore[valid-type]
    status: EnumFilter[TaskStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    acceptance_criteria: StringListFilter | None = None
    context: JSONFilter | None = None
    constraints: JSONFilter | None = None
    metadata: JSONFilter | None = None
    order_index: IntFilter | None = None
    estimated_minutes: IntFilter | None = None
    locked_by: StringFilter | None = None
    locked_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    and_: list[TaskFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields tasks can be ordered by.")
class TaskOrderField(Enum):
    KEY = "key"
    TITLE = "title"
    STATUS = "status"
    PRIORITY = "priority"
    ORDER_INDEX = "order_index"
    ESTIMATED_MINUTES = "estimated_minutes"
    LOCKED_AT = "locked_at"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    COMPLETED_AT = "completed_at"


@strawberry.input(description="One ordering term for tasks.")
class TaskOrderBy(OrderBy[TaskOrderField]):
    pass


@strawberry.input(description="A new task in a project.")
class CreateTaskInput:
    project_id: strawberry.ID
    title: str
    key: str | None = strawberry.UNSET
    epic_id: strawberry.ID | None = strawberry.UNSET
    issue_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    type: TaskType | None = strawberry.UNSET  # type: ignore[valid-type]
    status: TaskStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Initial status, PENDING when omitted."
    )
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    version: str | None = strawberry.UNSET
    acceptance_criteria: list[str] | None = strawberry.UNSET
    context: JSON | None = strawberry.UNSET
    constraints: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    order_index: int | None = strawberry.UNSET
    estimated_minutes: int | None = strawberry.UNSET
    dependency_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET, description="Tasks of the same project this one depends on."
    )


@strawberry.input(
    description=(
        "Changes to a task; omitted fields stay as they are. Status changes follow the "
        "TaskStatus rules."
    )
)
class UpdateTaskInput:
    key: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    epic_id: strawberry.ID | None = strawberry.UNSET
    issue_id: strawberry.ID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    type: TaskType | None = strawberry.UNSET  # type: ignore[valid-type]
    status: TaskStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    priority: Priority | None = strawberry.UNSET  # type: ignore[valid-type]
    version: str | None = strawberry.UNSET
    acceptance_criteria: list[str] | None = strawberry.UNSET
    context: JSON | None = strawberry.UNSET
    constraints: JSON | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    order_index: int | None = strawberry.UNSET
    estimated_minutes: int | None = strawberry.UNSET
    actual_minutes: int | None = strawberry.UNSET


# -- comments -------------------------------------------------------------------------


@entity_type("comments")
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
    github_id: int | None = strawberry.field(
        description="ID of the matching GitHub comment, when synced from GitHub."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("comments.project")
    task = related_field(
        "comments.task", node=lazy("Task", _HERE), description="The task commented on, if any."
    )
    issue = related_field(
        "comments.issue", node=lazy("Issue", _HERE), description="The issue commented on, if any."
    )
    user = related_field(
        "comments.user",
        node=lazy("User", _ACCOUNTS),
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
    github_id: int | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a comment; omitted fields stay as they are.")
class UpdateCommentInput:
    content: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- views ----------------------------------------------------------------------------


@entity_type("active_tasks")
@strawberry.type(description="A task in progress or blocked, with its lock state (view).")
class ActiveTask:
    id: strawberry.ID = strawberry.field(description="The task's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the task's project.")
    key: str | None = strawberry.field(description="The task's human key, if it has one.")
    title: str = strawberry.field(description="The task's title.")
    status: TaskStatus = strawberry.field(description="The task's status: IN_PROGRESS or BLOCKED.")  # type: ignore[valid-type]
    priority: Priority = strawberry.field(description="The task's priority.")  # type: ignore[valid-type]
    locked_at: datetime | None = strawberry.field(
        description="When the current lock was taken; null when unlocked."
    )
    locked_by: str | None = strawberry.field(
        description="Agent holding the lock; null when unlocked."
    )
    project_name: str = strawberry.field(description="Name of the task's project.")
    is_actively_locked: bool = strawberry.field(
        description="Locked less than an hour ago, so another agent cannot take it over."
    )
    created_at: datetime = strawberry.field(description="When the task was created.")
    updated_at: datetime = strawberry.field(description="When the task last changed.")

    task = related_field(
        "active_tasks.task", node=lazy("Task", _HERE), required=True, description="The full task."
    )
    project = _project("active_tasks.project")


@strawberry.input(description="Conditions on active tasks.")
class ActiveTaskFilter:
    project_id: IDFilter | None = None
    status: EnumFilter[TaskStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    locked_by: StringFilter | None = None
    is_actively_locked: BooleanFilter | None = None
    and_: list[ActiveTaskFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ActiveTaskFilter] | None = strawberry.field(default=None, name="or")
    not_: ActiveTaskFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields active tasks can be ordered by.")
class ActiveTaskOrderField(Enum):
    LOCKED_AT = "locked_at"
    PRIORITY = "priority"
    TITLE = "title"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for active tasks.")
class ActiveTaskOrderBy(OrderBy[ActiveTaskOrderField]):
    pass


@entity_type("task_progress")
@strawberry.type(description="Progress summary of a task (view).")
class TaskProgress:
    id: strawberry.ID = strawberry.field(description="The task's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the task's project.")
    title: str = strawberry.field(description="The task's title.")
    status: TaskStatus = strawberry.field(description="The task's status.")  # type: ignore[valid-type]
    priority: Priority = strawberry.field(description="The task's priority.")  # type: ignore[valid-type]
    total_criteria: int = strawberry.field(description="Number of acceptance criteria.")
    dependency_count: int = strawberry.field(description="Number of tasks this one depends on.")
    completed_dependency_count: int = strawberry.field(
        description="How many of those are COMPLETED."
    )
    comment_count: int = strawberry.field(description="Number of comments on the task.")
    locked_at: datetime | None = strawberry.field(
        description="When the current lock was taken; null when unlocked."
    )
    locked_by: str | None = strawberry.field(
        description="Agent holding the lock; null when unlocked."
    )
    created_at: datetime = strawberry.field(description="When the task was created.")
    updated_at: datetime = strawberry.field(description="When the task last changed.")

    task = related_field(
        "task_progress.task", node=lazy("Task", _HERE), required=True, description="The full task."
    )
    project = _project("task_progress.project")


@strawberry.input(description="Conditions on task progress rows.")
class TaskProgressFilter:
    project_id: IDFilter | None = None
    status: EnumFilter[TaskStatus] | None = None  # type: ignore[valid-type]
    priority: EnumFilter[Priority] | None = None  # type: ignore[valid-type]
    total_criteria: IntFilter | None = None
    dependency_count: IntFilter | None = None
    and_: list[TaskProgressFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskProgressFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskProgressFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields task progress rows can be ordered by.")
class TaskProgressOrderField(Enum):
    TITLE = "title"
    STATUS = "status"
    PRIORITY = "priority"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for task progress rows.")
class TaskProgressOrderBy(OrderBy[TaskProgressOrderField]):
    pass


__all__ = [
    "ActiveTask",
    "ActiveTaskFilter",
    "ActiveTaskOrderBy",
    "Comment",
    "CommentFilter",
    "CommentOrderBy",
    "CreateCommentInput",
    "CreateEpicInput",
    "CreateIssueInput",
    "CreateProjectInput",
    "CreateTaskInput",
    "Epic",
    "EpicFilter",
    "EpicOrderBy",
    "Issue",
    "IssueFilter",
    "IssueOrderBy",
    "Project",
    "ProjectFilter",
    "ProjectOrderBy",
    "Task",
    "TaskFilter",
    "TaskOrderBy",
    "TaskProgress",
    "TaskProgressFilter",
    "TaskProgressOrderBy",
    "UpdateCommentInput",
    "UpdateEpicInput",
    "UpdateIssueInput",
    "UpdateProjectInput",
    "UpdateTaskInput",
]
