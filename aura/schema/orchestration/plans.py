"""Plans, decisions, results and human overrides: how a task's execution is decided."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type
from aura.schema import docs
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
    StringListFilter,
)
from aura.schema.orchestration.shared import (
    DecisionCategory,
    PlanStatus,
    ResultStatus,
    plan_field,
    project_field,
    related_connection,
    task_field,
    user_field,
)

# -- plans (seed 000) ------------------------------------------------------------------


@entity_type("plans", domain="orchestration")
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

    project = project_field("plans.project")
    task = task_field("plans.task")
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


@entity_type("decisions", domain="orchestration")
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

    project = project_field("decisions.project")
    task = task_field("decisions.task", required=False)
    plan = plan_field("decisions.plan")
    user = user_field("decisions.user", "The user who recorded the decision, if known.")


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


@entity_type("results", domain="orchestration")
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

    project = project_field("results.project")
    task = task_field("results.task")
    plan = plan_field("results.plan")


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


@entity_type("human_overrides", domain="orchestration")
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

    project = project_field("human_overrides.project")
    task = task_field("human_overrides.task", required=False)
    user = user_field("human_overrides.user", "The user who recorded the override, if known.")


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
