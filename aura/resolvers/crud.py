"""Generic create / update / delete over mapped tables, for the domains' mutations.

Each mutation runs inside the request's transaction. When a request holds several
mutation fields, each runs in its own savepoint, so one failing mutation undoes its
own changes and leaves the others; a lone mutation needs no savepoint because its
failure rolls back the whole request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import strawberry
from graphql import FieldNode
from strawberry.types import Info

from aura import errors
from aura.db.mapping import Entity, entity
from aura.db.sql import crud
from aura.db.sql.values import check_id, plain
from aura.inflection import camel, human
from aura.schema.relay import TYPES, instantiate


@asynccontextmanager
async def mutation_scope(info: Info) -> AsyncIterator[None]:
    selections = info.operation.selection_set.selections
    if len(selections) == 1 and isinstance(selections[0], FieldNode):
        yield
        return
    async with info.context.session.savepoint():
        yield


def values_from(target: Entity, data: Any, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Column values from an input object; UNSET fields are left out."""
    values: dict[str, Any] = {}
    for name, value in vars(data).items():
        if value is strawberry.UNSET or name in skip:
            continue
        if name not in target.columns:
            raise TypeError(f"{type(data).__name__}.{name} is not a column of {target.name}")
        values[name] = plain(value, target.sql_types[name], camel(name))
    return values


def as_object(entity_name: str, row: Any) -> Any:
    return instantiate(TYPES[entity_name], row)


async def insert(info: Info, entity_name: str, values: dict[str, Any]) -> Any:
    sql, params = crud.insert(entity(entity_name), values)
    return await info.context.session.fetchrow(sql, *params)


async def update(info: Info, entity_name: str, id_: str, values: dict[str, Any]) -> Any:
    target = entity(entity_name)
    key = check_id(id_)
    sql, params = crud.update(target, key, values) if values else crud.select_one(target, key)
    row = await info.context.session.fetchrow(sql, *params)
    if row is None:
        raise errors.NotFound(f"no {human(entity_name)} with id {key}")
    return row


async def delete(info: Info, entity_name: str, id_: str) -> str:
    key = check_id(id_)
    sql, params = crud.delete(entity(entity_name), key)
    deleted = await info.context.session.fetchval(sql, *params)
    if deleted is None:
        raise errors.NotFound(f"no {human(entity_name)} with id {key}")
    return str(deleted)


async def create_object(info: Info, entity_name: str, data: Any, **extra: Any) -> Any:
    values = {**values_from(entity(entity_name), data), **extra}
    async with mutation_scope(info):
        return as_object(entity_name, await insert(info, entity_name, values))


async def update_object(info: Info, entity_name: str, id_: str, data: Any) -> Any:
    values = values_from(entity(entity_name), data)
    async with mutation_scope(info):
        return as_object(entity_name, await update(info, entity_name, id_, values))


async def delete_object(info: Info, entity_name: str, id_: str) -> str:
    async with mutation_scope(info):
        return await delete(info, entity_name, id_)
