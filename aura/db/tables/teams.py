"""Teams domain: what a MANAGER oversees (seed 004, "Team manager (+ time tracking)").

A manager's team is the users whose ``users.manager_id`` names them. Managers read the
bonus windows and the time-tracking figures of their team's projects (the
``team_time_entries`` view: tasks' estimated and actual minutes), nothing else of those
projects. Administrators manage bonus windows and see every team.
"""

import sqlalchemy as sa

from aura.db.tables.base import UUID, id_column, metadata, timestamps

CURRENT_USER = sa.text("aura.current_user_id()")
TIMESTAMP = sa.DateTime(timezone=True)


def _target(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=False, server_default=sa.text("0"))


bonus_windows = sa.Table(
    "bonus_windows",
    metadata,
    id_column(),
    sa.Column("name", sa.Text, nullable=False, server_default=sa.text("'Bonus Window'")),
    sa.Column("start_time", TIMESTAMP, nullable=False),
    sa.Column("end_time", TIMESTAMP, nullable=False),
    _target("target_task_count"),
    _target("target_feedback_count"),
    _target("target_task_count_tier2"),
    _target("target_feedback_count_tier2"),
    sa.Column(
        "created_by",
        UUID,
        sa.ForeignKey("users.id", ondelete="SET NULL"),
        server_default=CURRENT_USER,
    ),
    *timestamps(),
    sa.CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    sa.CheckConstraint("end_time > start_time", name="end_time_valid"),
    *(
        sa.CheckConstraint(f"{column} >= 0", name=f"{column}_positive")
        for column in (
            "target_task_count",
            "target_feedback_count",
            "target_task_count_tier2",
            "target_feedback_count_tier2",
        )
    ),
    sa.Index(None, "start_time", "end_time"),
)

# -- views (created by SQL in the migrations) ---------------------------------------------

team_time_entries = sa.Table(
    "team_time_entries",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("project_name", sa.Text),
    sa.Column("member_id", UUID),
    sa.Column("member_name", sa.Text),
    sa.Column("manager_id", UUID),
    sa.Column("task_key", sa.Text),
    sa.Column("task_title", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("estimated_minutes", sa.Integer),
    sa.Column("actual_minutes", sa.Integer),
    sa.Column("completed_at", TIMESTAMP),
    sa.Column("created_at", TIMESTAMP),
    sa.Column("updated_at", TIMESTAMP),
    info={"view": True},
)
