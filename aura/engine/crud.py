"""Generic create / update / delete over mapped tables, for the domains' mutations.

Each mutation runs inside the request's transaction, which commits only if the whole
response is free of errors: a request with several mutations applies all or none.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.db.mapping import Entity, entity
from aura.db.sql import crud
from aura.db.sql.values import check_id, plain
from aura.engine.relay import ID_ARGUMENT, TYPES, instantiate
from aura.inflection import camel, human


def values_from(target: Entity, data: Any, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Column values from an input object; UNSET fields are left out."""
    values: dict[str, Any] = {}
    for name, value in vars(data).items():
        if value is strawberry.UNSET or name in skip:
            continue
        if name not in target.columns:
            raise TypeError(f"{type(data).__name__}.{name} is not a column of {target.name}")
        if name in target.read_only:
            # The server derives these (timestamps, owners, locks): an input exposing one
            # is a schema bug, caught by tests/test_schema.py before it ships.
            raise TypeError(f"{type(data).__name__}.{name} is read-only in {target.name}")
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
    return as_object(entity_name, await insert(info, entity_name, values))


async def update_object(info: Info, entity_name: str, id_: str, data: Any) -> Any:
    values = values_from(entity(entity_name), data)
    return as_object(entity_name, await update(info, entity_name, id_, values))


async def delete_object(info: Info, entity_name: str, id_: str) -> str:
    return await delete(info, entity_name, id_)


# -- mutation fields ---------------------------------------------------------------------
#
# Most entities' create/update/delete mutations are the generic operation with the
# entity's own input and type; these factories declare such a field in one line while
# its arguments, return type and description stay explicit in the domain module.

# The ``input`` argument of create and update mutations (the generic ones and others).
CREATE_INPUT = strawberry.argument(
    description="The new item's fields; omitted optional fields take their defaults."
)
UPDATE_INPUT = strawberry.argument(
    description="The fields to change; omitted fields stay as they are, null empties a field."
)


def create_field(entity_name: str, *, input: type, node: type, description: str) -> Any:
    """``createX(input: CreateXInput!): X!``"""

    async def resolve(root: Any, info: Info, input: Any) -> Any:
        return await create_object(info, entity_name, input)

    resolve.__annotations__ = {
        "info": Info,
        "input": Annotated[input, CREATE_INPUT],
        "return": node,
    }
    return strawberry.mutation(resolver=resolve, description=description)


def update_field(entity_name: str, *, input: type, node: type, description: str) -> Any:
    """``updateX(id: ID!, input: UpdateXInput!): X!``"""

    async def resolve(root: Any, info: Info, id: strawberry.ID, input: Any) -> Any:
        return await update_object(info, entity_name, id, input)

    resolve.__annotations__ = {
        "info": Info,
        "id": ID_ARGUMENT,
        "input": Annotated[input, UPDATE_INPUT],
        "return": node,
    }
    return strawberry.mutation(resolver=resolve, description=description)


def delete_field(entity_name: str, *, description: str) -> Any:
    """``deleteX(id: ID!): ID!`` returning the deleted row's ID."""

    async def resolve(root: Any, info: Info, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await delete_object(info, entity_name, id))

    resolve.__annotations__ = {"info": Info, "id": ID_ARGUMENT, "return": strawberry.ID}
    return strawberry.mutation(resolver=resolve, description=description)
