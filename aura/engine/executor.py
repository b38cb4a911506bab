"""Lean execution: resolvers and an executor that skip per-field work.

graphql-core calls a resolver for every field of every object, and Strawberry wraps
each one (building an Info, converting arguments into input objects). That is the
right default, but on a result of hundreds of objects it dominates the request:
plain fields need only an attribute read, and a relationship field asks the same
question for every parent. ``accelerate`` installs lean graphql-core resolvers for
exactly those fields (they are marked by the factories in ``aura.engine.relay``);
``LeanExecutor`` skips ResolveInfo for plain scalar fields and coerces a relationship
field's arguments once per field node. ``tests/test_lean_execution.py`` checks that
results and errors equal plain Strawberry's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLObjectType, Undefined, get_nullable_type, is_leaf_type
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from aura.db.mapping import entity
from aura.engine.relay import FAST_RESOLVER, request_from, split_relation
from aura.engine.selection import columns_for, node_fields


def _getter(name: str, return_type: Any) -> Callable[..., Any]:
    def resolve(source: Any, info: Any) -> Any:
        return getattr(source, name)

    leaf = get_nullable_type(return_type)
    if is_leaf_type(leaf):
        # Read by ``LeanExecutor``: such a field needs no ResolveInfo at all.
        resolve.aura_leaf = (name, leaf.serialize)  # type: ignore[attr-defined]
    return resolve


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with a shortcut for plain scalar and enum fields.

    Building a ResolveInfo, checking arguments and dispatching on the return type cost
    more than reading the attribute itself; on a result of hundreds of objects that is
    most of the execution. Nulls and values that fail to serialize take the ordinary
    path, so errors and null propagation are graphql-core's own.
    """

    def execute_field(
        self,
        parent_type: Any,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        field_def = parent_type.fields.get(field_details_list[0].node.name.value)
        leaf = getattr(getattr(field_def, "resolve", None), "aura_leaf", None)
        if leaf is not None:
            value = getattr(source, leaf[0], None)
            if value is not None:
                try:
                    serialized = leaf[1](value)
                except Exception:
                    serialized = None
                if serialized is not None and serialized is not Undefined:
                    return serialized
        if getattr(getattr(field_def, "resolve", None), "aura_shared_args", False):
            shared = self._execute_with_shared_arguments(
                field_def, parent_type, source, field_details_list, path, position_context
            )
            if shared is not Undefined:
                return shared
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _execute_with_shared_arguments(
        self,
        field_def: Any,
        parent_type: Any,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's execute_field for a relationship field, with its arguments
        coerced once per field node instead of once per parent (420 times in a
        20 x 20 x 5 query). Anything unusual returns Undefined: the caller then takes
        graphql-core's own path, which also reports argument errors."""
        details = field_details_list[0]
        cache = self.__dict__.setdefault("_aura_arguments", {})
        key = (id(field_def), id(details.node))
        args = cache.get(key)
        if args is None:
            try:
                args = cache[key] = get_argument_values(
                    field_def,
                    details.node,
                    self.variable_values,
                    details.fragment_variable_values,
                    self.hide_suggestions,
                )
            except Exception:
                return Undefined
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        try:
            result = field_def.resolve(source, info, **args)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    field_def.type, field_details_list, info, path, result, position_context
                )
            return self.complete_value(
                field_def.type, field_details_list, info, path, result, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_def.type, field_details_list, path)
            return None


def _fast_connection(
    schema: Any, field: Any, target: str, via: str | None, load: Callable[..., Awaitable[Any]]
) -> Callable[..., Any]:
    arguments = field.arguments

    def resolve(source: Any, info: Any, **raw: Any) -> Awaitable[Any]:
        # Every parent at one level shares the field node and the arguments: convert
        # and plan once per request, then only the parent key differs.
        memo = info.context.loaders.memo
        key = ("connection", via, id(info.field_nodes[0]))
        request = memo.get(key)
        if request is None:
            args = convert_arguments(
                raw,
                arguments,
                scalar_registry=schema.schema_converter.scalar_registry,
                config=schema.config,
            )
            request = memo[key] = request_from(info, target, args)
        return load(source, info, request)

    return resolve


def _fast_related(via: str, load: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    def resolve(source: Any, info: Any) -> Awaitable[Any]:
        memo = info.context.loaders.memo
        key = ("related", via, id(info.field_nodes[0]))
        columns = memo.get(key)
        if columns is None:
            _, relation = split_relation(via)
            target = entity(relation.target)
            columns = memo[key] = columns_for(
                target, node_fields(info, connection=False), relation.remote
            )
        return load(source, info, columns)

    return resolve


def accelerate(schema: Any) -> None:
    """Install lean resolvers on a built schema (see the comment above)."""
    name_converter = schema.config.name_converter
    for graphql_type in schema.graphql_schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if definition is None or graphql_type.name.startswith("__"):
            continue
        for field in definition.fields:
            graphql_field = graphql_type.fields.get(name_converter.get_graphql_name(field))
            if graphql_field is None or field.extensions or field.permission_classes:
                continue
            fast = (field.metadata or {}).get(FAST_RESOLVER)
            if field.base_resolver is None:
                graphql_field.resolve = _getter(field.python_name, graphql_field.type)
            elif fast and fast[0] == "connection":
                graphql_field.resolve = _fast_connection(schema, field, *fast[1:])
                graphql_field.resolve.aura_shared_args = True
            elif fast and fast[0] == "related":
                graphql_field.resolve = _fast_related(*fast[1:])
