"""Teams domain contract: bonus windows and the time tracking managers see (seed 004)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from aura.engine.relay import OrderBy, entity_type, related_field
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import DateTimeFilter, IDFilter, IntFilter, StringFilter

_ACCOUNTS = "aura.schema.accounts"


@entity_type("bonus_windows", domain="teams")
@strawberry.type(
    description="A time window in which team members can qualify for a bonus by meeting "
    "task and feedback targets (two tiers; a target of 0 disables that metric, and both "
    "targets of a tier must be met). Administrators manage them; managers read them."
)
class BonusWindow:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    name: str = strawberry.field(description="Display name.")
    start_time: datetime = strawberry.field(description="When the window opens.")
    end_time: datetime = strawberry.field(description="When it closes (after `startTime`).")
    target_task_count: int = strawberry.field(description="Tier 1 task target.")
    target_feedback_count: int = strawberry.field(description="Tier 1 feedback target.")
    target_task_count_tier2: int = strawberry.field(description="Tier 2 task target.")
    target_feedback_count_tier2: int = strawberry.field(description="Tier 2 feedback target.")
    created_by: strawberry.ID | None = strawberry.field(
        description="The administrator who created it."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    creator = related_field(
        "bonus_windows.creator",
        node=lazy("User", _ACCOUNTS),
        description="The administrator who created it (visible to administrators).",
    )


@strawberry.input(description="Conditions on bonus windows; all given fields must match.")
class BonusWindowFilter:
    id: IDFilter | None = None
    name: StringFilter | None = None
    start_time: DateTimeFilter | None = None
    end_time: DateTimeFilter | None = None
    and_: list[BonusWindowFilter] | None = strawberry.field(default=None, name="and")
    or_: list[BonusWindowFilter] | None = strawberry.field(default=None, name="or")
    not_: BonusWindowFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields bonus windows can be ordered by.")
class BonusWindowOrderField(Enum):
    NAME = "name"
    START_TIME = "start_time"
    END_TIME = "end_time"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for bonus windows.")
class BonusWindowOrderBy(OrderBy[BonusWindowOrderField]):
    pass


@strawberry.input(description="A new bonus window (administrators only).")
class CreateBonusWindowInput:
    start_time: datetime
    end_time: datetime = strawberry.field(description="Must be after `startTime`.")
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Defaults to `Bonus Window`."
    )
    target_task_count: int | None = strawberry.UNSET
    target_feedback_count: int | None = strawberry.UNSET
    target_task_count_tier2: int | None = strawberry.UNSET
    target_feedback_count_tier2: int | None = strawberry.UNSET


@strawberry.input(description="Changes to a bonus window; omitted fields stay as they are.")
class UpdateBonusWindowInput:
    name: str | None = strawberry.UNSET
    start_time: datetime | None = strawberry.UNSET
    end_time: datetime | None = strawberry.UNSET
    target_task_count: int | None = strawberry.UNSET
    target_feedback_count: int | None = strawberry.UNSET
    target_task_count_tier2: int | None = strawberry.UNSET
    target_feedback_count_tier2: int | None = strawberry.UNSET


@entity_type("team_time_entries", domain="teams")
@strawberry.type(
    description="Time tracking of one task in a project owned by a member of your team "
    "(you are their manager; administrators see every project). Only the task's "
    "identity, status and minutes: nothing else of the project is visible to managers."
)
class TeamTimeEntry:
    id: strawberry.ID = strawberry.field(description="The task's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the task's project.")
    project_name: str = strawberry.field(description="Name of the task's project.")
    member_id: strawberry.ID = strawberry.field(description="The team member owning the project.")
    member_name: str = strawberry.field(description="Their display name (or email).")
    manager_id: strawberry.ID | None = strawberry.field(description="Their manager.")
    task_key: str | None = strawberry.field(description="The task's human key, if it has one.")
    task_title: str = strawberry.field(description="The task's title.")
    status: str = strawberry.field(description="The task's status (see `TaskStatus`).")
    estimated_minutes: int | None = strawberry.field(
        description="Minutes estimated for the task; null when not estimated."
    )
    actual_minutes: int | None = strawberry.field(
        description="Minutes recorded on the task; null when none recorded."
    )
    completed_at: datetime | None = strawberry.field(
        description="When the task was completed; null unless it is COMPLETED."
    )
    created_at: datetime = strawberry.field(description="When the task was created.")
    updated_at: datetime = strawberry.field(description="When the task last changed.")


@strawberry.input(description="Conditions on team time entries; all given fields must match.")
class TeamTimeEntryFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    member_id: IDFilter | None = None
    manager_id: IDFilter | None = None
    status: StringFilter | None = None
    actual_minutes: IntFilter | None = None
    completed_at: DateTimeFilter | None = None
    updated_at: DateTimeFilter | None = None
    and_: list[TeamTimeEntryFilter] | None = strawberry.field(default=None, name="and")
    or_: list[TeamTimeEntryFilter] | None = strawberry.field(default=None, name="or")
    not_: TeamTimeEntryFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields team time entries can be ordered by.")
class TeamTimeEntryOrderField(Enum):
    MEMBER_NAME = "member_name"
    PROJECT_NAME = "project_name"
    ACTUAL_MINUTES = "actual_minutes"
    COMPLETED_AT = "completed_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for team time entries.")
class TeamTimeEntryOrderBy(OrderBy[TeamTimeEntryOrderField]):
    pass


@in_domain("teams")
@strawberry.type(description="A team member's progress in a bonus window.")
class BonusProgress:
    member_id: strawberry.ID = strawberry.field(description="The team member's user ID.")
    member_name: str = strawberry.field(
        description="Their display name (or email when they have none)."
    )
    completed_tasks: int = strawberry.field(
        description="Tasks of their projects completed inside the window."
    )
    actual_minutes: int = strawberry.field(description="Minutes recorded on those tasks.")
    estimated_minutes: int = strawberry.field(description="Minutes estimated for those tasks.")
    feedback_count: int = strawberry.field(
        description="FEEDBACK data records they created inside the window (any project)."
    )
    qualifies_tier1: bool = strawberry.field(
        description="Meets the tier 1 targets: both the task and the feedback target (a "
        "target of 0 is not checked; a tier whose targets are both 0 is not offered)."
    )
    qualifies_tier2: bool = strawberry.field(description="Meets the tier 2 targets (likewise).")
