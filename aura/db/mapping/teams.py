"""Teams domain mapping: bonus windows and the team time-tracking view."""

from aura.db.mapping import Entity, one, register
from aura.db.tables import teams

register(
    Entity(
        "bonus_windows",
        teams.bonus_windows,
        relations={"creator": one("creator", "users", local="created_by")},
        default_order=("start_time", "id"),
        read_only=frozenset({"id", "created_at", "updated_at", "created_by"}),
    ),
    Entity(
        "team_time_entries",
        teams.team_time_entries,
        default_order=("updated_at", "id"),
        read_only=frozenset(c.name for c in teams.team_time_entries.columns),
    ),
)
