"""Upserts on a natural key, and changes of every row a filter matches."""

from __future__ import annotations

from typing import Any

from aura.db.mapping import Entity
from aura.db.sql import filters
from aura.db.sql.params import Params
from aura.db.sql.select import ALIAS


def upsert(
    entity: Entity, values: dict[str, Any], key: tuple[str, ...], changes: tuple[str, ...] | None
) -> tuple[str, list[Any]]:
    """INSERT … ON CONFLICT on ``key``: set the columns ``changes`` of the existing row
    (None: leave it as it is, and return nothing for it)."""
    params = Params()
    table = entity.table.name
    columns = ", ".join(values)
    placeholders = ", ".join(params.add(v, entity.sql_types[c]) for c, v in values.items())
    target = ", ".join(key)
    if changes is None:
        action = "DO NOTHING"
    else:
        # An update of no column still takes the row's lock and returns it.
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in changes or key[:1])
        action = f"DO UPDATE SET {assignments}"
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT ({target}) {action} RETURNING *"
    )
    return sql, params.values


def by_natural_key(
    entity: Entity,
    values: dict[str, Any],
    key: tuple[str, ...],
    derive: dict[str, tuple[str, ...]] | None = None,
) -> tuple[str, list]:
    """The row whose natural key an insert of ``values`` takes. A key column not in
    ``values`` is what the insert stores: derived by a trigger from the row a reference
    points to (``derive``: the references to try, first given wins), else its server
    default, else null."""
    params = Params()
    conditions = []
    for c in key:
        if c in values:
            if values[c] is None:
                conditions.append(f"{c} IS NULL")
                continue
            conditions.append(f"{c} = {params.add(values[c], entity.sql_types[c])}")
            continue
        sources = [
            f"(SELECT {c} FROM {_referenced(entity, s)} WHERE id = "
            f"{params.add(values[s], entity.sql_types[s])})"
            for s in (derive or {}).get(c, ())
            if values.get(s) is not None
        ]
        default = entity.columns[c].server_default
        if default is not None:
            # As the insert stores it: cast to the column's type (a text column may
            # default to a function returning a uuid).
            text = getattr(default.arg, "text", default.arg)  # type: ignore[attr-defined]
            sources.append(f"({text})::{entity.sql_types[c]}")
        if sources:
            conditions.append(f"{c} = coalesce({', '.join(sources)})")
        else:
            conditions.append(f"{c} IS NULL")
    where = " AND ".join(conditions)
    return f"SELECT * FROM {entity.table.name} WHERE {where}", params.values


def _referenced(entity: Entity, column: str) -> str:
    (foreign_key,) = entity.columns[column].foreign_keys
    return str(foreign_key.column.table.name)


def matching(entity: Entity, filter_: Any, limit: int) -> tuple[str, list[Any]]:
    """The primary keys of up to ``limit`` rows matching ``filter_``, locked for the change
    that follows (so they are the rows it changes, whatever commits meanwhile)."""
    params = Params()
    condition = filters.where(entity, ALIAS, filter_, params)
    pk = entity.primary_key
    sql = (
        f"SELECT {ALIAS}.{pk} FROM {entity.table.name} {ALIAS}"
        f"{f' WHERE {condition}' if condition else ''} ORDER BY {ALIAS}.{pk} "
        f"LIMIT {int(limit)} FOR UPDATE"
    )
    return sql, params.values


def update_many(entity: Entity, keys: list[Any], values: dict[str, Any]) -> tuple[str, list[Any]]:
    params = Params(keys)
    pk = entity.primary_key
    assignments = ", ".join(
        f"{c} = {params.add(v, entity.sql_types[c])}" for c, v in values.items()
    )
    return (
        f"UPDATE {entity.table.name} SET {assignments} "
        f"WHERE {pk} = ANY($1::{entity.sql_types[pk]}[]) RETURNING *",
        params.values,
    )


def delete_many(entity: Entity, keys: list[Any]) -> tuple[str, list[Any]]:
    pk = entity.primary_key
    return (
        f"DELETE FROM {entity.table.name} WHERE {pk} = ANY($1::{entity.sql_types[pk]}[]) "
        f"RETURNING {pk}",
        [keys],
    )
