"""Closed vocabularies stored as text with CHECK constraints.

The database tables build their CHECK constraints from these enums and the GraphQL
schema exposes the same enums, so the two can never disagree.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class UserRole(StrEnum):
    PENDING = "PENDING"
    USER = "USER"
    MANAGER = "MANAGER"
    ADMIN = "ADMIN"


class ProjectStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    ARCHIVED = "ARCHIVED"


class WorkStatus(StrEnum):
    """Lifecycle of epics."""

    PLANNED = "PLANNED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class IssueStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    CLOSED = "CLOSED"


class Priority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class TaskStatus(StrEnum):
    PENDING = "PENDING"
    PLANNING = "PLANNING"
    APPROVED = "APPROVED"
    IN_PROGRESS = "IN_PROGRESS"
    BLOCKED = "BLOCKED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class TaskType(StrEnum):
    FEATURE = "FEATURE"
    BUGFIX = "BUGFIX"
    REFACTOR = "REFACTOR"
    DOCS = "DOCS"
    TEST = "TEST"
    INFRA = "INFRA"


# Allowed status changes; the database trigger on tasks enforces the same table.
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PENDING: frozenset(
        {
            TaskStatus.PLANNING,
            TaskStatus.APPROVED,
            TaskStatus.IN_PROGRESS,
            TaskStatus.BLOCKED,
            TaskStatus.CANCELLED,
        }
    ),
    TaskStatus.PLANNING: frozenset(
        {TaskStatus.PENDING, TaskStatus.APPROVED, TaskStatus.BLOCKED, TaskStatus.CANCELLED}
    ),
    TaskStatus.APPROVED: frozenset(
        {TaskStatus.PLANNING, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED, TaskStatus.CANCELLED}
    ),
    TaskStatus.IN_PROGRESS: frozenset(
        {
            TaskStatus.COMPLETED,
            TaskStatus.FAILED,
            TaskStatus.BLOCKED,
            TaskStatus.CANCELLED,
            TaskStatus.APPROVED,
        }
    ),
    TaskStatus.BLOCKED: frozenset(
        {
            TaskStatus.PENDING,
            TaskStatus.PLANNING,
            TaskStatus.APPROVED,
            TaskStatus.IN_PROGRESS,
            TaskStatus.CANCELLED,
        }
    ),
    TaskStatus.COMPLETED: frozenset({TaskStatus.IN_PROGRESS}),
    TaskStatus.FAILED: frozenset(
        {TaskStatus.PENDING, TaskStatus.IN_PROGRESS, TaskStatus.CANCELLED}
    ),
    TaskStatus.CANCELLED: frozenset({TaskStatus.PENDING}),
}


# -- orchestration (seeds 000-003) -----------------------------------------------------


class PlanStatus(StrEnum):
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    EXECUTING = "EXECUTING"


# Allowed plan status changes; the database trigger on plans enforces the same table.
PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.PROPOSED: frozenset({PlanStatus.APPROVED, PlanStatus.REJECTED}),
    PlanStatus.APPROVED: frozenset({PlanStatus.EXECUTING}),
    PlanStatus.REJECTED: frozenset(),
    PlanStatus.EXECUTING: frozenset(),
}


class DecisionCategory(StrEnum):
    ARCHITECTURE = "ARCHITECTURE"
    UX = "UX"
    PERFORMANCE = "PERFORMANCE"
    SECURITY = "SECURITY"
    INTEGRATION = "INTEGRATION"
    PROCESS = "PROCESS"
    OTHER = "OTHER"


class ResultStatus(StrEnum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    PARTIAL = "PARTIAL"


class ArtifactType(StrEnum):
    DIFF = "DIFF"
    PR = "PR"
    TEST_REPORT = "TEST_REPORT"
    DOCUMENT = "DOCUMENT"
    OTHER = "OTHER"


class AgentType(StrEnum):
    PLANNER = "PLANNER"
    WORKER = "WORKER"
    EVALUATOR = "EVALUATOR"


class LogLevel(StrEnum):
    INFO = "INFO"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    ERROR = "ERROR"


class ServiceHealth(StrEnum):
    UNKNOWN = "UNKNOWN"
    HEALTHY = "HEALTHY"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


class RunStatus(StrEnum):
    """Lifecycle of a workflow run and of an assistant task (seed 003)."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class DocumentType(StrEnum):
    DOC = "DOC"
    SHEET = "SHEET"
    SLIDES = "SLIDES"
    EMAIL = "EMAIL"
    CALENDAR_EVENT = "CALENDAR_EVENT"
    OTHER = "OTHER"


def values(enum: type[Enum]) -> list[str]:
    return [member.value for member in enum]
