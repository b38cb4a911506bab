"""INSERT, UPDATE and DELETE of one row by primary key, over any mapped table."""

from __future__ import annotations

from typing import Any

from aura.db.mapping import Entity
from aura.db.sql.params import Params


def insert(entity: Entity, values: dict[str, Any]) -> tuple[str, list[Any]]:
    params = Params()
    table = entity.table.name
    if not values:
        return f"INSERT INTO {table} DEFAULT VALUES RETURNING *", []
    columns = ", ".join(values)
    placeholders = ", ".join(params.add(v, entity.sql_types[c]) for c, v in values.items())
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) RETURNING *", params.values


def update(entity: Entity, key: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    params = Params(key)
    pk = entity.primary_key
    assignments = ", ".join(
        f"{c} = {params.add(v, entity.sql_types[c])}" for c, v in values.items()
    )
    return (
        f"UPDATE {entity.table.name} SET {assignments} "
        f"WHERE {pk} = $1::{entity.sql_types[pk]} RETURNING *",
        params.values,
    )


def delete(entity: Entity, key: str) -> tuple[str, list[Any]]:
    pk = entity.primary_key
    return (
        f"DELETE FROM {entity.table.name} WHERE {pk} = $1::{entity.sql_types[pk]} RETURNING {pk}",
        [key],
    )


def select_one(entity: Entity, key: str) -> tuple[str, list[Any]]:
    pk = entity.primary_key
    return (f"SELECT * FROM {entity.table.name} WHERE {pk} = $1::{entity.sql_types[pk]}", [key])
