"""Orchestration domain: plans, decisions, results, overrides, events, artifacts,
checkpoints, agent sessions, service status (seeds 000-002) and the assistant's
workflows, execution logs, task history and generated documents (seed 003).

Tenancy: rows about the work carry ``project_id`` (derived from their task or plan by
a trigger) and belong to the project's owner, like the work domain. The assistant's
personal records (workflows, workflow_history, task_history, documents_generated)
carry ``user_id`` and belong to that user. Events belong to a project, or, for events
about personal records, to their user only.

``user_id`` columns default to the request's principal (``aura.current_user_id()``).
Events reference tasks and users without foreign keys: an event is never changed, so
it keeps naming a task or user that has since been deleted.
"""

import sqlalchemy as sa

from aura.db.enums import (
    AgentType,
    ArtifactType,
    DecisionCategory,
    DocumentType,
    LogLevel,
    PlanStatus,
    ResultStatus,
    RunStatus,
    ServiceHealth,
)
from aura.db.tables.archive import archive_of
from aura.db.tables.base import (
    JSONB,
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

CURRENT_USER = sa.text("aura.current_user_id()")
CLOCK = sa.text("clock_timestamp()")


def _user(*, ondelete: str = "SET NULL", nullable: bool = True) -> sa.Column:
    """The user a row belongs to or was written by: the caller unless given."""
    return sa.Column(
        "user_id",
        UUID,
        sa.ForeignKey("users.id", ondelete=ondelete),
        nullable=nullable,
        server_default=CURRENT_USER,
    )


def _project() -> sa.Column:
    return fk("project_id", "projects.id", ondelete="CASCADE", nullable=False)


def _is_array(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"jsonb_typeof({column}) = 'array'", name=f"{column}_format")


def _not_blank(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"length(btrim({column})) > 0", name=f"{column}_not_blank")


def _not_negative(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} IS NULL OR {column} >= 0", name=f"{column}_positive")


# -- seed 000: the Aura MVP orchestration engine ---------------------------------------

plans = sa.Table(
    "plans",
    metadata,
    id_column(),
    _project(),
    fk("task_id", "tasks.id", ondelete="CASCADE", nullable=False),
    sa.Column("key", sa.Text),
    sa.Column("version", sa.Text),
    sa.Column("approach", sa.Text, nullable=False),
    sa.Column("reasoning", sa.Text),
    json_column("steps", "[]"),
    sa.Column("agent", sa.Text),
    sa.Column("estimated_duration", sa.Integer),
    text_array("dependencies"),
    json_column("risks", "[]"),
    enum_column("status", PlanStatus, default=PlanStatus.PROPOSED),
    *timestamps(),
    enum_check("status", PlanStatus),
    _not_blank("approach"),
    _is_array("steps"),
    _is_array("risks"),
    _not_negative("estimated_duration"),
    sa.UniqueConstraint("project_id", "key"),
    sa.Index(None, "task_id", "created_at"),
    sa.Index(None, "status"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    id_column(),
    _project(),
    fk("task_id", "tasks.id", ondelete="CASCADE"),
    fk("plan_id", "plans.id", ondelete="SET NULL"),
    _user(),
    sa.Column("key", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    enum_column("category", DecisionCategory, nullable=True),
    json_column("options", "[]"),
    sa.Column("selected_option", sa.Integer),
    sa.Column("choice", sa.Text),
    sa.Column("rationale", sa.Text),
    text_array("overrides"),
    sa.Column("decided_by", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    *timestamps(),
    enum_check("category", DecisionCategory),
    _not_blank("title"),
    _is_array("options"),
    _not_negative("selected_option"),
    sa.UniqueConstraint("project_id", "key"),
    sa.Index(None, "project_id", "created_at"),
    sa.Index(None, "task_id"),
    sa.Index(None, "plan_id"),
    sa.Index(None, "user_id"),
    sa.Index(None, "category"),
    sa.Index(None, "created_at"),  # 0008
)

results = sa.Table(
    "results",
    metadata,
    id_column(),
    _project(),
    fk("task_id", "tasks.id", ondelete="CASCADE", nullable=False),
    fk("plan_id", "plans.id", ondelete="CASCADE"),
    sa.Column("key", sa.Text),
    sa.Column("version", sa.Text),
    enum_column("status", ResultStatus),
    sa.Column("summary", sa.Text),
    json_column("outputs"),
    json_column("quality_gates"),
    json_column("test_results"),
    sa.Column("duration", sa.Integer),
    sa.Column("agent", sa.Text),
    sa.Column("errors", JSONB),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False, server_default=CLOCK),
    *timestamps(),
    enum_check("status", ResultStatus),
    _not_negative("duration"),
    sa.UniqueConstraint("project_id", "key"),
    sa.Index(None, "task_id"),
    sa.Index(None, "plan_id"),
    sa.Index(None, "status"),
)

human_overrides = sa.Table(
    "human_overrides",
    metadata,
    id_column(),
    _project(),
    fk("task_id", "tasks.id", ondelete="CASCADE"),
    _user(),
    sa.Column("ai_suggestion", sa.Text, nullable=False),
    sa.Column("human_decision", sa.Text, nullable=False),
    sa.Column("category", sa.Text),
    sa.Column("rationale", sa.Text),
    sa.Column("applied_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    *timestamps(),
    _not_blank("ai_suggestion"),
    _not_blank("human_decision"),
    _not_negative("applied_count"),
    sa.Index(None, "project_id", "category"),
    sa.Index(None, "task_id"),
)

# -- seed 001: the task-focused agent server -------------------------------------------

events = sa.Table(
    "events",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE"),
    sa.Column("task_id", UUID),
    sa.Column("user_id", UUID, server_default=CURRENT_USER),
    sa.Column("event_type", sa.Text, nullable=False),
    json_column("payload"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=CLOCK),
    sa.CheckConstraint(
        "event_type ~ '^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)*$' AND length(event_type) <= 100",
        name="event_type_format",
    ),
    sa.Index(None, "project_id", "created_at"),
    sa.Index(
        "ix_events_task_id_created_at",
        "task_id",
        "created_at",
        postgresql_where=sa.text("task_id IS NOT NULL"),
    ),
    sa.Index(None, "user_id"),
    sa.Index(None, "event_type"),
    sa.Index(None, "created_at"),
    search_index("events"),  # 0016
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    id_column(),
    _project(),
    fk("task_id", "tasks.id", ondelete="CASCADE", nullable=False),
    _user(),
    enum_column("type", ArtifactType),
    sa.Column("ref", sa.Text, nullable=False),
    sa.Column("summary", sa.Text),
    *timestamps(),
    enum_check("type", ArtifactType),
    _not_blank("ref"),
    sa.Index(None, "task_id", "created_at"),
    sa.Index(None, "project_id"),
    sa.Index(None, "type"),
    sa.Index(None, "user_id"),  # 0008
    sa.Index(None, "created_at"),  # 0008
)

checkpoints = sa.Table(
    "checkpoints",
    metadata,
    id_column(),
    _project(),
    _user(),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("repo_ref", sa.Text),
    sa.Column("summary", sa.Text),
    sa.Column("resume_instructions", sa.Text),
    json_column("snapshot"),
    *timestamps(),
    _not_blank("label"),
    sa.Index(None, "project_id", "created_at"),
    sa.Index(None, "user_id"),
    sa.Index(None, "created_at"),  # 0008
)

agent_sessions = sa.Table(
    "agent_sessions",
    metadata,
    id_column(),
    _project(),
    _user(),
    json_column("snapshot"),
    sa.Column("summary", sa.Text),
    *timestamps(),
    sa.Index(None, "project_id", "created_at"),
    sa.Index(None, "user_id"),
)

# -- seed 002: the supervisor service ----------------------------------------------------

service_status = sa.Table(
    "service_status",
    metadata,
    id_column(),
    _project(),
    sa.Column("service_name", sa.Text, nullable=False),
    enum_column("status", ServiceHealth, default=ServiceHealth.UNKNOWN),
    sa.Column("last_check", sa.DateTime(timezone=True)),
    sa.Column("response_time_ms", sa.Integer),
    sa.Column("error_message", sa.Text),
    json_column("metadata"),
    *timestamps(),
    enum_check("status", ServiceHealth),
    _not_blank("service_name"),
    _not_negative("response_time_ms"),
    sa.UniqueConstraint("project_id", "service_name"),
    sa.Index(None, "status"),
    sa.Index(None, "last_check"),
)

# -- seed 003: the AURA assistant ---------------------------------------------------------

workflows = sa.Table(
    "workflows",
    metadata,
    id_column(),
    _user(ondelete="CASCADE", nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    json_column("steps", "[]"),
    json_column("trigger"),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    json_column("metadata"),
    *timestamps(),
    _not_blank("name"),
    _is_array("steps"),
    sa.UniqueConstraint("user_id", "name"),
)

workflow_history = sa.Table(
    "workflow_history",
    metadata,
    id_column(),
    _user(ondelete="CASCADE", nullable=False),
    fk("workflow_id", "workflows.id", ondelete="CASCADE", nullable=False),
    enum_column("status", RunStatus, default=RunStatus.PENDING),
    json_column("input"),
    json_column("output"),
    sa.Column("error_message", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=CLOCK),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    sa.Column("duration_ms", sa.Integer),
    *timestamps(),
    enum_check("status", RunStatus),
    _not_negative("duration_ms"),
    sa.Index(None, "workflow_id", "started_at"),
    sa.Index(None, "user_id", "created_at"),
)

execution_logs = sa.Table(
    "execution_logs",
    metadata,
    id_column(),
    _project(),
    fk("task_id", "tasks.id", ondelete="CASCADE", nullable=False),
    _user(),
    sa.Column("step", sa.Text),
    enum_column("agent_type", AgentType),
    enum_column("level", LogLevel, default=LogLevel.INFO),
    sa.Column("message", sa.Text, nullable=False),
    json_column("metadata"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=CLOCK),
    enum_check("agent_type", AgentType),
    enum_check("level", LogLevel),
    _not_blank("message"),
    sa.Index(None, "task_id", "created_at"),
    sa.Index(None, "project_id", "created_at"),
    sa.Index(None, "created_at"),
    sa.Index(None, "level"),
    search_index("execution_logs"),  # 0016
)

task_history = sa.Table(
    "task_history",
    metadata,
    id_column(),
    _user(ondelete="CASCADE", nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    enum_column("status", RunStatus, default=RunStatus.PENDING),
    json_column("results"),
    sa.Column("output_summary", sa.Text),
    text_array("output_links"),
    text_array("services_used"),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("error_message", sa.Text),
    *timestamps(),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    enum_check("status", RunStatus),
    _not_blank("description"),
    _not_negative("duration_ms"),
    sa.Index(None, "user_id", "created_at"),
    sa.Index(None, "status"),
    sa.Index("ix_task_history_services_used", "services_used", postgresql_using="gin"),
)

documents_generated = sa.Table(
    "documents_generated",
    metadata,
    id_column(),
    _user(ondelete="CASCADE", nullable=False),
    fk("task_history_id", "task_history.id", ondelete="CASCADE"),
    enum_column("type", DocumentType),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("external_id", sa.Text),
    json_column("metadata"),
    *timestamps(),
    enum_check("type", DocumentType),
    _not_blank("title"),
    sa.Index(None, "user_id", "created_at"),
    sa.Index(None, "task_history_id"),
    sa.Index(None, "type"),
)

# -- views (created by SQL in the migrations) ---------------------------------------------

recent_events = sa.Table(
    "recent_events",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("task_id", UUID),
    sa.Column("user_id", UUID),
    sa.Column("event_type", sa.Text),
    sa.Column("payload", JSONB),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("project_name", sa.Text),
    sa.Column("task_title", sa.Text),
    info={"view": True},
)

# -- archives: retention (aura.db.retention) moves events and log lines past their age here

events_archive = archive_of(events)
execution_logs_archive = archive_of(execution_logs)
