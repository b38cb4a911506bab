"""What the compiler knows about the schema: an allow-list, built once per schema.

Only fields whose meaning the compiler can reproduce in SQL are listed: plain column
fields of entity types (with a scalar it formats exactly), the relay factories'
relationship and connection fields, and the by-ID and connection root fields. A field
that is not listed (a resolver written in Python, a new argument, a type the compiler
has never seen) makes the whole operation fall back to the resolved path, so fields
added later fall back until someone teaches the compiler about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import sqlalchemy as sa
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

from aura.db.mapping import REGISTRY, Entity, Relation
from aura.engine.node import NODE_KEY
from aura.engine.relay import COMPILED_ROOT, FAST_RESOLVER, TYPES, Connection

PAGE_ARGUMENTS = frozenset({"filter", "orderBy", "first", "after", "last", "before"})
# Arguments a connection may also take that the compiler does not compile: a field
# that is given one is resolved (``build``).
UNCOMPILED_ARGUMENTS = frozenset({"search"})
CONNECTION_FIELDS = frozenset({"nodes", "edges", "page_info", "total_count"})
# Fields the per-entity connection types add (``aura.engine.aggregates``): ``aggregate``
# is compiled when its resolver is the generated one (``Paged.aggregates``); a selection
# of ``groupBy`` is resolved (``build``).
AGGREGATE_FIELD = "aggregate"
ADDED_CONNECTION_FIELDS = frozenset({AGGREGATE_FIELD, "group_by"})
_AGGREGATES_MODULE = "aura.engine.aggregates"


@dataclass(frozen=True)
class Leaf:
    """A column read as one scalar (or a list of scalars)."""

    column: str
    scalar: str  # the GraphQL scalar's name, or "enum"
    sql_type: str
    non_null: bool
    is_list: bool = False
    item_non_null: bool = False
    enum: tuple[tuple[str, str], ...] = ()  # (database value, GraphQL name)


@dataclass(frozen=True)
class NodeKey:
    """Relay's ``nodeId``: the base64 of ``TypeName:primaryKey`` (``aura.engine.node``)."""

    type_name: str
    column: str
    sql_type: str


@dataclass(frozen=True)
class Related:
    relation: Relation
    target: Entity
    non_null: bool


@dataclass(frozen=True)
class Paged:
    """A connection field: along ``relation``, or at the root when it is None."""

    target: Entity
    relation: Relation | None
    field: Any  # the Strawberry field, for converting its arguments
    type_name: str  # the connection type's GraphQL name
    aggregates: bool = False  # its ``aggregate`` field is the generated one


@dataclass(frozen=True)
class ById:
    target: Entity
    field: Any


Spec = Leaf | NodeKey | Related | Paged | ById

# Scalars the compiler formats exactly, with the column types each may read.
_SCALAR_COLUMNS: dict[str, frozenset[str]] = {
    "ID": frozenset({"UUID", "TEXT", "INTEGER", "BIGINT"}),
    "String": frozenset({"UUID", "TEXT"}),
    "Int": frozenset({"INTEGER", "SMALLINT", "BIGINT"}),
    "BigInt": frozenset({"INTEGER", "SMALLINT", "BIGINT"}),
    "Boolean": frozenset({"BOOLEAN"}),
    "DateTime": frozenset({"TIMESTAMP WITH TIME ZONE"}),
    # Written by Python after the statement (``formats.deferred``): double precision
    # only (a real's decimal text would not read back as the same float).
    "Float": frozenset({"FLOAT", "DOUBLE PRECISION"}),
    "JSON": frozenset({"JSONB", "JSON"}),
}
_LIST_COLUMNS: dict[str, frozenset[str]] = {
    "ID": frozenset({"UUID[]", "TEXT[]"}),
    "String": frozenset({"UUID[]", "TEXT[]"}),
}
_ENUM_COLUMNS = frozenset({"TEXT"})


def _unwrap(graphql_type: Any) -> tuple[Any, bool]:
    if isinstance(graphql_type, GraphQLNonNull):
        return graphql_type.of_type, True
    return graphql_type, False


def _definition(graphql_type: Any) -> Any:
    return (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)


def _enum_values(enum_type: GraphQLEnumType) -> tuple[tuple[str, str], ...] | None:
    """Database value → GraphQL name, checked against the enum's own serializer."""
    pairs = []
    for name, value in enum_type.values.items():
        raw = value.value.value if isinstance(value.value, Enum) else value.value
        if not isinstance(raw, str):
            return None
        try:
            if enum_type.serialize(raw) != name:
                return None
        except Exception:
            return None
        pairs.append((raw, name))
    return tuple(pairs)


def _leaf(entity: Entity, column: str, graphql_type: Any) -> Leaf | None:
    if column not in entity.columns:
        return None
    sql_type = entity.sql_types[column]
    inner, non_null = _unwrap(graphql_type)
    if isinstance(inner, GraphQLList):
        item, item_non_null = _unwrap(inner.of_type)
        if isinstance(item, GraphQLScalarType) and sql_type in _LIST_COLUMNS.get(item.name, ()):
            return Leaf(column, item.name, sql_type, non_null, True, item_non_null)
        return None
    if isinstance(inner, GraphQLEnumType):
        values = _enum_values(inner)
        if values is None or sql_type not in _ENUM_COLUMNS:
            return None
        return Leaf(column, "enum", sql_type, non_null, enum=values)
    if isinstance(inner, GraphQLScalarType) and sql_type in _SCALAR_COLUMNS.get(inner.name, ()):
        return Leaf(column, inner.name, sql_type, non_null)
    return None


def _unique(target: Entity, column: str) -> bool:
    """Does ``column`` identify at most one row (as the loaders assume of a relation)?"""
    if column == target.primary_key:
        return True
    table_column = target.columns.get(column)
    if table_column is not None and table_column.unique:
        return True
    return any(
        isinstance(c, sa.UniqueConstraint) and [x.name for x in c.columns] == [column]
        for c in target.table.constraints
    )


def _standard_connection(graphql_type: Any) -> bool:
    """A stock ``Connection[T]`` (Strawberry specializes a subclass of it per node type):
    no field added but the aggregates', and the resolvers are the generic ones."""
    definition = _definition(graphql_type)
    if definition is None or not issubclass(definition.origin, Connection):
        return False
    public = {
        f.python_name: f
        for f in definition.fields
        if not f.python_name.startswith("_") and f.python_name not in ADDED_CONNECTION_FIELDS
    }
    if set(public) != CONNECTION_FIELDS:
        return False
    stock = {f.python_name: f for f in Connection.__strawberry_definition__.fields}  # type: ignore[attr-defined]
    return all(
        (f.base_resolver and f.base_resolver.wrapped_func)
        is (stock[name].base_resolver and stock[name].base_resolver.wrapped_func)
        for name, f in public.items()
    )


def _paged(
    strawberry_field: Any, graphql_field: Any, target_name: str, relation: Relation | None
) -> Paged | None:
    if set(graphql_field.args) - UNCOMPILED_ARGUMENTS != PAGE_ARGUMENTS:
        return None
    connection, _ = _unwrap(graphql_field.type)
    if not _standard_connection(connection) or target_name not in REGISTRY:
        return None
    node = connection.fields["nodes"].type
    while isinstance(node, GraphQLNonNull | GraphQLList):
        node = node.of_type
    if not _row_type(REGISTRY[target_name], node):
        return None
    return Paged(
        REGISTRY[target_name],
        relation,
        strawberry_field,
        connection.name,
        _generated_aggregates(connection),
    )


def _generated_aggregates(connection: Any) -> bool:
    """Is the connection's ``aggregate`` field the one ``aura.engine.aggregates`` made?"""
    for field in _definition(connection).fields:
        if field.python_name == AGGREGATE_FIELD:
            resolver = field.base_resolver and field.base_resolver.wrapped_func
            return getattr(resolver, "__module__", None) == _AGGREGATES_MODULE and _plain(field)
    return False


def value_leaf(graphql_type: Any, sql_type: str) -> Leaf | None:
    """How a computed value of ``sql_type`` (an aggregate) is written as the scalar
    ``graphql_type``, when the compiler formats that scalar from that type exactly."""
    inner, non_null = _unwrap(graphql_type)
    if isinstance(inner, GraphQLScalarType) and sql_type in _SCALAR_COLUMNS.get(inner.name, ()):
        return Leaf("", inner.name, sql_type, non_null)
    return None


def _row_type(target: Entity, graphql_type: Any) -> bool:
    """Is ``graphql_type`` the type registered for ``target``'s rows?"""
    cls = TYPES.get(target.name)
    definition = getattr(cls, "__strawberry_definition__", None)
    return definition is not None and getattr(graphql_type, "name", None) == definition.name


def _plain(field: Any) -> bool:
    return not field.extensions and not field.permission_classes


class Catalog:
    """GraphQL type name → response field name → how to compile it."""

    def __init__(self, schema: GraphQLSchema, converter: Any) -> None:
        self.schema = schema
        self.fields: dict[str, dict[str, Spec]] = {}
        # GraphQL type name of an entity's rows → the entity, where that is unambiguous.
        self.entities: dict[str, Entity] = {}
        names: dict[str, list[str]] = {}
        for entity_name, cls in TYPES.items():
            definition = getattr(cls, "__strawberry_definition__", None)
            if definition is not None and entity_name in REGISTRY:
                names.setdefault(definition.name, []).append(entity_name)
        for type_name, entity_names in names.items():
            graphql_type = schema.type_map.get(type_name)
            if len(entity_names) != 1 or not isinstance(graphql_type, GraphQLObjectType):
                continue
            entity = REGISTRY[entity_names[0]]
            self.entities[type_name] = entity
            self.fields[type_name] = self._entity_fields(entity, graphql_type, converter)
        query = schema.query_type
        if query is not None:
            self.fields[query.name] = self._root_fields(query, converter)

    def _entity_fields(
        self, entity: Entity, graphql_type: GraphQLObjectType, converter: Any
    ) -> dict[str, Spec]:
        specs: dict[str, Spec] = {}
        for field in _definition(graphql_type).fields:
            name = converter.get_graphql_name(field)
            graphql_field = graphql_type.fields.get(name)
            if graphql_field is None or not _plain(field):
                continue
            fast = (field.metadata or {}).get(FAST_RESOLVER)
            node_key = (field.metadata or {}).get(NODE_KEY)
            spec: Spec | None = None
            if node_key is not None:
                type_name, column = node_key
                if type_name == graphql_type.name and column in entity.sql_types:
                    spec = NodeKey(type_name, column, entity.sql_types[column])
            elif field.base_resolver is None:
                if not graphql_field.args:
                    spec = _leaf(entity, field.python_name, graphql_field.type)
            elif fast and fast[0] == "related" and not graphql_field.args:
                parent, relation_name = fast[1].split(".")
                relation = REGISTRY[parent].relations.get(relation_name)
                if parent == entity.name and relation is not None and not relation.many:
                    target = REGISTRY.get(relation.target)
                    node, non_null = _unwrap(graphql_field.type)
                    if (
                        target is not None
                        and relation.through is None
                        and _unique(target, relation.remote)
                        and _row_type(target, node)
                    ):
                        spec = Related(relation, target, non_null)
            elif fast and fast[0] == "connection" and fast[2] is not None:
                parent, relation_name = fast[2].split(".")
                relation = REGISTRY[parent].relations.get(relation_name)
                if parent == entity.name and relation is not None and relation.many:
                    spec = _paged(field, graphql_field, fast[1], relation)
            if spec is not None:
                specs[name] = spec
        return specs

    def _root_fields(self, query: GraphQLObjectType, converter: Any) -> dict[str, Spec]:
        specs: dict[str, Spec] = {}
        definition = _definition(query)
        if definition is None:
            return specs
        for field in definition.fields:
            name = converter.get_graphql_name(field)
            graphql_field = query.fields.get(name)
            if graphql_field is None or not _plain(field):
                continue
            metadata = field.metadata or {}
            fast = metadata.get(FAST_RESOLVER)
            root = metadata.get(COMPILED_ROOT)
            if fast and fast[0] == "connection" and fast[2] is None:
                spec = _paged(field, graphql_field, fast[1], None)
                if spec is not None:
                    specs[name] = spec
            elif root and root[0] == "by_id" and set(graphql_field.args) == {"id"}:
                target = REGISTRY.get(root[1])
                node, _ = _unwrap(graphql_field.type)
                if target is not None and _row_type(target, node):
                    specs[name] = ById(target, field)
        return specs
