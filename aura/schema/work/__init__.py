"""Work domain contract: projects, epics, issues, tasks and their dependencies, comments.

One module per entity; this package re-exports every type, so other modules (and
``lazy`` references) name ``aura.schema.work``. Importing it adds the work fields to
``User`` (``extends``).
"""

from __future__ import annotations

from aura.schema.work import extends as extends
from aura.schema.work.comments import (
    Comment,
    CommentFilter,
    CommentOrderBy,
    CommentOrderField,
    CreateCommentInput,
    UpdateCommentInput,
)
from aura.schema.work.epics import (
    CreateEpicInput,
    Epic,
    EpicFilter,
    EpicOrderBy,
    EpicOrderField,
    UpdateEpicInput,
)
from aura.schema.work.issues import (
    CreateIssueInput,
    Issue,
    IssueFilter,
    IssueOrderBy,
    IssueOrderField,
    UpdateIssueInput,
)
from aura.schema.work.projects import (
    CreateProjectInput,
    Project,
    ProjectFilter,
    ProjectOrderBy,
    ProjectOrderField,
    UpdateProjectInput,
)
from aura.schema.work.shared import (
    IssueStatus,
    Priority,
    ProjectStatus,
    TaskStatus,
    TaskType,
    WorkStatus,
)
from aura.schema.work.tasks import (
    CreateTaskInput,
    Task,
    TaskFilter,
    TaskOrderBy,
    TaskOrderField,
    UpdateTaskInput,
)
from aura.schema.work.views import (
    ActiveTask,
    ActiveTaskFilter,
    ActiveTaskOrderBy,
    ActiveTaskOrderField,
    TaskProgress,
    TaskProgressFilter,
    TaskProgressOrderBy,
    TaskProgressOrderField,
)

__all__ = [
    "ActiveTask",
    "ActiveTaskFilter",
    "ActiveTaskOrderBy",
    "ActiveTaskOrderField",
    "Comment",
    "CommentFilter",
    "CommentOrderBy",
    "CommentOrderField",
    "CreateCommentInput",
    "CreateEpicInput",
    "CreateIssueInput",
    "CreateProjectInput",
    "CreateTaskInput",
    "Epic",
    "EpicFilter",
    "EpicOrderBy",
    "EpicOrderField",
    "Issue",
    "IssueFilter",
    "IssueOrderBy",
    "IssueOrderField",
    "IssueStatus",
    "Priority",
    "Project",
    "ProjectFilter",
    "ProjectOrderBy",
    "ProjectOrderField",
    "ProjectStatus",
    "Task",
    "TaskFilter",
    "TaskOrderBy",
    "TaskOrderField",
    "TaskProgress",
    "TaskProgressFilter",
    "TaskProgressOrderBy",
    "TaskProgressOrderField",
    "TaskStatus",
    "TaskType",
    "UpdateCommentInput",
    "UpdateEpicInput",
    "UpdateIssueInput",
    "UpdateProjectInput",
    "UpdateTaskInput",
    "WorkStatus",
]
