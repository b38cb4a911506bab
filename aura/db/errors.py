"""Database errors as API errors: nothing of SQL reaches a client.

Triggers and functions raise custom SQLSTATEs (``AU400`` …) whose messages are already
written for API users. Constraint violations are described from the constraint's name,
which follows the naming convention of ``aura.db.tables.base.metadata``.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from aura import errors
from aura.db.tables import metadata
from aura.inflection import camel, human

log = logging.getLogger(__name__)

_CUSTOM: dict[str, type[errors.ApiError]] = {
    "AU400": errors.BadUserInput,
    "AU401": errors.Unauthenticated,
    "AU403": errors.Forbidden,
    "AU404": errors.NotFound,
    "AU409": errors.Conflict,
}

_RULES = {
    "not_blank": "must not be blank",
    "positive": "must not be negative",
    "valid": "has a value that is not allowed",
    "format": "is not well formed",
}


def _columns(constraint: str, table: str, prefix: str) -> str:
    return constraint.removeprefix(f"{prefix}_{table}_")


def _describe_check(exc: asyncpg.CheckViolationError) -> str:
    table = exc.table_name or ""
    rule = _columns(exc.constraint_name or "", table, "ck")
    for suffix, text in _RULES.items():
        if rule.endswith(suffix):
            field = rule.removesuffix(suffix).rstrip("_") or rule
            return f"{camel(field)} {text}"
    return f"the {human(table)} is not valid ({camel(rule)})"


def _constraint_columns(name: str) -> list[str]:
    """Column names of a named constraint or index, read from the table metadata."""
    for table in metadata.tables.values():
        items: list[Any] = [*table.constraints, *table.indexes]
        for item in items:
            if item.name == name:
                return [c.name for c in item.columns] or list(item.info.get("columns", ()))
    return []


def _describe_unique(exc: asyncpg.UniqueViolationError) -> str:
    table = exc.table_name or ""
    columns = _constraint_columns(exc.constraint_name or "")
    if (exc.constraint_name or "").startswith("pk_") or not columns:
        return f"this {human(table)} already exists"
    scoped = "project_id" in columns
    named = [c for c in columns if c not in {"project_id", "owner_id"}]
    scope = " in this project" if scoped else ""
    return f"a {human(table)} with this {', '.join(camel(c) for c in named)} already exists{scope}"


# The server or the connection is gone, or the server takes no connections now: not
# the request's fault, and retrying later may well succeed.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # 08xxx, with "connection was closed" (08003)
    asyncpg.AdminShutdownError,  # pg_terminate_backend, a fast shutdown
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,  # starting up, shutting down, in recovery
    asyncpg.TooManyConnectionsError,
    OSError,  # refused, reset, unreachable
)

LOST = "the database connection was lost; the request changed nothing: retry it"


def unavailable(exc: BaseException) -> bool:
    """Does this exception mean the database cannot be reached (not a bad request)?"""
    return isinstance(exc, _UNAVAILABLE)


def translate(exc: BaseException) -> errors.ApiError | None:
    """The API error for a database exception, or None if it is a server fault."""
    if unavailable(exc):
        return errors.DatabaseUnavailable(LOST)
    if isinstance(exc, asyncpg.PostgresError):
        sqlstate = getattr(exc, "sqlstate", None) or ""
        if sqlstate in _CUSTOM:
            return _CUSTOM[sqlstate](str(getattr(exc, "message", exc)))
    if isinstance(exc, asyncpg.UniqueViolationError):
        return errors.Conflict(_describe_unique(exc))
    if isinstance(exc, asyncpg.ExclusionViolationError):
        # e.g. two active port ranges sharing ports, committed concurrently
        return errors.Conflict(f"this {human(exc.table_name or '')} overlaps an existing one")
    if isinstance(exc, asyncpg.RestrictViolationError):
        # ON DELETE RESTRICT: the table named is the one whose rows still refer to it
        return errors.Conflict(
            f"this cannot be deleted while {human(exc.table_name or 'other')} rows refer to it"
        )
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        table = exc.table_name or ""
        column = _columns(exc.constraint_name or "", table, "fk")
        if exc.detail and "is still referenced" in exc.detail:
            return errors.Conflict(f"this {human(table)} is still referenced by other rows")
        return errors.BadUserInput(f"{camel(column)}: no such {human(column.removesuffix('_id'))}")
    if isinstance(exc, asyncpg.CheckViolationError):
        return errors.BadUserInput(_describe_check(exc))
    if isinstance(exc, asyncpg.NotNullViolationError):
        return errors.BadUserInput(f"{camel(exc.column_name or 'value')} is required")
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return errors.Forbidden("you are not allowed to make this change")
    if isinstance(exc, asyncpg.DataError):
        # Out-of-range numbers, malformed values the GraphQL types could not catch.
        return errors.BadUserInput(f"invalid value: {getattr(exc, 'message', exc)}")
    if isinstance(exc, asyncpg.QueryCanceledError):
        return errors.QueryTimeout(
            "a statement of this request ran past the time limit and was cancelled; "
            "the request changed nothing"
        )
    if isinstance(exc, asyncpg.SerializationError | asyncpg.DeadlockDetectedError):
        return errors.Conflict("a concurrent change got in the way; retry the request")
    return None
