"""Estimation domain mapping: executions with their task, sessions, factors and pattern;
patterns; the factor catalogue; the seed 002 views; the reverse relations on work's
projects and tasks."""

from aura.db.mapping import Entity, Relation, extend, many, one, register
from aura.db.mapping import relations as _relations
from aura.db.tables import estimation as t


def _project() -> Relation:
    return one("project", "projects", local="project_id")


def _execution() -> Relation:
    return one("task_execution", "task_executions", local="task_execution_id")


_DERIVED = frozenset({"id", "created_at", "updated_at", "project_id"})
# Kept by the database's triggers (migrations/sql/estimation.py), never by clients.
_METRICS = frozenset({"duration_minutes", "variance_minutes", "variance_percent"})
_STATISTICS = frozenset(
    {"avg_duration_minutes", "std_deviation", "sample_count", "m2", "confidence_score"}
)

register(
    Entity(
        "task_executions",
        t.task_executions,
        relations=_relations(
            _project(),
            one("task", "tasks", local="task_id"),
            one("pattern", "estimation_patterns", local="pattern_id"),
            many("sessions", "time_tracking_sessions", remote="task_execution_id"),
            many("factors", "task_execution_factors", remote="task_execution_id"),
        ),
        read_only=_DERIVED | _METRICS | {"execution_number", "pattern_id"},
    ),
    Entity(
        "estimation_patterns",
        t.estimation_patterns,
        relations=_relations(
            _project(), many("executions", "task_executions", remote="pattern_id")
        ),
        read_only=_DERIVED - {"project_id"} | _STATISTICS,
    ),
    Entity(
        "time_tracking_sessions",
        t.time_tracking_sessions,
        relations=_relations(_project(), _execution()),
        default_order=("started_at", "id"),
        read_only=_DERIVED | {"session_number", "duration_minutes", "task_execution_id"},
    ),
    Entity(
        "estimation_factors",
        t.estimation_factors,
        relations=_relations(many("uses", "task_execution_factors", remote="factor_id")),
        default_order=("factor_name", "id"),
    ),
    Entity(
        "task_execution_factors",
        t.task_execution_factors,
        relations=_relations(
            _project(), _execution(), one("factor", "estimation_factors", local="factor_id")
        ),
        read_only=frozenset({"id", "created_at", "project_id"}),
    ),
    Entity(
        "estimation_accuracy_by_project",
        t.estimation_accuracy_by_project,
        relations=_relations(_project()),
        default_order=("project_name", "project_id"),
        primary_key="project_id",
    ),
    Entity(
        "task_performance_trends",
        t.task_performance_trends,
        relations=_relations(one("task", "tasks", local="task_id"), _project()),
        default_order=("task_title", "task_id"),
        primary_key="task_id",
    ),
)

# The estimation domain's reverse relations on work's projects and tasks.
extend(
    "projects",
    many("task_executions", "task_executions", remote="project_id"),
    many("estimation_patterns", "estimation_patterns", remote="project_id"),
    one("estimation_accuracy", "estimation_accuracy_by_project", local="id", remote="project_id"),
)
extend(
    "tasks",
    many("executions", "task_executions", remote="task_id"),
    one("performance_trend", "task_performance_trends", local="id", remote="task_id"),
)
