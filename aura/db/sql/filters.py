"""Filter inputs as SQL conditions.

A filter is any object whose attributes are field names (python spelling, which is
the column name) holding operator objects, plus ``and_``/``or_``/``not_``. Operator
objects carry ``eq``, ``ne``, ``in_``, … The GraphQL input types in
``aura.schema.filters`` have exactly this shape; nothing here depends on Strawberry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aura import errors
from aura.db.mapping import Entity
from aura.db.sql.params import Params
from aura.db.sql.values import encodable, plain
from aura.inflection import camel

# operator → (SQL template, how the parameter is cast: "scalar", "array", "text", "jsonb")
_OPERATORS: dict[str, tuple[str, str]] = {
    "eq": ("{c} = {p}", "scalar"),
    "ne": ("{c} <> {p}", "scalar"),
    "in_": ("{c} = ANY({p})", "array"),
    "not_in": ("NOT ({c} = ANY({p}))", "array"),
    "lt": ("{c} < {p}", "scalar"),
    "lte": ("{c} <= {p}", "scalar"),
    "gt": ("{c} > {p}", "scalar"),
    "gte": ("{c} >= {p}", "scalar"),
    "like": ("{c} LIKE {p}", "text"),
    "ilike": ("{c} ILIKE {p}", "text"),
    "starts_with": ("starts_with({c}, {p})", "text"),
    "contains": ("{c} @> {p}", "scalar"),
    "contained_by": ("{c} <@ {p}", "scalar"),
    "overlaps": ("{c} && {p}", "scalar"),
    "has_key": ("{c} ? {p}", "text"),
}

_LOGICAL = {"and_", "or_", "not_"}
MAX_DEPTH = 8


def _fields(obj: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(obj).items() if v is not None and not _is_unset(v)}


def _is_unset(value: Any) -> bool:
    return type(value).__name__ == "UnsetType"


def _cast(kind: str, sql_type: str) -> str:
    if kind == "array":
        return sql_type + "[]"
    if kind == "text":
        return "text"
    return sql_type


def _column_condition(entity: Entity, alias: str, column: str, ops: Any, params: Params) -> str:
    sql_type = entity.sql_types[column]
    ref = f"{alias}.{column}"
    parts: list[str] = []
    for op, value in _fields(ops).items():
        if op == "is_null":
            parts.append(f"{ref} IS NULL" if value else f"{ref} IS NOT NULL")
            continue
        template, kind = _OPERATORS[op]
        name = f"{camel(column)}.{camel(op.rstrip('_'))}"
        if kind == "array" and not isinstance(value, list | tuple):
            raise errors.BadUserInput(f"{name} expects a list")
        # Checked here, where root and nested filters are both compiled: a value the
        # statement cache's key (or PostgreSQL) cannot encode is the client's error.
        value = encodable(plain(value, sql_type, camel(column)), name)
        placeholder = params.add(value, _cast(kind, sql_type))
        parts.append(template.format(c=ref, p=placeholder))
    return " AND ".join(parts)


def where(entity: Entity, alias: str, filter_: Any, params: Params, depth: int = 0) -> str:
    """SQL condition for ``filter_`` on ``entity`` aliased as ``alias`` ('' for none)."""
    if filter_ is None:
        return ""
    if depth > MAX_DEPTH:
        raise errors.BadUserInput(f"filters nest at most {MAX_DEPTH} levels deep")
    parts: list[str] = []
    for name, value in _fields(filter_).items():
        if name in _LOGICAL:
            part = _logical(name, value, lambda f: where(entity, alias, f, params, depth + 1))
        else:
            part = _column_condition(entity, alias, entity.column(name), value, params)
        if part:
            parts.append(f"({part})")
    return " AND ".join(parts)


def _logical(name: str, value: Any, build: Callable[[Any], str]) -> str:
    if name == "not_":
        inner = build(value)
        return f"NOT ({inner})" if inner else ""
    branches = [b for b in (build(f) for f in value) if b]
    if not branches:
        # An empty and-list matches everything, an empty or-list nothing.
        return "" if name == "and_" else "FALSE"
    joiner = " AND " if name == "and_" else " OR "
    return joiner.join(f"({b})" for b in branches)
