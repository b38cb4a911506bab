"""Descriptions that follow from other descriptions, filled in once the schema is built.

Every entity's filter, order-field enum and create/update inputs repeat the entity's
own fields. Writing their descriptions by hand would copy each field's text three or
four times and let the copies drift; instead they are derived here from the entity
type's field descriptions and the table (defaults, default order). A description
written in the code always wins: only missing ones are filled.
``tests/test_schema.py`` fails on anything left without a description.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_non_null_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

from aura.db.enums import MEANINGS
from aura.db.mapping import Entity, entity
from aura.engine.relay import TYPES
from aura.inflection import camel

ROOT_DESCRIPTIONS = {
    "Query": (
        "Read operations. Everything is scoped to what the caller may see: a missing "
        "or foreign item reads as null (or is left out of a list), never as an error."
    ),
    "Mutation": (
        "Write operations. All mutations of one request run in one transaction: it is "
        "committed only when the whole response has no errors, so a request applies all "
        "of its mutations or none."
    ),
    "Subscription": (
        "Realtime streams over the `/graphql` websocket (`graphql-transport-ws` or the "
        "legacy `graphql-ws` protocol). Messages come in commit order, each with a "
        "`cursor`: subscribe again with `after` set to the last one to resume without gap "
        "or duplicate. Only rows the caller may see are sent."
    ),
}

LOGICAL_DESCRIPTIONS = {
    "and": "Every one of these filters matches (an empty list matches everything).",
    "or": "At least one of these filters matches (an empty list matches nothing).",
    "not": "This filter does not match. Filters nest at most 8 levels deep.",
}

_SEE_FIELD = re.compile(r" \(see `\w+`\)")
_QUOTED = re.compile(r"^'(.*)'(?:::(\w+)(\[\])?)?$")
_DEFAULTS = {
    "now()": "the current time",
    "clock_timestamp()": "the current time",
    "aura.current_user_id()": "the caller's user ID",
}


def _entities() -> dict[str, Entity]:
    """GraphQL type name → the entity its rows come from."""
    return {cls.__name__: entity(name) for name, cls in TYPES.items()}


def _default_text(server_default: Any) -> str | None:
    """A column's server default as a client would write it, e.g. ``MEDIUM`` or ``{}``."""
    text = str(getattr(server_default, "arg", ""))
    if text in _DEFAULTS:
        return _DEFAULTS[text]
    match = _QUOTED.match(text)
    if match is None:
        return f"`{text}`" if text else None
    literal, cast, array = match.groups()
    if array:
        return "`[]`" if literal == "{}" else None
    if cast == "jsonb" or literal.isupper():
        return f"`{literal}`"
    return f'`"{literal}"`'


def _with_default(description: str, target: Entity, field_name: str) -> str:
    columns = target.field_columns.get(field_name, ())
    column = target.columns.get(columns[0]) if len(columns) == 1 else None
    default = None if column is None else _default_text(column.server_default)
    if default is None:
        return description
    return f"{description.rstrip('.')}. Default: {default}."


def _fill_filter(graphql_type: GraphQLInputObjectType, node: GraphQLObjectType) -> None:
    for name, field in graphql_type.fields.items():
        if field.description:
            continue
        if name in LOGICAL_DESCRIPTIONS:
            field.description = LOGICAL_DESCRIPTIONS[name]
        elif name in node.fields:
            field.description = f"Conditions on `{node.name}.{name}`."


def _fill_input(
    graphql_type: GraphQLInputObjectType, node: GraphQLObjectType, target: Entity | None
) -> None:
    creating = graphql_type.name.startswith("Create")
    for name, field in graphql_type.fields.items():
        source = node.fields.get(name)
        if field.description or source is None or not source.description:
            continue
        # "(see `project`)" points at the object's field, which an input does not have.
        description = _SEE_FIELD.sub("", source.description)
        if creating and target is not None and not is_non_null_type(field.type):
            description = _with_default(description, target, name)
        field.description = description


def _fill_order_fields(graphql_type: GraphQLEnumType, node: GraphQLObjectType) -> None:
    for name, value in graphql_type.values.items():
        field_name = camel(name.lower())
        if not value.description and field_name in node.fields:
            value.description = f"Order by `{node.name}.{field_name}`."


def _fill_default_order(schema: GraphQLSchema, entities: dict[str, Entity]) -> None:
    """Say, on every connection's ``orderBy``, what order an omitted one means."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field in graphql_type.fields.values():
            connection = get_named_type(field.type)
            order_by = field.args.get("orderBy")
            if order_by is None or not connection.name.endswith("Connection"):
                continue
            target = entities.get(connection.name.removesuffix("Connection"))
            if target is None or "Default:" in (order_by.description or ""):
                continue
            keys = ", ".join(f"`{camel(c)}`" for c in target.default_order)
            order_by.description = f"{order_by.description} Default: by {keys}, ascending."


def _fill_meanings(graphql_type: GraphQLEnumType) -> None:
    """Values of the database's vocabularies (``aura.db.enums``) say what they mean."""
    definition = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    python_enum = getattr(definition, "wrapped_cls", None)
    if python_enum is None:
        return
    for name, value in graphql_type.values.items():
        member = python_enum.__members__.get(name)
        if not value.description and member in MEANINGS:
            value.description = MEANINGS[member]


# Generic types (``Connection[Task]`` is ``TaskConnection``): name the type argument in
# the generic description.
_SPECIALIZED = {
    "Connection": ("A page of items.", "A page of `{}` items."),
    "Edge": ("An item with its cursor.", "A `{}` with its cursor."),
    "EnumFilter": ("Conditions on an enumerated value.", "Conditions on a `{}` value."),
}


def _name_type_argument(schema: GraphQLSchema, graphql_type: Any) -> None:
    for suffix, (generic, specific) in _SPECIALIZED.items():
        argument = graphql_type.name.removesuffix(suffix)
        description = graphql_type.description or ""
        if argument != graphql_type.name and argument in schema.type_map and generic in description:
            graphql_type.description = description.replace(generic, specific.format(argument))


def _node(schema: GraphQLSchema, name: str) -> GraphQLObjectType | None:
    node = schema.type_map.get(name)
    return node if isinstance(node, GraphQLObjectType) else None


def derive_descriptions(schema: GraphQLSchema) -> None:
    """Fill the derivable descriptions of a built graphql-core schema in place."""
    entities = _entities()
    for type_name, description in ROOT_DESCRIPTIONS.items():
        root = schema.type_map.get(type_name)
        if root is not None and not root.description:
            root.description = description
    for graphql_type in list(schema.type_map.values()):
        name = graphql_type.name
        _name_type_argument(schema, graphql_type)
        if isinstance(graphql_type, GraphQLInputObjectType):
            if name.endswith("Filter") and (node := _node(schema, name[: -len("Filter")])):
                _fill_filter(graphql_type, node)
            base = re.sub(r"^(Create|Update)(\w+)Input$", r"\2", name)
            if base != name and (node := _node(schema, base)):
                _fill_input(graphql_type, node, entities.get(base))
        elif isinstance(graphql_type, GraphQLEnumType):
            _fill_meanings(graphql_type)
            node = _node(schema, name.removesuffix("OrderField"))
            if name.endswith("OrderField") and node is not None:
                _fill_order_fields(graphql_type, node)
    _fill_default_order(schema, entities)


# Field descriptions shared by most entity types (used in the domain modules).
