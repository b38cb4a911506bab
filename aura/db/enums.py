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


def values(enum: type[Enum]) -> list[str]:
    return [member.value for member in enum]
