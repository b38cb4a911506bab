"""Accounts domain mapping."""

from aura.db.mapping import Entity, many, one, register
from aura.db.tables import accounts

register(
    Entity(
        "users",
        accounts.users,
        relations={
            r.name: r
            for r in [
                one("manager", "users", local="manager_id"),
                many("access_tokens", "oauth_tokens", remote="user_id"),
            ]
        },
        # Administrators change these through their own mutations (approveUser, …).
        read_only=frozenset({"id", "created_at", "updated_at", "manager_id", "disabled_at"}),
    ),
    Entity(
        "oauth_tokens",
        accounts.oauth_tokens,
        relations={
            r.name: r
            for r in [
                one("user", "users", local="user_id"),
                one("parent", "oauth_tokens", local="parent_id"),
            ]
        },
        # Issued, refreshed and revoked by their own mutations only.
        read_only=frozenset(c.name for c in accounts.oauth_tokens.columns),
    ),
)
