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


class Complexity(StrEnum):
    """How hard a task execution is (estimation)."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class ExecutionStatus(StrEnum):
    """Lifecycle of a task execution (estimation)."""

    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class ImpactType(StrEnum):
    """Which way an estimation factor moves the time a task takes."""

    INCREASE = "INCREASE"
    DECREASE = "DECREASE"


def values(enum: type[Enum]) -> list[str]:
    return [member.value for member in enum]


# What each value means, for the GraphQL schema's descriptions (read by aura.engine.docs).
MEANINGS: dict[Enum, str] = {
    UserRole.PENDING: "Signed up, not yet approved: sees only themself and their own tokens.",
    UserRole.USER: "A member: works on their own projects.",
    UserRole.MANAGER: "A member who also reads the time tracking and bonus progress of their team.",
    UserRole.ADMIN: "An administrator: sees every project, manages users, settings and the vault.",
    ProjectStatus.ACTIVE: "Being worked on (the default).",
    ProjectStatus.PAUSED: "On hold for now.",
    ProjectStatus.COMPLETED: "Finished.",
    ProjectStatus.ARCHIVED: "Kept for reference only.",
    WorkStatus.PLANNED: "Not started yet (the default).",
    WorkStatus.IN_PROGRESS: "Being worked on.",
    WorkStatus.COMPLETED: "Done.",
    WorkStatus.CANCELLED: "Dropped.",
    IssueStatus.OPEN: "Reported, not yet worked on (the default).",
    IssueStatus.IN_PROGRESS: "Being worked on.",
    IssueStatus.CLOSED: "Resolved or dismissed.",
    Priority.LOW: "Can wait.",
    Priority.MEDIUM: "Normal urgency (the default).",
    Priority.HIGH: "Should be done soon.",
    Priority.CRITICAL: "Needs attention first.",
    TaskStatus.PENDING: "Waiting to be picked up (the default for a new task).",
    TaskStatus.PLANNING: "A plan is being prepared.",
    TaskStatus.APPROVED: "Approved to be worked on.",
    TaskStatus.IN_PROGRESS: "Being worked on.",
    TaskStatus.BLOCKED: "Cannot go on until something outside it changes.",
    TaskStatus.COMPLETED: "Done; only possible when all its dependencies are COMPLETED.",
    TaskStatus.FAILED: "Attempted without success.",
    TaskStatus.CANCELLED: "Dropped; cannot be claimed.",
    TaskType.FEATURE: "New functionality.",
    TaskType.BUGFIX: "Fixes a defect.",
    TaskType.REFACTOR: "Restructures code without changing behaviour.",
    TaskType.DOCS: "Documentation.",
    TaskType.TEST: "Tests.",
    TaskType.INFRA: "Build, deployment or infrastructure.",
    PlanStatus.PROPOSED: "Written, awaiting review (the default).",
    PlanStatus.APPROVED: "Accepted (`approvePlan`); may now be executed.",
    PlanStatus.REJECTED: "Turned down (`rejectPlan`); final.",
    PlanStatus.EXECUTING: "Being carried out (`executePlan`); final.",
    DecisionCategory.ARCHITECTURE: "Structure of the system.",
    DecisionCategory.UX: "User experience.",
    DecisionCategory.PERFORMANCE: "Speed and resource use.",
    DecisionCategory.SECURITY: "Security and privacy.",
    DecisionCategory.INTEGRATION: "Interplay with other systems.",
    DecisionCategory.PROCESS: "How the work is done.",
    DecisionCategory.OTHER: "Anything else.",
    ResultStatus.SUCCESS: "Everything intended was done.",
    ResultStatus.FAILED: "The execution did not achieve its goal.",
    ResultStatus.PARTIAL: "Some of it was done.",
    ArtifactType.DIFF: "A code diff.",
    ArtifactType.PR: "A pull request.",
    ArtifactType.TEST_REPORT: "A test report.",
    ArtifactType.DOCUMENT: "A document.",
    ArtifactType.OTHER: "Anything else.",
    AgentType.PLANNER: "The agent that writes plans.",
    AgentType.WORKER: "The agent that carries them out.",
    AgentType.EVALUATOR: "The agent that checks the results.",
    LogLevel.INFO: "Progress information (the default).",
    LogLevel.SUCCESS: "Something succeeded.",
    LogLevel.WARNING: "Something may need attention.",
    LogLevel.ERROR: "Something failed.",
    ServiceHealth.UNKNOWN: "Not checked yet (the default).",
    ServiceHealth.HEALTHY: "Working normally.",
    ServiceHealth.DEGRADED: "Working, but slow or partly failing.",
    ServiceHealth.DOWN: "Not working.",
    RunStatus.PENDING: "Not started yet (the default).",
    RunStatus.RUNNING: "Running.",
    RunStatus.COMPLETED: "Finished successfully; `completedAt` is set.",
    RunStatus.FAILED: "Finished with an error; `completedAt` is set.",
    RunStatus.CANCELLED: "Stopped before finishing; `completedAt` is set.",
    DocumentType.DOC: "A text document.",
    DocumentType.SHEET: "A spreadsheet.",
    DocumentType.SLIDES: "A presentation.",
    DocumentType.EMAIL: "An email.",
    DocumentType.CALENDAR_EVENT: "A calendar event.",
    DocumentType.OTHER: "Anything else.",
    Complexity.LOW: "Small and well understood.",
    Complexity.MEDIUM: "Ordinary work (the default).",
    Complexity.HIGH: "Large or uncertain work.",
    ExecutionStatus.IN_PROGRESS: "Being worked on (the default); `completedAt` is null.",
    ExecutionStatus.COMPLETED: (
        "Finished; `completedAt` is set, and the duration counts in the estimation pattern."
    ),
    ExecutionStatus.FAILED: "Given up with an error; `completedAt` is set; not learned from.",
    ExecutionStatus.CANCELLED: "Stopped before finishing; `completedAt` is set; not learned from.",
    ImpactType.INCREASE: "Makes work take longer by `averageImpact` (a fraction).",
    ImpactType.DECREASE: "Makes work go faster by `averageImpact` (a fraction).",
}


class RecordType(StrEnum):
    """What a data record is (seed 004)."""

    TASK = "TASK"
    FEEDBACK = "FEEDBACK"


class RecordCategory(StrEnum):
    TOP_10 = "TOP_10"
    BOTTOM_10 = "BOTTOM_10"


class IngestStatus(StrEnum):
    """PENDING → PROCESSING → QUEUED_FOR_VEC → VECTORIZING → COMPLETED, or FAILED / CANCELLED."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    QUEUED_FOR_VEC = "QUEUED_FOR_VEC"
    VECTORIZING = "VECTORIZING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class AnalyticsStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


MEANINGS.update(
    {
        RecordType.TASK: "A prompt, request or task.",
        RecordType.FEEDBACK: "Human or AI feedback on a task.",
        RecordCategory.TOP_10: "High quality, well aligned with the guidelines.",
        RecordCategory.BOTTOM_10: "Low quality, poorly aligned with the guidelines.",
        IngestStatus.PENDING: "Created and queued; no worker has started it yet.",
        IngestStatus.PROCESSING: "A worker is reading the file and saving its rows.",
        IngestStatus.QUEUED_FOR_VEC: "Rows saved; waiting for their embeddings.",
        IngestStatus.VECTORIZING: "Computing the embeddings of the saved rows.",
        IngestStatus.COMPLETED: "Finished: every valid row is saved.",
        IngestStatus.FAILED: "Stopped by an error (see `error`); rows saved before it stay.",
        IngestStatus.CANCELLED: "Stopped by `cancelIngestJob`; rows saved before it stay.",
        AnalyticsStatus.PENDING: "Created and queued.",
        AnalyticsStatus.PROCESSING: "Analysing records (see `processedCount`).",
        AnalyticsStatus.COMPLETED: "Finished.",
        AnalyticsStatus.FAILED: "Stopped by an error (see `error`).",
        AnalyticsStatus.CANCELLED: "Stopped on request.",
    }
)
