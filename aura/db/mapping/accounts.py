"""Accounts domain mapping."""

from aura.db.mapping import Entity, many, register
from aura.db.tables import accounts

register(
    Entity(
        "users",
        accounts.users,
        relations={r.name: r for r in [many("projects", "projects", remote="owner_id")]},
    ),
)
