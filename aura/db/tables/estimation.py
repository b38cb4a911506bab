"""Estimation domain (seed 002, migration 004): task executions with their time-tracking
sessions and factors, the learned estimation patterns, the factor catalogue, and the
accuracy and trend views.

Durations are minutes as floating point numbers (sessions are measured to the
microsecond); ``duration_minutes``, ``variance_*`` and every statistic of a pattern are
kept by triggers (``migrations/sql/estimation.py``), never written by clients.
"""

import sqlalchemy as sa

from aura.db.enums import Complexity, ExecutionStatus, ImpactType, TaskType
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

TIMESTAMP = sa.DateTime(timezone=True)
NOW = sa.text("now()")

# The pattern name executions are learned into (estimation_patterns is unique by it).
LEARNED = "learned"


def _not_negative(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} >= 0", name=f"{column}_positive")


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=False, server_default=sa.text("0"))


estimation_patterns = sa.Table(
    "estimation_patterns",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    sa.Column("pattern_name", sa.Text, nullable=False, server_default=sa.text(f"'{LEARNED}'")),
    enum_column("task_type", TaskType),
    enum_column("complexity", Complexity, default=Complexity.MEDIUM),
    sa.Column("avg_duration_minutes", sa.Float, nullable=False, server_default=sa.text("0")),
    sa.Column("std_deviation", sa.Float, nullable=False, server_default=sa.text("0")),
    _counter("sample_count"),
    # Welford's running sum of squared deviations from the mean (variance = m2 / (n - 1)).
    sa.Column("m2", sa.Float, nullable=False, server_default=sa.text("0")),
    sa.Column("confidence_score", sa.Float, nullable=False, server_default=sa.text("0")),
    json_column("factors"),
    json_column("metadata"),
    *timestamps(),
    enum_check("task_type", TaskType),
    enum_check("complexity", Complexity),
    sa.CheckConstraint("length(btrim(pattern_name)) > 0", name="pattern_name_not_blank"),
    _not_negative("sample_count"),
    _not_negative("m2"),
    sa.CheckConstraint(
        "confidence_score >= 0 AND confidence_score <= 1", name="confidence_score_valid"
    ),
    # Named by hand: the conventional name would pass PostgreSQL's 63 characters.
    sa.UniqueConstraint(
        "project_id", "pattern_name", "task_type", "complexity", name="uq_estimation_patterns_key"
    ),
    sa.Index(None, "task_type"),
    sa.Index(None, "complexity"),
    sa.Index(None, "confidence_score"),
)

task_executions = sa.Table(
    "task_executions",
    metadata,
    id_column(),
    fk("task_id", "tasks.id", ondelete="CASCADE", nullable=False),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    sa.Column("execution_number", sa.Integer, nullable=False),
    sa.Column("started_at", TIMESTAMP, nullable=False, server_default=NOW),
    sa.Column("completed_at", TIMESTAMP),
    sa.Column("duration_minutes", sa.Float),
    sa.Column("estimated_minutes", sa.Integer),
    sa.Column("variance_minutes", sa.Float),
    sa.Column("variance_percent", sa.Float),
    enum_column("status", ExecutionStatus, default=ExecutionStatus.IN_PROGRESS),
    enum_column("complexity", Complexity, default=Complexity.MEDIUM),
    _counter("context_switches"),
    _counter("interruptions"),
    text_array("blockers"),
    sa.Column("notes", sa.Text),
    json_column("metadata"),
    # The pattern its duration is counted in (set while it is COMPLETED).
    fk("pattern_id", "estimation_patterns.id", ondelete="SET NULL"),
    *timestamps(),
    enum_check("status", ExecutionStatus),
    enum_check("complexity", Complexity),
    sa.CheckConstraint("execution_number > 0", name="execution_number_positive"),
    _not_negative("estimated_minutes"),
    _not_negative("context_switches"),
    _not_negative("interruptions"),
    sa.CheckConstraint(
        "completed_at IS NULL OR completed_at >= started_at", name="completed_at_valid"
    ),
    sa.UniqueConstraint("task_id", "execution_number"),
    sa.Index(None, "project_id"),
    sa.Index(None, "status"),
    sa.Index(None, "started_at"),
    sa.Index(None, "complexity"),
    sa.Index(None, "pattern_id"),
)

time_tracking_sessions = sa.Table(
    "time_tracking_sessions",
    metadata,
    id_column(),
    fk("task_execution_id", "task_executions.id", ondelete="CASCADE", nullable=False),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    sa.Column("session_number", sa.Integer, nullable=False),
    sa.Column("started_at", TIMESTAMP, nullable=False, server_default=NOW),
    sa.Column("ended_at", TIMESTAMP),
    sa.Column("duration_minutes", sa.Float),
    sa.Column("activity_type", sa.Text),
    sa.Column("productivity_rating", sa.Integer),
    sa.Column("notes", sa.Text),
    json_column("metadata"),
    *timestamps(),
    sa.CheckConstraint("session_number > 0", name="session_number_positive"),
    sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_at_valid"),
    sa.CheckConstraint(
        "productivity_rating IS NULL OR productivity_rating BETWEEN 1 AND 5",
        name="productivity_rating_valid",
    ),
    sa.UniqueConstraint("task_execution_id", "session_number"),
    # At most one open session per execution: the database's guarantee, whatever the path.
    sa.Index(
        "uq_time_tracking_sessions_open",
        "task_execution_id",
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
    ),
    sa.Index(None, "project_id"),
    sa.Index(None, "activity_type"),
    sa.Index(None, "started_at"),
)

estimation_factors = sa.Table(
    "estimation_factors",
    metadata,
    id_column(),
    sa.Column("factor_name", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    enum_column("impact_type", ImpactType, default=ImpactType.INCREASE),
    sa.Column("average_impact", sa.Float, nullable=False, server_default=sa.text("0")),
    json_column("metadata"),
    *timestamps(),
    enum_check("impact_type", ImpactType),
    sa.CheckConstraint("length(btrim(factor_name)) > 0", name="factor_name_not_blank"),
    _not_negative("average_impact"),
    # A factor cannot make work take no time at all.
    sa.CheckConstraint(
        "impact_type <> 'DECREASE' OR average_impact < 1", name="average_impact_valid"
    ),
    sa.UniqueConstraint("factor_name"),
)

task_execution_factors = sa.Table(
    "task_execution_factors",
    metadata,
    id_column(),
    fk("task_execution_id", "task_executions.id", ondelete="CASCADE", nullable=False),
    # NO ACTION, not RESTRICT: deleting a factor in use is a foreign key violation, which
    # the API reports as CONFLICT (aura.db.errors does not know RESTRICT's own error).
    fk("factor_id", "estimation_factors.id", ondelete="NO ACTION", nullable=False),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    sa.Column("factor_value", sa.Float, nullable=False, server_default=sa.text("1")),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False, server_default=NOW),
    _not_negative("factor_value"),
    sa.UniqueConstraint("task_execution_id", "factor_id"),
    sa.Index(None, "factor_id"),
    sa.Index(None, "project_id"),
)

# -- views (seed 002), created by the migration's SQL ---------------------------------

estimation_accuracy_by_project = sa.Table(
    "estimation_accuracy_by_project",
    metadata,
    sa.Column("project_id", UUID, primary_key=True),
    sa.Column("project_name", sa.Text),
    sa.Column("total_executions", sa.Integer),
    sa.Column("avg_variance_percent", sa.Float),
    sa.Column("stddev_variance_percent", sa.Float),
    sa.Column("within_10_percent", sa.Integer),
    sa.Column("within_25_percent", sa.Integer),
    sa.Column("over_estimated", sa.Integer),
    sa.Column("under_estimated", sa.Integer),
    info={"view": True},
)

task_performance_trends = sa.Table(
    "task_performance_trends",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("task_title", sa.Text),
    sa.Column("project_id", UUID),
    sa.Column("execution_count", sa.Integer),
    sa.Column("avg_duration", sa.Float),
    sa.Column("min_duration", sa.Float),
    sa.Column("max_duration", sa.Float),
    sa.Column("avg_variance_percent", sa.Float),
    sa.Column("total_context_switches", sa.Integer),
    sa.Column("total_interruptions", sa.Integer),
    info={"view": True},
)
