"""Upserts on a natural key and filtered bulk changes, for the domains' mutations.

``upsertX(input, onConflict)`` inserts a row or, when one with the same natural key
exists (a task's project and key, …), updates it with the given fields (``UPDATE``) or
returns it untouched (``KEEP``); PostgreSQL's ``ON CONFLICT`` makes two concurrent
upserts of one key one row. ``updateXs(filter, set)`` and ``deleteXs(filter)`` change
every row the filter matches that the caller may change (row-level security), at most
the server's maximum page size of them: more is ``BAD_USER_INPUT`` and changes nothing.
The rows are locked when counted, and every change runs in the request's transaction,
so a bulk change applies to all its rows or none. Each changed row appends its events
(the tables' row triggers), exactly as a single ``updateX`` or ``deleteX`` does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from aura import errors
from aura.db.mapping import Entity, entity
from aura.db.sql import bulk
from aura.engine.crud import UPDATE_INPUT, as_object, values_from
from aura.inflection import camel, human


@strawberry.enum(description="What an upsert does when a row with the same natural key exists.")
class ConflictAction(Enum):
    UPDATE = strawberry.enum_value(
        "update",
        description="Change the existing row: the given fields overwrite, omitted ones stay.",
    )
    KEEP = strawberry.enum_value(
        "keep", description="Leave the existing row as it is and return it."
    )


FILTER_ARGUMENT = strawberry.argument(
    description=(
        "The rows to change: every row matching it that you may change, at most the "
        "server's maximum page size (100 by default); more is refused and changes nothing."
    )
)
UPSERT_INPUT = strawberry.argument(
    description="The row's fields, its natural key included; omitted fields take their defaults."
)
ON_CONFLICT = strawberry.argument(
    description="When a row with the same natural key exists: UPDATE it (default) or KEEP it."
)


def _key_values(target: Entity, values: dict[str, Any], required: tuple[str, ...]) -> None:
    missing = [camel(c) for c in required if values.get(c) is None]
    if missing:
        raise errors.BadUserInput(
            f"an upsert of a {human(target.name)} needs its natural key: "
            f"{', '.join(missing)} must be given"
        )


def input_values(info: Info, entity_name: str, data: Any) -> dict[str, Any]:
    """The columns an upsert's input gives: its fields, each a column of the entity."""
    target = entity(entity_name)
    unsupported = [
        camel(n)
        for n, v in vars(data).items()
        if v is not strawberry.UNSET and n not in target.columns
    ]
    if unsupported:
        raise errors.BadUserInput(f"an upsert cannot set {', '.join(unsupported)}")
    return values_from(target, data)


async def upsert(
    info: Info,
    entity_name: str,
    values: dict[str, Any],
    key: tuple[str, ...],
    action: ConflictAction,
    extra: dict[str, Any] | None = None,
    required: tuple[str, ...] | None = None,
    derive: dict[str, tuple[str, ...]] | None = None,
) -> Any:
    """Insert ``values`` (and ``extra``, columns set on insert only), or on a conflict on
    ``key`` change the existing row's columns of ``values`` (UPDATE) or leave it (KEEP)."""
    target = entity(entity_name)
    _key_values(target, values, key if required is None else required)
    changes = None if action is ConflictAction.KEEP else tuple(c for c in values if c not in key)
    session = info.context.session
    sql, params = bulk.upsert(target, {**values, **(extra or {})}, key, changes)
    row = await session.fetchrow(sql, *params)
    if row is None:
        # KEEP, and the row exists: it is returned as it is.
        sql, params = bulk.by_natural_key(target, {**(extra or {}), **values}, key, derive)
        row = await session.fetchrow(sql, *params)
    if row is None:
        raise errors.NotFound(f"the {human(entity_name)} with this key is not yours")
    return as_object(entity_name, row)


async def _locked(info: Info, target: Entity, filter_: Any) -> list[Any]:
    limit = info.context.settings.max_page_size
    sql, params = bulk.matching(target, filter_, limit + 1)
    keys = [r[0] for r in await info.context.session.fetch(sql, *params)]
    if len(keys) > limit:
        raise errors.BadUserInput(
            f"the filter matches more than {limit} {human(target.name)}s; "
            "narrow it (nothing was changed)"
        )
    return keys


async def update_many(info: Info, entity_name: str, filter_: Any, data: Any) -> list[Any]:
    target = entity(entity_name)
    values = values_from(target, data)
    if not values:
        raise errors.BadUserInput("set must change at least one field")
    keys = await _locked(info, target, filter_)
    if not keys:
        return []
    sql, params = bulk.update_many(target, keys, values)
    rows = {r[target.primary_key]: r for r in await info.context.session.fetch(sql, *params)}
    return [as_object(entity_name, rows[k]) for k in keys if k in rows]


async def delete_many(info: Info, entity_name: str, filter_: Any) -> list[strawberry.ID]:
    target = entity(entity_name)
    keys = await _locked(info, target, filter_)
    if not keys:
        return []
    sql, params = bulk.delete_many(target, keys)
    deleted = {r[0] for r in await info.context.session.fetch(sql, *params)}
    return [strawberry.ID(str(k)) for k in keys if k in deleted]


# -- mutation fields ---------------------------------------------------------------------


def upsert_field(
    entity_name: str,
    *,
    input: type,
    node: type,
    key: tuple[str, ...],
    description: str,
    extra: Callable[[Info], dict[str, Any]] | None = None,
    required: tuple[str, ...] | None = None,
    derive: dict[str, tuple[str, ...]] | None = None,
    prepare: Callable[[Info, Any], Awaitable[dict[str, Any]]] | None = None,
) -> Any:
    """``upsertX(input: CreateXInput!, onConflict: ConflictAction = UPDATE): X!`` on the
    natural key ``key`` (the columns of a unique constraint). ``extra`` gives columns the
    server sets on insert (the creator); ``required`` the key columns the input must give
    (all of them unless the server derives one: a trigger from a referenced row, named in
    ``derive`` as a plan's project from its task, or the column's default, as a
    workflow's owner). ``prepare`` turns the input into column values where a domain
    checks, authorizes or seals them (a system setting); by default each field is its
    column."""

    async def resolve(
        root: Any, info: Info, input: Any, on_conflict: ConflictAction = ConflictAction.UPDATE
    ) -> Any:
        if prepare is None:
            values = input_values(info, entity_name, input)
        else:
            values = await prepare(info, input)
        return await upsert(
            info,
            entity_name,
            values,
            key,
            on_conflict,
            extra(info) if extra else None,
            required,
            derive,
        )

    resolve.__annotations__ = {
        "info": Info,
        "input": Annotated[input, UPSERT_INPUT],
        "on_conflict": Annotated[ConflictAction, ON_CONFLICT],
        "return": node,
    }
    return strawberry.mutation(resolver=resolve, description=description)


def update_many_field(
    entity_name: str, *, filter: type, input: type, node: type, description: str
) -> Any:
    """``updateXs(filter: XFilter!, set: UpdateXInput!): [X!]!``, the changed rows."""

    async def resolve(root: Any, info: Info, filter: Any, set: Any) -> list[Any]:
        return await update_many(info, entity_name, filter, set)

    resolve.__annotations__ = {
        "info": Info,
        "filter": Annotated[filter, FILTER_ARGUMENT],
        "set": Annotated[input, UPDATE_INPUT],
        "return": list[node],  # type: ignore[valid-type]
    }
    return strawberry.mutation(resolver=resolve, description=description)


def delete_many_field(entity_name: str, *, filter: type, description: str) -> Any:
    """``deleteXs(filter: XFilter!): [ID!]!``, the deleted rows' IDs."""

    async def resolve(root: Any, info: Info, filter: Any) -> list[strawberry.ID]:
        return await delete_many(info, entity_name, filter)

    resolve.__annotations__ = {
        "info": Info,
        "filter": Annotated[filter, FILTER_ARGUMENT],
        "return": list[strawberry.ID],
    }
    return strawberry.mutation(resolver=resolve, description=description)
