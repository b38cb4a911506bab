"""Teams domain: bonus windows, managers' team time tracking and bonus progress."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from aura import errors
from aura.db.sql.values import check_id
from aura.engine import crud
from aura.engine.relay import by_id_field, connection_field
from aura.schema.teams import (
    BonusProgress,
    BonusWindow,
    BonusWindowFilter,
    BonusWindowOrderBy,
    CreateBonusWindowInput,
    TeamTimeEntry,
    TeamTimeEntryFilter,
    TeamTimeEntryOrderBy,
    UpdateBonusWindowInput,
)

# Row-level security does the scoping: the view holds your team's tasks only, and the
# window is visible to managers and administrators only.
_PROGRESS = """
WITH w AS (SELECT * FROM bonus_windows WHERE id = $1),
t AS (
  SELECT e.member_id, max(e.member_name) AS member_name,
         count(*) FILTER (WHERE e.completed_at >= w.start_time
                            AND e.completed_at < w.end_time)::int AS completed_tasks,
         coalesce(sum(e.actual_minutes) FILTER (WHERE e.completed_at >= w.start_time
                            AND e.completed_at < w.end_time), 0)::int AS actual_minutes,
         coalesce(sum(e.estimated_minutes) FILTER (WHERE e.completed_at >= w.start_time
                            AND e.completed_at < w.end_time), 0)::int AS estimated_minutes
  FROM w, team_time_entries e
  GROUP BY e.member_id
),
-- The FEEDBACK data records each member created inside the window (seed 004).
f AS (
  SELECT c.member_id, c.member_name, c.feedback_count
  FROM w, aura.team_feedback_counts(w.start_time, w.end_time) c
  WHERE c.feedback_count > 0
)
SELECT w.target_task_count, w.target_feedback_count, w.target_task_count_tier2,
       w.target_feedback_count_tier2,
       coalesce(t.member_id, f.member_id) AS member_id,
       coalesce(t.member_name, f.member_name) AS member_name,
       coalesce(t.completed_tasks, 0) AS completed_tasks,
       coalesce(t.actual_minutes, 0) AS actual_minutes,
       coalesce(t.estimated_minutes, 0) AS estimated_minutes,
       coalesce(f.feedback_count, 0) AS feedback_count
FROM w LEFT JOIN (t FULL JOIN f ON f.member_id = t.member_id) ON true
ORDER BY 6, 5
"""


def _meets(count: int, target: int) -> bool:
    return target == 0 or count >= target


def _qualifies(tasks: int, feedback: int, task_target: int, feedback_target: int) -> bool:
    """Both targets met; a target of 0 disables its metric (seed 004)."""
    if task_target == 0 and feedback_target == 0:
        return False  # a tier with no targets is not offered
    return _meets(tasks, task_target) and _meets(feedback, feedback_target)


@strawberry.type
class TeamsQuery:
    bonus_window = by_id_field(
        "bonus_windows",
        node=BonusWindow,
        description="A bonus window by ID (managers and administrators; null for others).",
    )
    bonus_windows = connection_field(
        "bonus_windows",
        node=BonusWindow,
        filter=BonusWindowFilter,
        order=BonusWindowOrderBy,
        description="Bonus windows, by start time (managers and administrators; empty for others).",
    )
    team_time_entries = connection_field(
        "team_time_entries",
        node=TeamTimeEntry,
        filter=TeamTimeEntryFilter,
        order=TeamTimeEntryOrderBy,
        description="Time tracking of your team's projects' tasks (managers: the users "
        "they manage; administrators: everyone; empty for others).",
    )

    @strawberry.field(
        description="Each team member's completed tasks, minutes and FEEDBACK records "
        "created inside a bonus window, and whether they reach its tiers (managers: their "
        "team; administrators: everyone). "
        "NOT_FOUND when the window does not exist or you cannot see it."
    )
    async def team_bonus_progress(
        self,
        info: Info,
        window_id: Annotated[
            strawberry.ID, strawberry.argument(description="The bonus window's ID.")
        ],
    ) -> list[BonusProgress]:
        rows = await info.context.session.fetch(_PROGRESS, check_id(window_id, "windowId"))
        if not rows:
            raise errors.NotFound(f"no bonus window with id {window_id}")
        return [
            BonusProgress(
                member_id=r["member_id"],
                member_name=r["member_name"],
                completed_tasks=r["completed_tasks"],
                actual_minutes=r["actual_minutes"],
                estimated_minutes=r["estimated_minutes"],
                feedback_count=r["feedback_count"],
                qualifies_tier1=_qualifies(
                    r["completed_tasks"],
                    r["feedback_count"],
                    r["target_task_count"],
                    r["target_feedback_count"],
                ),
                qualifies_tier2=_qualifies(
                    r["completed_tasks"],
                    r["feedback_count"],
                    r["target_task_count_tier2"],
                    r["target_feedback_count_tier2"],
                ),
            )
            for r in rows
            if r["member_id"] is not None
        ]


@strawberry.type
class TeamsMutation:
    create_bonus_window = crud.create_field(
        "bonus_windows",
        input=CreateBonusWindowInput,
        node=BonusWindow,
        description="Create a bonus window (administrators only: FORBIDDEN otherwise).",
    )
    update_bonus_window = crud.update_field(
        "bonus_windows",
        input=UpdateBonusWindowInput,
        node=BonusWindow,
        description="Change a bonus window (administrators only: NOT_FOUND otherwise).",
    )
    delete_bonus_window = crud.delete_field(
        "bonus_windows",
        description="Delete a bonus window (administrators only). Returns its ID.",
    )
