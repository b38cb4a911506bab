"""Orchestration domain contract: plans, decisions, results, human overrides, events,
artifacts, checkpoints, agent sessions, service status, workflows and their history,
execution logs, task history and generated documents."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from aura.db import enums
from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)

_HERE = "aura.schema.orchestration"
_WORK = "aura.schema.work"
_ACCOUNTS = "aura.schema.accounts"

PlanStatus = strawberry.enum(
    enums.PlanStatus,
    description=(
        "Lifecycle of a plan. Allowed changes: PROPOSED → APPROVED or REJECTED; "
        "APPROVED → EXECUTING. REJECTED and EXECUTING are final."
    ),
)
DecisionCategory = strawberry.enum(enums.DecisionCategory, description="What a decision is about.")
ResultStatus = strawberry.enum(enums.ResultStatus, description="How an execution ended.")
ArtifactType = strawberry.enum(
    enums.ArtifactType, description="What kind of output an artifact is."
)
AgentType = strawberry.enum(
    enums.AgentType, description="The role of the agent writing a log line."
)
LogLevel = strawberry.enum(enums.LogLevel, description="Severity of a log line.")
ServiceHealth = strawberry.enum(enums.ServiceHealth, description="Health of a monitored service.")
RunStatus = strawberry.enum(
    enums.RunStatus,
    description=(
        "Lifecycle of a workflow run or an assistant task. COMPLETED, FAILED and CANCELLED "
        "are final; reaching one sets `completedAt` when it is not given."
    ),
)
DocumentType = strawberry.enum(enums.DocumentType, description="What kind of document was made.")


# -- relationship fields ---------------------------------------------------------------


def related_connection(target: str, type_name: str, via: str, description: str) -> Any:
    """A nested connection to this domain's ``type_name`` rows along relation ``via``;
    the work domain's types use it for ``project.plans``, ``task.events``, …"""
    return connection_field(
        target,
        via=via,
        node=lazy(type_name, _HERE),
        filter=lazy(f"{type_name}Filter", _HERE),
        order=lazy(f"{type_name}OrderBy", _HERE),
        description=description,
    )


def _project(via: str) -> Any:
    return related_field(
        via, node=lazy("Project", _WORK), required=True, description="The project this belongs to."
    )


def _task(via: str, *, required: bool = True) -> Any:
    return related_field(
        via,
        node=lazy("Task", _WORK),
        required=required,
        description="The task this is about." if required else "The task this is about, if any.",
    )


def _user(via: str, description: str) -> Any:
    return related_field(via, node=lazy("User", _ACCOUNTS), description=description)


def _plan(via: str) -> Any:
    return related_field(
        via, node=lazy("Plan", _HERE), description="The plan this is about, if any."
    )


# -- plans (seed 000) ------------------------------------------------------------------


@entity_type("plans")
@strawberry.type(description="An execution plan an agent proposes for a task.")
class Plan:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description="The task's project.")
    task_id: strawberry.ID = strawberry.field(description="ID of the task it is for (see `task`).")
    key: str | None = strawberry.field(
        description="Human key, unique in the project (`plan-001-a`)."
    )
    version: str | None = strawberry.field(description="Semantic version of the plan.")
    approach: str = strawberry.field(description="Short description of the approach.")
    reasoning: str | None = strawberry.field(description="Why this approach was chosen.")
    steps: JSON = strawberry.field(description="The execution steps, a list.")
    agent: str | None = strawberry.field(description="Agent that wrote the plan (architect, …).")
    estimated_duration: int | None = strawberry.field(description="Estimate in minutes.")
    dependencies: list[str] = strawberry.field(description="Identifiers the plan depends on.")
    risks: JSON = strawberry.field(description="Risks, a list of objects.")
    status: PlanStatus = strawberry.field(  # type: ignore[valid-type]
        description=(
            "Where the plan stands: PROPOSED, then APPROVED or REJECTED; APPROVED, then EXECUTING."
        )
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("plans.project")
    task = _task("plans.task")
    decisions = related_connection(
        "decisions", "Decision", "plans.decisions", "Decisions taken about this plan."
    )
    results = related_connection(
        "results", "Result", "plans.results", "Results of executing this plan."
    )


@strawberry.input(description="Conditions on plans; all given fields must match.")
class PlanFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    key: StringFilter | None = None
    approach: StringFilter | None = None
    agent: StringFilter | None = None
    estimated_duration: IntFilter | None = None
    dependencies: StringListFilter | None = None
    status: EnumFilter[PlanStatus] | None = None  # type: ignore[valid-type]
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[PlanFilter] | None = strawberry.field(default=None, name="and")
    or_: list[PlanFilter] | None = strawberry.field(default=None, name="or")
    not_: PlanFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields plans can be ordered by.")
class PlanOrderField(Enum):
    KEY = "key"
    STATUS = "status"
    ESTIMATED_DURATION = "estimated_duration"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for plans.")
class PlanOrderBy(OrderBy[PlanOrderField]):
    pass


@strawberry.input(description="A new plan for a task; it belongs to the task's project.")
class CreatePlanInput:
    task_id: strawberry.ID
    approach: str
    key: str | None = strawberry.UNSET
    version: str | None = strawberry.UNSET
    reasoning: str | None = strawberry.UNSET
    steps: JSON | None = strawberry.field(default=strawberry.UNSET, description="A list.")
    agent: str | None = strawberry.UNSET
    estimated_duration: int | None = strawberry.UNSET
    dependencies: list[str] | None = strawberry.UNSET
    risks: JSON | None = strawberry.field(default=strawberry.UNSET, description="A list.")
    status: PlanStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Initial status, PROPOSED when omitted."
    )


@strawberry.input(
    description="Changes to a plan; omitted fields stay. Status changes follow PlanStatus."
)
class UpdatePlanInput:
    key: str | None = strawberry.UNSET
    version: str | None = strawberry.UNSET
    approach: str | None = strawberry.UNSET
    reasoning: str | None = strawberry.UNSET
    steps: JSON | None = strawberry.UNSET
    agent: str | None = strawberry.UNSET
    estimated_duration: int | None = strawberry.UNSET
    dependencies: list[str] | None = strawberry.UNSET
    risks: JSON | None = strawberry.UNSET
    status: PlanStatus | None = strawberry.UNSET  # type: ignore[valid-type]


# -- decisions (seeds 000 and 001) -------------------------------------------------------


@entity_type("decisions")
@strawberry.type(
    description=(
        "A design decision of a project, optionally about a task or a plan: the options "
        "considered, the one chosen and why. `selectedOption` (an index) and `choice` (the "
        "option's text: a string option, or an object option's title, name, label or "
        "option field) always name the same option."
    )
)
class Decision:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    task_id: strawberry.ID | None = strawberry.field(
        description="ID of the task it is about (see `task`); null when about the project."
    )
    plan_id: strawberry.ID | None = strawberry.field(
        description="ID of the plan it is about (see `plan`), if any; its task is then the plan's."
    )
    user_id: strawberry.ID | None = strawberry.field(description="The user who recorded it.")
    key: str | None = strawberry.field(description="Human key, unique in the project.")
    title: str = strawberry.field(description="What was decided about, in a few words. Not blank.")
    category: DecisionCategory | None = strawberry.field(  # type: ignore[valid-type]
        description="The area of the decision, if classified."
    )
    options: JSON = strawberry.field(description="The options (proposals) considered, a list.")
    selected_option: int | None = strawberry.field(
        description="Index of the chosen option in `options`, from 0."
    )
    choice: str | None = strawberry.field(description="Text of the chosen option.")
    rationale: str | None = strawberry.field(description="Why this option was chosen.")
    overrides: list[str] = strawberry.field(description="Override principles applied.")
    decided_by: str | None = strawberry.field(description="Who decided (a person or an agent).")
    decided_at: datetime | None = strawberry.field(description="When an option was chosen.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("decisions.project")
    task = _task("decisions.task", required=False)
    plan = _plan("decisions.plan")
    user = _user("decisions.user", "The user who recorded the decision, if known.")


@strawberry.input(description="Conditions on decisions; all given fields must match.")
class DecisionFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    plan_id: IDFilter | None = None
    user_id: IDFilter | None = None
    key: StringFilter | None = None
    title: StringFilter | None = None
    category: EnumFilter[DecisionCategory] | None = None  # type: ignore[valid-type]
    options: JSONFilter | None = None
    choice: StringFilter | None = None
    overrides: StringListFilter | None = None
    decided_by: StringFilter | None = None
    decided_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[DecisionFilter] | None = strawberry.field(default=None, name="and")
    or_: list[DecisionFilter] | None = strawberry.field(default=None, name="or")
    not_: DecisionFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields decisions can be ordered by.")
class DecisionOrderField(Enum):
    KEY = "key"
    TITLE = "title"
    CATEGORY = "category"
    DECIDED_AT = "decided_at"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for decisions.")
class DecisionOrderBy(OrderBy[DecisionOrderField]):
    pass


@strawberry.input(
    description=(
        "A new decision. Give the project, or a task or plan it is about (the project "
        "follows). Give `selectedOption` or `choice` (or both, naming the same option)."
    )
)
class CreateDecisionInput:
    title: str
    project_id: strawberry.ID | None = strawberry.UNSET
    task_id: strawberry.ID | None = strawberry.UNSET
    plan_id: strawberry.ID | None = strawberry.UNSET
    key: str | None = strawberry.UNSET
    category: DecisionCategory | None = strawberry.UNSET  # type: ignore[valid-type]
    options: JSON | None = strawberry.field(default=strawberry.UNSET, description="A list.")
    selected_option: int | None = strawberry.UNSET
    choice: str | None = strawberry.UNSET
    rationale: str | None = strawberry.UNSET
    overrides: list[str] | None = strawberry.UNSET
    decided_by: str | None = strawberry.UNSET


@strawberry.input(
    description=(
        "Changes to a decision; omitted fields stay. Changing only `selectedOption` or "
        "only `choice` re-derives the other."
    )
)
class UpdateDecisionInput:
    key: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    category: DecisionCategory | None = strawberry.UNSET  # type: ignore[valid-type]
    options: JSON | None = strawberry.UNSET
    selected_option: int | None = strawberry.UNSET
    choice: str | None = strawberry.UNSET
    rationale: str | None = strawberry.UNSET
    overrides: list[str] | None = strawberry.UNSET
    decided_by: str | None = strawberry.UNSET


# -- results (seed 000) ------------------------------------------------------------------


@entity_type("results")
@strawberry.type(description="The outcome of executing a task (and its plan).")
class Result:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    task_id: strawberry.ID = strawberry.field(description="ID of the executed task (see `task`).")
    plan_id: strawberry.ID | None = strawberry.field(
        description="ID of the executed plan (see `plan`), if any."
    )
    key: str | None = strawberry.field(description="Human key, unique in the project.")
    version: str | None = strawberry.field(
        description="Version of the result (e.g. `1.0.0`), if given."
    )
    status: ResultStatus = strawberry.field(description="How the execution ended.")  # type: ignore[valid-type]
    summary: str | None = strawberry.field(description="What was done.")
    outputs: JSON = strawberry.field(description="Output artifacts and changes.")
    quality_gates: JSON = strawberry.field(description="Quality gate results.")
    test_results: JSON = strawberry.field(
        description="Test outcomes as JSON (counts, failures, coverage); `{}` when none."
    )
    duration: int | None = strawberry.field(description="Actual duration in minutes.")
    agent: str | None = strawberry.field(description="Agent that executed the task.")
    errors: JSON | None = strawberry.field(description="Error information, if it failed.")
    completed_at: datetime = strawberry.field(
        description="When the execution finished; the time of recording unless given."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("results.project")
    task = _task("results.task")
    plan = _plan("results.plan")


@strawberry.input(description="Conditions on results; all given fields must match.")
class ResultFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    plan_id: IDFilter | None = None
    key: StringFilter | None = None
    status: EnumFilter[ResultStatus] | None = None  # type: ignore[valid-type]
    summary: StringFilter | None = None
    duration: IntFilter | None = None
    agent: StringFilter | None = None
    errors: JSONFilter | None = None
    completed_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[ResultFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ResultFilter] | None = strawberry.field(default=None, name="or")
    not_: ResultFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields results can be ordered by.")
class ResultOrderField(Enum):
    KEY = "key"
    STATUS = "status"
    DURATION = "duration"
    COMPLETED_AT = "completed_at"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for results.")
class ResultOrderBy(OrderBy[ResultOrderField]):
    pass


@strawberry.input(description="A new result of a task (and optionally of one of its plans).")
class CreateResultInput:
    task_id: strawberry.ID
    status: ResultStatus  # type: ignore[valid-type]
    plan_id: strawberry.ID | None = strawberry.UNSET
    key: str | None = strawberry.UNSET
    version: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    outputs: JSON | None = strawberry.UNSET
    quality_gates: JSON | None = strawberry.UNSET
    test_results: JSON | None = strawberry.UNSET
    duration: int | None = strawberry.UNSET
    agent: str | None = strawberry.UNSET
    errors: JSON | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Defaults to now."
    )


@strawberry.input(description="Changes to a result; omitted fields stay as they are.")
class UpdateResultInput:
    key: str | None = strawberry.UNSET
    version: str | None = strawberry.UNSET
    status: ResultStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    summary: str | None = strawberry.UNSET
    outputs: JSON | None = strawberry.UNSET
    quality_gates: JSON | None = strawberry.UNSET
    test_results: JSON | None = strawberry.UNSET
    duration: int | None = strawberry.UNSET
    agent: str | None = strawberry.UNSET
    errors: JSON | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET


# -- human overrides (seed 000) ----------------------------------------------------------


@entity_type("human_overrides")
@strawberry.type(
    description=(
        "A time a human overrode an AI suggestion, kept so agents learn the preference; "
        "`appliedCount` counts how often it has been applied since."
    )
)
class HumanOverride:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    task_id: strawberry.ID | None = strawberry.field(
        description="ID of the task it is about (see `task`), if any."
    )
    user_id: strawberry.ID | None = strawberry.field(description="The user who recorded it.")
    ai_suggestion: str = strawberry.field(description="What the AI suggested.")
    human_decision: str = strawberry.field(description="What the human decided instead.")
    category: str | None = strawberry.field(
        description="Free-form area of the override (`naming`, `testing`, …), if given."
    )
    rationale: str | None = strawberry.field(description="Why the human overrode the AI.")
    applied_count: int = strawberry.field(
        description="How many times the override has been applied (`recordOverrideApplied`)."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("human_overrides.project")
    task = _task("human_overrides.task", required=False)
    user = _user("human_overrides.user", "The user who recorded the override, if known.")


@strawberry.input(description="Conditions on human overrides; all given fields must match.")
class HumanOverrideFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    ai_suggestion: StringFilter | None = None
    human_decision: StringFilter | None = None
    category: StringFilter | None = None
    applied_count: IntFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[HumanOverrideFilter] | None = strawberry.field(default=None, name="and")
    or_: list[HumanOverrideFilter] | None = strawberry.field(default=None, name="or")
    not_: HumanOverrideFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields human overrides can be ordered by.")
class HumanOverrideOrderField(Enum):
    CATEGORY = "category"
    APPLIED_COUNT = "applied_count"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for human overrides.")
class HumanOverrideOrderBy(OrderBy[HumanOverrideOrderField]):
    pass


@strawberry.input(description="A new override: give its project, or a task (its project follows).")
class CreateHumanOverrideInput:
    ai_suggestion: str
    human_decision: str
    project_id: strawberry.ID | None = strawberry.UNSET
    task_id: strawberry.ID | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    rationale: str | None = strawberry.UNSET


@strawberry.input(description="Changes to an override; omitted fields stay as they are.")
class UpdateHumanOverrideInput:
    ai_suggestion: str | None = strawberry.UNSET
    human_decision: str | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    rationale: str | None = strawberry.UNSET


# -- events (seed 001) -------------------------------------------------------------------


@entity_type("events")
@strawberry.type(
    description=(
        "An entry of the append-only event log: every change to the work and orchestration "
        "data appends one in the same transaction (`task.created`, `task.status_changed`, "
        "`plan.approved`, …); clients may append their own. Events are never changed or "
        "deleted; a project's events go with the project. Events about personal records "
        "(workflows, task history, generated documents) have no project."
    )
)
class Event:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID | None = strawberry.field(
        description="The project whose timeline this belongs to; none for personal records."
    )
    task_id: strawberry.ID | None = strawberry.field(
        description="The task it is about, if any (kept after the task is deleted)."
    )
    user_id: strawberry.ID | None = strawberry.field(
        description="Who caused it; none for changes made outside a request."
    )
    event_type: str = strawberry.field(
        description="`entity.verb`, lower case: task.created, task.claimed, plan.approved, …"
    )
    payload: JSON = strawberry.field(
        description=(
            "Details. Emitted events carry the row's `id`; `from`/`to` for status changes; "
            "`fields` (changed field names) for updates; `agentId` for claims and releases."
        )
    )
    created_at: datetime = strawberry.field(
        description="When the event was appended (the moment of the change)."
    )

    project = related_field(
        "events.project",
        node=lazy("Project", _WORK),
        description="The project of the event, if any.",
    )
    task = _task("events.task", required=False)
    user = _user("events.user", "The user who caused the event, if known.")


@strawberry.input(description="Conditions on events; all given fields must match.")
class EventFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    event_type: StringFilter | None = None
    payload: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[EventFilter] | None = strawberry.field(default=None, name="and")
    or_: list[EventFilter] | None = strawberry.field(default=None, name="or")
    not_: EventFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields events can be ordered by.")
class EventOrderField(Enum):
    EVENT_TYPE = "event_type"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for events.")
class EventOrderBy(OrderBy[EventOrderField]):
    pass


@strawberry.input(
    description=(
        "An event to append, on a project's timeline (give the project or a task) or, with "
        "neither, on your personal timeline."
    )
)
class CreateEventInput:
    event_type: str = strawberry.field(
        description="Lower-case dotted name, e.g. `agent.note` (at most 100 characters)."
    )
    payload: JSON | None = strawberry.UNSET
    project_id: strawberry.ID | None = strawberry.UNSET
    task_id: strawberry.ID | None = strawberry.UNSET


@entity_type("recent_events")
@strawberry.type(description="An event with its project's name and its task's title (view).")
class RecentEvent:
    id: strawberry.ID = strawberry.field(description="The event's ID.")
    project_id: strawberry.ID | None = strawberry.field(
        description="The event's project; null for personal records."
    )
    task_id: strawberry.ID | None = strawberry.field(description="The task it is about, if any.")
    user_id: strawberry.ID | None = strawberry.field(
        description="Who caused it; null for changes made outside a request."
    )
    event_type: str = strawberry.field(
        description="`entity.verb`, lower case (see `Event.eventType`)."
    )
    payload: JSON = strawberry.field(description="Details (see `Event.payload`).")
    created_at: datetime = strawberry.field(description="When the event was appended.")
    project_name: str | None = strawberry.field(
        description="Name of the event's project; null when it has none."
    )
    task_title: str | None = strawberry.field(
        description="The task's title; none when the task has been deleted."
    )

    event = related_field(
        "recent_events.event", node=lazy("Event", _HERE), required=True, description="The event."
    )
    project = related_field(
        "recent_events.project", node=lazy("Project", _WORK), description="The project, if any."
    )
    task = _task("recent_events.task", required=False)


@strawberry.input(description="Conditions on recent events.")
class RecentEventFilter:
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    event_type: StringFilter | None = None
    payload: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    project_name: StringFilter | None = None
    task_title: StringFilter | None = None
    and_: list[RecentEventFilter] | None = strawberry.field(default=None, name="and")
    or_: list[RecentEventFilter] | None = strawberry.field(default=None, name="or")
    not_: RecentEventFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields recent events can be ordered by.")
class RecentEventOrderField(Enum):
    CREATED_AT = "created_at"
    EVENT_TYPE = "event_type"
    PROJECT_NAME = "project_name"


@strawberry.input(description="One ordering term for recent events.")
class RecentEventOrderBy(OrderBy[RecentEventOrderField]):
    pass


# -- artifacts (seed 001) ----------------------------------------------------------------


@entity_type("artifacts")
@strawberry.type(description="A work output of a task: a diff, a PR, a test report, a document.")
class Artifact:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    task_id: strawberry.ID = strawberry.field(
        description="ID of the task that produced it (see `task`)."
    )
    user_id: strawberry.ID | None = strawberry.field(description="The user who recorded it.")
    type: ArtifactType = strawberry.field(description="What kind of output it is.")  # type: ignore[valid-type]
    ref: str = strawberry.field(description="A URL or an identifier.")
    summary: str | None = strawberry.field(
        description="Short description of the artifact, if given."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("artifacts.project")
    task = _task("artifacts.task")
    user = _user("artifacts.user", "The user who recorded the artifact, if known.")


@strawberry.input(description="Conditions on artifacts; all given fields must match.")
class ArtifactFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    type: EnumFilter[ArtifactType] | None = None  # type: ignore[valid-type]
    ref: StringFilter | None = None
    summary: StringFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[ArtifactFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ArtifactFilter] | None = strawberry.field(default=None, name="or")
    not_: ArtifactFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields artifacts can be ordered by.")
class ArtifactOrderField(Enum):
    TYPE = "type"
    REF = "ref"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for artifacts.")
class ArtifactOrderBy(OrderBy[ArtifactOrderField]):
    pass


@strawberry.input(description="A new artifact of a task.")
class CreateArtifactInput:
    task_id: strawberry.ID
    type: ArtifactType  # type: ignore[valid-type]
    ref: str
    summary: str | None = strawberry.UNSET


@strawberry.input(description="Changes to an artifact; omitted fields stay as they are.")
class UpdateArtifactInput:
    type: ArtifactType | None = strawberry.UNSET  # type: ignore[valid-type]
    ref: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET


# -- checkpoints (seed 001) --------------------------------------------------------------


@entity_type("checkpoints")
@strawberry.type(
    description="A resumable snapshot of a project: where work stood and how to go on."
)
class Checkpoint:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    user_id: strawberry.ID | None = strawberry.field(description="The user who saved it.")
    label: str = strawberry.field(
        description="Short name of the checkpoint, e.g. `before-refactor`."
    )
    repo_ref: str | None = strawberry.field(description="Git reference (commit, branch, tag).")
    summary: str | None = strawberry.field(description="Where the work stood, if written.")
    resume_instructions: str | None = strawberry.field(description="How to pick the work up.")
    snapshot: JSON = strawberry.field(
        description="Saved state (tasks, files, notes) as JSON; `{}` when none."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("checkpoints.project")
    user = _user("checkpoints.user", "The user who saved the checkpoint, if known.")


@strawberry.input(description="Conditions on checkpoints; all given fields must match.")
class CheckpointFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    user_id: IDFilter | None = None
    label: StringFilter | None = None
    repo_ref: StringFilter | None = None
    snapshot: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[CheckpointFilter] | None = strawberry.field(default=None, name="and")
    or_: list[CheckpointFilter] | None = strawberry.field(default=None, name="or")
    not_: CheckpointFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields checkpoints can be ordered by.")
class CheckpointOrderField(Enum):
    LABEL = "label"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for checkpoints.")
class CheckpointOrderBy(OrderBy[CheckpointOrderField]):
    pass


@strawberry.input(description="A new checkpoint of a project.")
class CreateCheckpointInput:
    project_id: strawberry.ID
    label: str
    repo_ref: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    resume_instructions: str | None = strawberry.UNSET
    snapshot: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a checkpoint; omitted fields stay as they are.")
class UpdateCheckpointInput:
    label: str | None = strawberry.UNSET
    repo_ref: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    resume_instructions: str | None = strawberry.UNSET
    snapshot: JSON | None = strawberry.UNSET


# -- agent sessions (seed 001) -----------------------------------------------------------


@entity_type("agent_sessions")
@strawberry.type(description="An agent's working session on a project (superseded by checkpoints).")
class AgentSession:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    user_id: strawberry.ID | None = strawberry.field(description="The user the agent acts for.")
    snapshot: JSON = strawberry.field(
        description="State of the session (context, open files, progress) as JSON; `{}` when none."
    )
    summary: str | None = strawberry.field(
        description="What the agent did in the session, if written."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("agent_sessions.project")
    user = _user("agent_sessions.user", "The user the agent acts for, if known.")


@strawberry.input(description="Conditions on agent sessions; all given fields must match.")
class AgentSessionFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    user_id: IDFilter | None = None
    summary: StringFilter | None = None
    snapshot: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[AgentSessionFilter] | None = strawberry.field(default=None, name="and")
    or_: list[AgentSessionFilter] | None = strawberry.field(default=None, name="or")
    not_: AgentSessionFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields agent sessions can be ordered by.")
class AgentSessionOrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for agent sessions.")
class AgentSessionOrderBy(OrderBy[AgentSessionOrderField]):
    pass


@strawberry.input(description="A new agent session on a project.")
class CreateAgentSessionInput:
    project_id: strawberry.ID
    snapshot: JSON | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET


@strawberry.input(description="Changes to an agent session; omitted fields stay as they are.")
class UpdateAgentSessionInput:
    snapshot: JSON | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET


# -- service status (seed 002) -----------------------------------------------------------


@entity_type("service_status")
@strawberry.type(description="Health of one service of a project, as last checked.")
class ServiceStatus:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    service_name: str = strawberry.field(description="Unique in the project.")
    status: ServiceHealth = strawberry.field(description="Health at the last check.")  # type: ignore[valid-type]
    last_check: datetime | None = strawberry.field(description="When it was last checked.")
    response_time_ms: int | None = strawberry.field(
        description="Response time of the last check in milliseconds (0 or more), if measured."
    )
    error_message: str | None = strawberry.field(
        description="The error of the last check, if it failed."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = _project("service_status.project")


@strawberry.input(description="Conditions on service statuses; all given fields must match.")
class ServiceStatusFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    service_name: StringFilter | None = None
    status: EnumFilter[ServiceHealth] | None = None  # type: ignore[valid-type]
    last_check: DateTimeFilter | None = None
    response_time_ms: IntFilter | None = None
    metadata: JSONFilter | None = None
    and_: list[ServiceStatusFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ServiceStatusFilter] | None = strawberry.field(default=None, name="or")
    not_: ServiceStatusFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields service statuses can be ordered by.")
class ServiceStatusOrderField(Enum):
    SERVICE_NAME = "service_name"
    STATUS = "status"
    LAST_CHECK = "last_check"
    RESPONSE_TIME_MS = "response_time_ms"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for service statuses.")
class ServiceStatusOrderBy(OrderBy[ServiceStatusOrderField]):
    pass


@strawberry.input(description="A new monitored service of a project.")
class CreateServiceStatusInput:
    project_id: strawberry.ID
    service_name: str
    status: ServiceHealth | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="UNKNOWN when omitted."
    )
    last_check: datetime | None = strawberry.UNSET
    response_time_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a service status; omitted fields stay as they are.")
class UpdateServiceStatusInput:
    service_name: str | None = strawberry.UNSET
    status: ServiceHealth | None = strawberry.UNSET  # type: ignore[valid-type]
    last_check: datetime | None = strawberry.UNSET
    response_time_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- workflows and their history (seed 003, personal) ------------------------------------


@entity_type("workflows")
@strawberry.type(description="A saved assistant workflow of a user (personal).")
class Workflow:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The owner.")
    name: str = strawberry.field(description="Unique among the owner's workflows.")
    description: str | None = strawberry.field(description="What the workflow does, if written.")
    steps: JSON = strawberry.field(description="The steps, a list.")
    trigger: JSON = strawberry.field(description="What starts the workflow (schedule, event, …).")
    is_active: bool = strawberry.field(description="Whether the workflow may run.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    user = _user("workflows.user", "The owner.")
    history = related_connection(
        "workflow_history", "WorkflowHistory", "workflows.history", "Runs of this workflow."
    )


@strawberry.input(description="Conditions on workflows; all given fields must match.")
class WorkflowFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    name: StringFilter | None = None
    description: StringFilter | None = None
    is_active: BooleanFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[WorkflowFilter] | None = strawberry.field(default=None, name="and")
    or_: list[WorkflowFilter] | None = strawberry.field(default=None, name="or")
    not_: WorkflowFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields workflows can be ordered by.")
class WorkflowOrderField(Enum):
    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for workflows.")
class WorkflowOrderBy(OrderBy[WorkflowOrderField]):
    pass


@strawberry.input(description="A new workflow, owned by you.")
class CreateWorkflowInput:
    name: str
    description: str | None = strawberry.UNSET
    steps: JSON | None = strawberry.field(default=strawberry.UNSET, description="A list.")
    trigger: JSON | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a workflow; omitted fields stay as they are.")
class UpdateWorkflowInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    steps: JSON | None = strawberry.UNSET
    trigger: JSON | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@entity_type("workflow_history")
@strawberry.type(description="One run of a workflow (personal, like the workflow).")
class WorkflowHistory:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The workflow's owner.")
    workflow_id: strawberry.ID = strawberry.field(
        description="ID of the workflow that ran (see `workflow`)."
    )
    status: RunStatus = strawberry.field(description="Where the run stands.")  # type: ignore[valid-type]
    input: JSON = strawberry.field(
        description="What the run was given, as JSON; `{}` when nothing."
    )
    output: JSON = strawberry.field(
        description="What the run returned, as JSON; `{}` when nothing."
    )
    error_message: str | None = strawberry.field(description="Why it failed, if it did.")
    started_at: datetime = strawberry.field(
        description="When the run started; the time of recording unless given."
    )
    completed_at: datetime | None = strawberry.field(
        description=(
            "When it finished; set to the current time when the status becomes COMPLETED, FAILED "
            "or CANCELLED, unless given."
        )
    )
    duration_ms: int | None = strawberry.field(
        description="Execution time in milliseconds (0 or more), if measured."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    workflow = related_field(
        "workflow_history.workflow",
        node=lazy("Workflow", _HERE),
        required=True,
        description="The workflow that ran.",
    )
    user = _user("workflow_history.user", "The workflow's owner.")


@strawberry.input(description="Conditions on workflow runs; all given fields must match.")
class WorkflowHistoryFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    workflow_id: IDFilter | None = None
    status: EnumFilter[RunStatus] | None = None  # type: ignore[valid-type]
    started_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    duration_ms: IntFilter | None = None
    and_: list[WorkflowHistoryFilter] | None = strawberry.field(default=None, name="and")
    or_: list[WorkflowHistoryFilter] | None = strawberry.field(default=None, name="or")
    not_: WorkflowHistoryFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields workflow runs can be ordered by.")
class WorkflowHistoryOrderField(Enum):
    STATUS = "status"
    STARTED_AT = "started_at"
    COMPLETED_AT = "completed_at"
    DURATION_MS = "duration_ms"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for workflow runs.")
class WorkflowHistoryOrderBy(OrderBy[WorkflowHistoryOrderField]):
    pass


@strawberry.input(description="A new run of one of your workflows.")
class CreateWorkflowHistoryInput:
    workflow_id: strawberry.ID
    status: RunStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="PENDING when omitted."
    )
    input: JSON | None = strawberry.UNSET
    output: JSON | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    started_at: datetime | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET


@strawberry.input(description="Changes to a workflow run; omitted fields stay as they are.")
class UpdateWorkflowHistoryInput:
    status: RunStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    output: JSON | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET


# -- execution logs (seed 003) ------------------------------------------------------------


@entity_type("execution_logs")
@strawberry.type(
    description=(
        "A line of an agent's execution log for a task (planner, worker, evaluator). Logs "
        "belong to the task's project; they are their own stream and emit no events."
    )
)
class ExecutionLog:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    task_id: strawberry.ID = strawberry.field(
        description="ID of the task it is about (see `task`)."
    )
    user_id: strawberry.ID | None = strawberry.field(description="The user whose agent wrote it.")
    step: str | None = strawberry.field(description="The step of the execution.")
    agent_type: AgentType = strawberry.field(description="Which agent wrote the line.")  # type: ignore[valid-type]
    level: LogLevel = strawberry.field(description="Severity of the line.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="The log text.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description="When the line was written.")

    project = _project("execution_logs.project")
    task = _task("execution_logs.task")
    user = _user("execution_logs.user", "The user whose agent wrote the line, if known.")


@strawberry.input(
    description=(
        "Conditions on execution log lines; all given fields must match. By task: "
        "`taskId: {eq}`; agent types and levels: `in`; a time range: `createdAt: {gte, lt}`; "
        "text: `message: {ilike}`."
    )
)
class ExecutionLogFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    task_id: IDFilter | None = None
    user_id: IDFilter | None = None
    step: StringFilter | None = None
    agent_type: EnumFilter[AgentType] | None = None  # type: ignore[valid-type]
    level: EnumFilter[LogLevel] | None = None  # type: ignore[valid-type]
    message: StringFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[ExecutionLogFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ExecutionLogFilter] | None = strawberry.field(default=None, name="or")
    not_: ExecutionLogFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields execution log lines can be ordered by.")
class ExecutionLogOrderField(Enum):
    CREATED_AT = "created_at"
    LEVEL = "level"
    AGENT_TYPE = "agent_type"
    STEP = "step"


@strawberry.input(description="One ordering term for execution log lines.")
class ExecutionLogOrderBy(OrderBy[ExecutionLogOrderField]):
    pass


@strawberry.input(description="A new log line for a task.")
class CreateExecutionLogInput:
    task_id: strawberry.ID
    agent_type: AgentType  # type: ignore[valid-type]
    message: str
    level: LogLevel | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="INFO when omitted."
    )
    step: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- task history (seed 003, personal) -----------------------------------------------------


@entity_type("task_history")
@strawberry.type(
    description=(
        "A task the assistant executed for a user (personal): its status, results, "
        "output summary and links, the services it used and how long it took."
    )
)
class TaskHistory:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The user it ran for.")
    description: str = strawberry.field(description="The task as asked.")
    status: RunStatus = strawberry.field(description="Where the run stands.")  # type: ignore[valid-type]
    results: JSON = strawberry.field(
        description="What the run returned, as JSON; `{}` when nothing."
    )
    output_summary: str | None = strawberry.field(
        description="Short summary of the output, if written."
    )
    output_links: list[str] = strawberry.field(
        description="Links to what it produced; empty when none."
    )
    services_used: list[str] = strawberry.field(description="Services used (gmail, docs, …).")
    duration_ms: int | None = strawberry.field(description="Execution time in milliseconds.")
    error_message: str | None = strawberry.field(description="Why it failed, if it did.")
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    completed_at: datetime | None = strawberry.field(
        description=(
            "When it finished; set to the current time when the status becomes COMPLETED, FAILED "
            "or CANCELLED, unless given."
        )
    )

    user = _user("task_history.user", "The user it ran for.")
    documents = related_connection(
        "documents_generated",
        "GeneratedDocument",
        "task_history.documents",
        "Documents the task produced.",
    )


@strawberry.input(description="Conditions on task history; all given fields must match.")
class TaskHistoryFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    description: StringFilter | None = None
    status: EnumFilter[RunStatus] | None = None  # type: ignore[valid-type]
    services_used: StringListFilter | None = None
    duration_ms: IntFilter | None = None
    created_at: DateTimeFilter | None = None
    completed_at: DateTimeFilter | None = None
    and_: list[TaskHistoryFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TaskHistoryFilter] | None = strawberry.field(default=None, name="or")
    not_: TaskHistoryFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields task history can be ordered by.")
class TaskHistoryOrderField(Enum):
    STATUS = "status"
    DURATION_MS = "duration_ms"
    CREATED_AT = "created_at"
    COMPLETED_AT = "completed_at"


@strawberry.input(description="One ordering term for task history.")
class TaskHistoryOrderBy(OrderBy[TaskHistoryOrderField]):
    pass


@strawberry.input(description="A new task history record, yours.")
class CreateTaskHistoryInput:
    description: str
    status: RunStatus | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="PENDING when omitted."
    )
    results: JSON | None = strawberry.UNSET
    output_summary: str | None = strawberry.UNSET
    output_links: list[str] | None = strawberry.UNSET
    services_used: list[str] | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET


@strawberry.input(description="Changes to a task history record; omitted fields stay.")
class UpdateTaskHistoryInput:
    description: str | None = strawberry.UNSET
    status: RunStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    results: JSON | None = strawberry.UNSET
    output_summary: str | None = strawberry.UNSET
    output_links: list[str] | None = strawberry.UNSET
    services_used: list[str] | None = strawberry.UNSET
    duration_ms: int | None = strawberry.UNSET
    error_message: str | None = strawberry.UNSET
    completed_at: datetime | None = strawberry.UNSET


@strawberry.type(description="How many task history records have a status.")
class RunStatusCount:
    status: RunStatus = strawberry.field(description="The status.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="Records with that status (at least 1).")


@strawberry.type(description="How many task history records used a service.")
class ServiceUsageCount:
    service: str = strawberry.field(description="The service's name.")
    count: int = strawberry.field(description="Records that used it (at least 1).")


@strawberry.type(description="Statistics of your task history (all users' for admins).")
class TaskHistoryStatistics:
    total: int = strawberry.field(description="Records counted.")
    by_status: list[RunStatusCount] = strawberry.field(
        description="Counts per status, most frequent first; statuses with none are left out."
    )
    by_service: list[ServiceUsageCount] = strawberry.field(
        description="Counts per service used, most used first."
    )
    average_duration_ms: float | None = strawberry.field(
        description="Mean duration of the records that have one; null when none has."
    )


# -- generated documents (seed 003, personal) ----------------------------------------------


@entity_type("documents_generated")
@strawberry.type(
    description="A document, email or calendar event the assistant created for a user."
)
class GeneratedDocument:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    user_id: strawberry.ID = strawberry.field(description="The user it was made for.")
    task_history_id: strawberry.ID | None = strawberry.field(
        description="The assistant task that made it, if recorded."
    )
    type: DocumentType = strawberry.field(description="What kind of document it is.")  # type: ignore[valid-type]
    title: str = strawberry.field(description="Title of the document. Not blank.")
    url: str | None = strawberry.field(description="Direct link to the resource.")
    external_id: str | None = strawberry.field(description="The provider's identifier.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    user = _user("documents_generated.user", "The user it was made for.")
    task_history = related_field(
        "documents_generated.task_history",
        node=lazy("TaskHistory", _HERE),
        description="The assistant task that made it, if recorded.",
    )


@strawberry.input(description="Conditions on generated documents; all given fields must match.")
class GeneratedDocumentFilter:
    id: IDFilter | None = None
    user_id: IDFilter | None = None
    task_history_id: IDFilter | None = None
    type: EnumFilter[DocumentType] | None = None  # type: ignore[valid-type]
    title: StringFilter | None = None
    url: StringFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[GeneratedDocumentFilter] | None = strawberry.field(default=None, name="and")
    or_: list[GeneratedDocumentFilter] | None = strawberry.field(default=None, name="or")
    not_: GeneratedDocumentFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields generated documents can be ordered by.")
class GeneratedDocumentOrderField(Enum):
    TYPE = "type"
    TITLE = "title"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for generated documents.")
class GeneratedDocumentOrderBy(OrderBy[GeneratedDocumentOrderField]):
    pass


@strawberry.input(description="A new generated document, yours (or the task history's owner's).")
class CreateGeneratedDocumentInput:
    type: DocumentType  # type: ignore[valid-type]
    title: str
    url: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    task_history_id: strawberry.ID | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a generated document; omitted fields stay.")
class UpdateGeneratedDocumentInput:
    type: DocumentType | None = strawberry.UNSET  # type: ignore[valid-type]
    title: str | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    external_id: str | None = strawberry.UNSET
    task_history_id: strawberry.ID | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.type(description="How many generated documents have a type.")
class DocumentTypeCount:
    type: DocumentType = strawberry.field(description="The document type.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="Documents of that type (at least 1).")


@strawberry.type(description="Statistics of your generated documents (all users' for admins).")
class GeneratedDocumentStatistics:
    total: int = strawberry.field(description="Documents counted.")
    by_type: list[DocumentTypeCount] = strawberry.field(
        description="Counts per type, most frequent first; types with none are left out."
    )
    last_created_at: datetime | None = strawberry.field(description="When the newest was made.")


__all__ = [
    "AgentSession",
    "Artifact",
    "Checkpoint",
    "Decision",
    "Event",
    "ExecutionLog",
    "GeneratedDocument",
    "HumanOverride",
    "Plan",
    "RecentEvent",
    "Result",
    "ServiceStatus",
    "TaskHistory",
    "Workflow",
    "WorkflowHistory",
    "related_connection",
]
