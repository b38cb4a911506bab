"""What the estimation domain adds to work's ``Project`` and ``Task`` (their relations
are added in ``aura.db.mapping.estimation``)."""

from __future__ import annotations

from aura.engine.relay import connection_field, extend_type, related_field
from aura.schema.common import lazy
from aura.schema.estimation.shared import HERE, executions_connection
from aura.schema.work import Project, Task


@extend_type(Project)
class ProjectEstimation:
    """The estimation fields of ``Project``."""

    task_executions = executions_connection(
        "projects.task_executions", "Executions of the project's tasks."
    )
    estimation_patterns = connection_field(
        "estimation_patterns",
        via="projects.estimation_patterns",
        node=lazy("EstimationPattern", HERE),
        filter=lazy("EstimationPatternFilter", HERE),
        order=lazy("EstimationPatternOrderBy", HERE),
        description="What the project's completed executions taught, per type and complexity.",
    )
    estimation_accuracy = related_field(
        "projects.estimation_accuracy",
        node=lazy("EstimationAccuracy", HERE),
        description="How well its estimates held; null before a completed, estimated execution.",
    )


@extend_type(Task)
class TaskEstimation:
    """The estimation fields of ``Task``."""

    executions = executions_connection("tasks.executions", "Attempts at the task, numbered.")
    performance_trend = related_field(
        "tasks.performance_trend",
        node=lazy("TaskPerformanceTrend", HERE),
        description="How its executions went; null below two executions.",
    )
