"""What the orchestration domain adds to work's ``Project`` and ``Task`` (their relations
are added in ``aura.db.mapping.orchestration``)."""

from __future__ import annotations

from aura.engine.relay import extend_type
from aura.schema.orchestration.shared import related_connection
from aura.schema.work import Project, Task


@extend_type(Project)
class ProjectOrchestration:
    """The orchestration fields of ``Project`` (relations in ``aura.db.mapping.orchestration``)."""

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
    execution_logs = related_connection(
        "execution_logs",
        "ExecutionLog",
        "projects.execution_logs",
        "Execution log lines of the project's tasks.",
    )


@extend_type(Task)
class TaskOrchestration:
    """The orchestration fields of ``Task``."""

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
