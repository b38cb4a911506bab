"""Relay's ``Node`` interface: a global ``nodeId`` on every entity, and its lookup.

Every entity type implements ``Node`` with ``nodeId: ID!``, the base64 (URL-safe,
unpadded) of ``TypeName:primaryKey`` (``Task:0b6f…``), as PostGraphile v4 does with its
``nodeId``. The UUID ``id`` stays what it was, so clients that use it keep working;
relay-compiler is told ``nodeInterfaceIdField: "nodeId"``. ``node(nodeId:)`` and
``nodes(nodeIds:)`` load by primary key under row-level security (a row you may not
see reads as null) and need the read scope of the type's domain, checked when the id
is decoded (the type is not known before).
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from aura import errors
from aura.db.mapping import entity
from aura.db.sql.values import check_id
from aura.engine.scopes import DECLARED
from aura.engine.selection import columns_for, node_fields

T = TypeVar("T")

NODE_ID_FIELD = "nodeId"
NODE_ID_DESCRIPTION = "Global ID of this object: pass it to `node(nodeId:)`."
# Metadata of a type's ``nodeId`` field: (type name, primary-key column), for the query
# compiler (``aura.engine.compiler``), which writes the same text in SQL.
NODE_KEY = "aura.node_key"


@strawberry.interface(
    name="Node",
    description=(
        "An object with a global ID (Relay's Object Identification). `nodeId` is the "
        "base64 of `TypeName:id`; the type's own `id` (a UUID) is unchanged."
    ),
)
class Node:
    node_id: strawberry.ID = strawberry.field(description=NODE_ID_DESCRIPTION)


# GraphQL type name → (entity name, Strawberry type)
_TYPES: dict[str, tuple[str, type]] = {}


def instantiate(cls: type[T], row: Any) -> T:
    """An object of ``cls`` holding a row, without running ``__init__``.

    Only the selected columns are present, which is all the resolvers will read.
    """
    obj = cls.__new__(cls)
    obj.__dict__.update(row.items())
    return obj


def encode(type_name: str, key: Any) -> str:
    raw = f"{type_name}:{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(node_id: str) -> tuple[str, str]:
    """(type name, primary key) of a global id; BAD_USER_INPUT for one that is not."""
    try:
        padded = node_id + "=" * (-len(node_id) % 4)
        type_name, _, key = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
    except (binascii.Error, ValueError) as exc:
        raise errors.BadUserInput(f"nodeId {node_id[:60]!r} is not a global ID") from exc
    if type_name not in _TYPES or not key:
        raise errors.BadUserInput(f"nodeId {node_id[:60]!r} names no type of this API")
    return type_name, key


def implement(cls: type, entity_name: str) -> None:
    """Make the entity type ``cls`` implement ``Node`` (called by ``entity_type``)."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    type_name = definition.name
    primary_key = entity(entity_name).primary_key
    _TYPES[type_name] = (entity_name, cls)

    def node_id(root: Any) -> strawberry.ID:
        return strawberry.ID(encode(type_name, getattr(root, primary_key)))

    field = strawberry.field(
        resolver=node_id,
        description=NODE_ID_DESCRIPTION,
        metadata={NODE_KEY: (type_name, primary_key)},
    )
    assert isinstance(field, StrawberryField)
    field.python_name = "node_id"
    field.origin = cls
    definition.fields.append(field)
    definition.interfaces.append(Node.__strawberry_definition__)
    entity(entity_name).field_columns[NODE_ID_FIELD] = (primary_key,)


def _allowed(info: Info, type_name: str) -> None:
    principal = info.context.principal
    domain = DECLARED.get(_TYPES[type_name][1])
    if principal is not None and not principal.allows(domain, write=False):
        raise errors.Forbidden(
            f"this access token lacks the scope for {domain}:read (a {type_name})",
            missingScopes=[f"{domain}:read"],
        )


async def load(info: Info, node_ids: list[str]) -> list[Any]:
    """The objects of ``node_ids``, in order; None for one that does not exist or is not
    yours. One statement per type."""
    decoded = [decode(n) for n in node_ids]
    for type_name in {t for t, _ in decoded}:
        _allowed(info, type_name)
    fields = node_fields(info, connection=False)
    by_type: dict[str, list[str]] = defaultdict(list)
    for type_name, key in decoded:
        by_type[type_name].append(key)
    found: dict[tuple[str, str], Any] = {}
    for type_name, keys in by_type.items():
        entity_name, cls = _TYPES[type_name]
        target = entity(entity_name)
        pk = target.primary_key
        checked = [check_id(k, NODE_ID_FIELD) for k in keys]
        loader = info.context.loaders.by_key(entity_name, columns_for(target, fields), pk)
        for key, row in zip(checked, await loader.load_many(checked), strict=True):
            if row is not None:
                found[(type_name, key)] = instantiate(cls, row)
    return [found.get((t, check_id(k, NODE_ID_FIELD))) for t, k in decoded]


NODE_ID_ARGUMENT = Annotated[
    strawberry.ID, strawberry.argument(description="A global ID (an object's `nodeId`).")
]
NODE_IDS_ARGUMENT = Annotated[
    list[strawberry.ID],
    strawberry.argument(description="Global IDs (`nodeId`s), at most the maximum page size."),
]


@strawberry.type
class NodeQuery:
    """``node`` and ``nodes`` at the root (``aura.api`` merges them into Query)."""

    @strawberry.field(
        description=(
            "The object with this global ID; null when it does not exist or is not yours. "
            "Needs the read scope of its type's domain."
        )
    )
    async def node(self, info: Info, node_id: NODE_ID_ARGUMENT) -> Node | None:
        return (await load(info, [node_id]))[0]

    @strawberry.field(
        description=(
            "The objects with these global IDs, in the same order; null for each that does "
            "not exist or is not yours."
        )
    )
    async def nodes(self, info: Info, node_ids: NODE_IDS_ARGUMENT) -> list[Node | None]:
        limit = info.context.settings.max_page_size
        if len(node_ids) > limit:
            raise errors.BadUserInput(f"nodes takes at most {limit} nodeIds")
        return await load(info, list(node_ids))
