"""Orchestration domain mapping: how plans, decisions, events, logs, … join the work."""

from aura.db.mapping import Entity, Relation, extend, many, one, register
from aura.db.tables import orchestration as t


def _relations(*relations: Relation) -> dict[str, Relation]:
    return {r.name: r for r in relations}


def _project() -> Relation:
    return one("project", "projects", local="project_id")


def _task() -> Relation:
    return one("task", "tasks", local="task_id")


def _user() -> Relation:
    return one("user", "users", local="user_id")


# Written by the database (derived or defaulted), never by clients.
_DERIVED = frozenset({"id", "created_at", "updated_at", "project_id", "user_id"})

register(
    Entity(
        "plans",
        t.plans,
        relations=_relations(
            _project(),
            _task(),
            many("decisions", "decisions", remote="plan_id"),
            many("results", "results", remote="plan_id"),
        ),
        read_only=_DERIVED,
    ),
    Entity(
        "decisions",
        t.decisions,
        relations=_relations(_project(), _task(), one("plan", "plans", local="plan_id"), _user()),
        read_only=(_DERIVED - {"project_id"}) | {"decided_at"},
    ),
    Entity(
        "results",
        t.results,
        relations=_relations(_project(), _task(), one("plan", "plans", local="plan_id")),
        read_only=_DERIVED,
    ),
    Entity(
        "human_overrides",
        t.human_overrides,
        relations=_relations(_project(), _task(), _user()),
        read_only=(_DERIVED - {"project_id"}) | {"applied_count"},
    ),
    Entity(
        "events",
        t.events,
        relations=_relations(_project(), _task(), _user()),
        read_only=frozenset({"id", "created_at", "user_id"}),
    ),
    Entity(
        "artifacts",
        t.artifacts,
        relations=_relations(_project(), _task(), _user()),
        read_only=_DERIVED,
    ),
    Entity(
        "checkpoints",
        t.checkpoints,
        relations=_relations(_project(), _user()),
        read_only=_DERIVED - {"project_id"},
    ),
    Entity(
        "agent_sessions",
        t.agent_sessions,
        relations=_relations(_project(), _user()),
        read_only=_DERIVED - {"project_id"},
    ),
    Entity(
        "service_status",
        t.service_status,
        relations=_relations(_project()),
        read_only=_DERIVED - {"project_id"},
    ),
    Entity(
        "workflows",
        t.workflows,
        relations=_relations(_user(), many("history", "workflow_history", remote="workflow_id")),
        read_only=_DERIVED,
    ),
    Entity(
        "workflow_history",
        t.workflow_history,
        relations=_relations(_user(), one("workflow", "workflows", local="workflow_id")),
        read_only=_DERIVED,
    ),
    Entity(
        "execution_logs",
        t.execution_logs,
        relations=_relations(_project(), _task(), _user()),
        read_only=_DERIVED,
    ),
    Entity(
        "task_history",
        t.task_history,
        relations=_relations(
            _user(), many("documents", "documents_generated", remote="task_history_id")
        ),
        read_only=_DERIVED,
    ),
    Entity(
        "documents_generated",
        t.documents_generated,
        relations=_relations(_user(), one("task_history", "task_history", local="task_history_id")),
        read_only=_DERIVED,
    ),
    # Archives (retention): read-only, with their sources' relations.
    Entity(
        "events_archive",
        t.events_archive,
        relations=_relations(_project(), _task(), _user()),
        read_only=frozenset(c.name for c in t.events_archive.columns),
    ),
    Entity(
        "execution_logs_archive",
        t.execution_logs_archive,
        relations=_relations(_project(), _task(), _user()),
        read_only=frozenset(c.name for c in t.execution_logs_archive.columns),
    ),
    Entity(
        "recent_events",
        t.recent_events,
        relations=_relations(one("event", "events", local="id"), _project(), _task(), _user()),
    ),
)

# The orchestration domain's reverse relations on work's projects and tasks.
extend(
    "projects",
    many("plans", "plans", remote="project_id"),
    many("decisions", "decisions", remote="project_id"),
    many("results", "results", remote="project_id"),
    many("human_overrides", "human_overrides", remote="project_id"),
    many("events", "events", remote="project_id"),
    many("artifacts", "artifacts", remote="project_id"),
    many("checkpoints", "checkpoints", remote="project_id"),
    many("agent_sessions", "agent_sessions", remote="project_id"),
    many("services", "service_status", remote="project_id"),
    many("execution_logs", "execution_logs", remote="project_id"),
)
extend(
    "tasks",
    many("plans", "plans", remote="task_id"),
    many("decisions", "decisions", remote="task_id"),
    many("results", "results", remote="task_id"),
    many("human_overrides", "human_overrides", remote="task_id"),
    many("events", "events", remote="task_id"),
    many("artifacts", "artifacts", remote="task_id"),
    many("execution_logs", "execution_logs", remote="task_id"),
)
