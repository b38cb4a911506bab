"""Work domain: projects, epics, issues, tasks with dependencies, comments (seeds 000-002, 004).

Every row below a project carries ``project_id`` (comments and dependencies derive it
with a trigger) so row-level security is one indexed comparison per table.
"""

import sqlalchemy as sa

from aura.db.enums import IssueStatus, Priority, ProjectStatus, TaskStatus, TaskType, WorkStatus
from aura.db.tables.base import (
    UUID,
    enum_check,
    enum_column,
    fk,
    id_column,
    json_column,
    metadata,
    text_array,
    timestamps,
)
from aura.db.tables.search import search_index

projects = sa.Table(
    "projects",
    metadata,
    id_column(),
    fk("owner_id", "users.id", ondelete="CASCADE", nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("path", sa.Text),
    enum_column("status", ProjectStatus, default=ProjectStatus.ACTIVE),
    json_column("rules"),
    json_column("metadata"),
    sa.Column("guidelines", sa.Text),
    sa.Column("guidelines_file_name", sa.Text),
    sa.Column("last_task_analysis", sa.Text),
    sa.Column("last_feedback_analysis", sa.Text),
    *timestamps(),
    enum_check("status", ProjectStatus),
    sa.CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    sa.UniqueConstraint("owner_id", "name"),
    sa.Index(None, "owner_id"),
    sa.Index(None, "status"),
)

epics = sa.Table(
    "epics",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    enum_column("status", WorkStatus, default=WorkStatus.PLANNED),
    enum_column("priority", Priority, default=Priority.MEDIUM),
    sa.Column("estimated_hours", sa.Float),
    sa.Column("actual_hours", sa.Float),
    sa.Column("complexity", sa.Text),
    text_array("dependencies"),
    json_column("metadata"),
    *timestamps(),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    enum_check("status", WorkStatus),
    enum_check("priority", Priority),
    sa.CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
    sa.CheckConstraint("estimated_hours IS NULL OR estimated_hours >= 0", name="estimate_positive"),
    sa.UniqueConstraint("project_id", "key"),
    sa.Index(None, "status"),
    sa.Index(None, "priority"),
)

issues = sa.Table(
    "issues",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    fk("epic_id", "epics.id", ondelete="SET NULL"),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    enum_column("status", IssueStatus, default=IssueStatus.OPEN),
    enum_column("priority", Priority, default=Priority.MEDIUM),
    text_array("labels"),
    sa.Column("assignee", sa.Text),
    sa.Column("github_id", sa.BigInteger),
    sa.Column("github_url", sa.Text),
    json_column("metadata"),
    *timestamps(),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    enum_check("status", IssueStatus),
    enum_check("priority", Priority),
    sa.CheckConstraint("number > 0", name="number_positive"),
    sa.CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
    sa.UniqueConstraint("project_id", "number"),
    sa.Index(None, "epic_id"),
    sa.Index(None, "status"),
    sa.Index("ix_issues_labels", "labels", postgresql_using="gin"),
    sa.Index(None, "priority"),  # 0008
    sa.Index(None, "github_id"),  # 0008
    search_index("issues"),  # 0016
)

tasks = sa.Table(
    "tasks",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    fk("user_id", "users.id", ondelete="SET NULL"),
    fk("epic_id", "epics.id", ondelete="SET NULL"),
    fk("issue_id", "issues.id", ondelete="SET NULL"),
    sa.Column("key", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    enum_column("type", TaskType, nullable=True),
    enum_column("status", TaskStatus, default=TaskStatus.PENDING),
    enum_column("priority", Priority, default=Priority.MEDIUM),
    sa.Column("version", sa.Text),
    text_array("acceptance_criteria"),
    json_column("context"),
    json_column("constraints"),
    json_column("metadata"),
    sa.Column("order_index", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("estimated_minutes", sa.Integer),
    sa.Column("actual_minutes", sa.Integer),
    sa.Column("locked_at", sa.DateTime(timezone=True)),
    sa.Column("locked_by", sa.Text),
    *timestamps(),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    enum_check("type", TaskType),
    enum_check("status", TaskStatus),
    enum_check("priority", Priority),
    sa.CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
    sa.CheckConstraint(
        "estimated_minutes IS NULL OR estimated_minutes >= 0", name="estimate_positive"
    ),
    sa.CheckConstraint("actual_minutes IS NULL OR actual_minutes >= 0", name="actual_positive"),
    sa.CheckConstraint("(locked_at IS NULL) = (locked_by IS NULL)", name="lock_complete"),
    sa.UniqueConstraint("project_id", "key"),
    sa.Index(None, "project_id", "created_at"),
    sa.Index(None, "epic_id"),
    sa.Index(None, "issue_id"),
    sa.Index(None, "user_id"),
    sa.Index(None, "status"),
    sa.Index(None, "priority"),
    sa.Index("ix_tasks_locked_at", "locked_at", postgresql_where=sa.text("locked_at IS NOT NULL")),
    sa.Index(None, "type"),  # 0008
    sa.Index(None, "order_index"),  # 0008
    sa.Index(None, "created_at"),  # 0008
    search_index("tasks"),  # 0016
)

task_dependencies = sa.Table(
    "task_dependencies",
    metadata,
    fk("task_id", "tasks.id", ondelete="CASCADE", nullable=False),
    fk("depends_on_id", "tasks.id", ondelete="CASCADE", nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
    ),
    sa.PrimaryKeyConstraint("task_id", "depends_on_id"),
    sa.CheckConstraint("task_id <> depends_on_id", name="not_self"),
    sa.Index(None, "depends_on_id"),
    sa.Index(None, "project_id"),
)

comments = sa.Table(
    "comments",
    metadata,
    id_column(),
    sa.Column("project_id", UUID, nullable=False),
    fk("issue_id", "issues.id", ondelete="CASCADE"),
    fk("task_id", "tasks.id", ondelete="CASCADE"),
    fk("user_id", "users.id", ondelete="SET NULL"),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("github_id", sa.BigInteger),
    json_column("metadata"),
    *timestamps(),
    sa.CheckConstraint("issue_id IS NOT NULL OR task_id IS NOT NULL", name="has_parent"),
    sa.CheckConstraint("length(btrim(content)) > 0", name="content_not_blank"),
    sa.Index(None, "issue_id", "created_at"),
    sa.Index(None, "task_id", "created_at"),
    sa.Index(None, "project_id"),
    search_index("comments"),  # 0016
)

# -- views (created by SQL in the migrations; described here for the SQL builders) ------

active_tasks = sa.Table(
    "active_tasks",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("key", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("priority", sa.Text),
    sa.Column("locked_at", sa.DateTime(timezone=True)),
    sa.Column("locked_by", sa.Text),
    sa.Column("project_name", sa.Text),
    sa.Column("is_actively_locked", sa.Boolean),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    info={"view": True},
)

task_progress = sa.Table(
    "task_progress",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("title", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("priority", sa.Text),
    sa.Column("total_criteria", sa.Integer),
    sa.Column("dependency_count", sa.Integer),
    sa.Column("completed_dependency_count", sa.Integer),
    sa.Column("comment_count", sa.Integer),
    sa.Column("locked_at", sa.DateTime(timezone=True)),
    sa.Column("locked_by", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
    info={"view": True},
)
