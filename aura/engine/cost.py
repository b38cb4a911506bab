"""The estimated cost of an operation, checked before any SQL runs (``QUERY_TOO_COSTLY``).

**Cost** estimates how many values a response can hold. Every field costs 1 plus the
cost of its selections. A connection field (its type's name ends in ``Connection``)
returns up to *page size* items, so the selections of its list fields (``nodes``,
``edges``) count once per item, while ``totalCount``, ``pageInfo`` and ``aggregate``
count once::

    cost(field)      = 1 + cost(selections)
    cost(connection) = 1 + cost(per-page fields) + page size x cost(per-item fields)

The page size is the field's ``first`` or ``last`` argument (the larger if both are
given); with neither, ``default_page_size``. Values are clamped to
``0..max_page_size``: the pagination check refuses a larger one (``BAD_USER_INPUT``)
before that field loads anything, so the estimate still bounds what a request can load.
A page size given as a variable is taken from the request's variables (or the
variable's default): cost is computed per (document, operation, values of the page-size
variables) and cached on that key, so a document without page-size variables is
measured once. A variable whose value is not an integer counts as ``max_page_size``
(its coercion fails later anyway). A connection's ``groupBy`` counts its selections
once per group its ``limit`` allows, whatever the page size. A list outside a
connection counts its selections once per item too: introspection's
(``__schema { types { fields ... } }``) as many items as it holds in this schema on
average (``list_sizes``); any other (``recentTaskHistory``,
a batch mutation's result, statistics) as many as its ``limit`` argument allows (given,
as a variable, or its default; clamped like a page size), or ``max_page_size`` when it
has no ``limit``, so a plain list multiplies what it holds like a connection. A field
selected twice under the same name counts twice, although graphql-core runs it once: the
estimate errs on the high side.

Measured on this schema: tests/test_nested.py's ``NESTED`` query (100 projects, 10 tasks
each, 5 comments each) costs 64,602; GraphiQL's introspection query about 37,000; the
deepest test query (four nested connections at the default page size of 20) 1,346,903,
which is why the default ``max_cost`` is 2,000,000 (five nested default pages cost at
least 20^5 = 3.2 million).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_list_type,
    is_object_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from aura.engine.limits import (
    LIMIT_ARGUMENT,
    PAGE_ARGUMENTS,
    QUERY_TOO_COSTLY,
    SIZE_ARGUMENTS,
    Limits,
    limit_error,
)


def page_variables(document: DocumentNode) -> tuple[str, ...]:
    """Names of the variables given as ``first``, ``last`` or ``limit`` in the document.

    The cost of an operation depends on the request's variables only through these.
    """
    names: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                for argument in node.arguments or ():
                    if argument.name.value in SIZE_ARGUMENTS and isinstance(
                        argument.value, VariableNode
                    ):
                        names.add(argument.value.name.value)
            visit(getattr(node, "selection_set", None))

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            visit(definition.selection_set)
    return tuple(sorted(names))


def page_sizes(
    operation: OperationDefinitionNode,
    names: Iterable[str],
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> tuple[int | None, ...]:
    """The page size each of ``names`` stands for in this request (None: not given).

    Hashable, so that cost can be cached on it.
    """
    defaults = {
        d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
    }
    variables = variables or {}
    sizes: list[int | None] = []
    for name in names:
        if name in variables:
            value = variables[name]
        else:
            default = defaults.get(name)
            if isinstance(default, IntValueNode):
                value = int(default.value)
            elif default is None or isinstance(default, NullValueNode):
                value = None
            else:
                value = "invalid"
        if value is None:
            sizes.append(None)
        elif isinstance(value, int) and not isinstance(value, bool):
            sizes.append(min(max(value, 0), limits.max_page_size))
        else:
            sizes.append(limits.max_page_size)
    return tuple(sizes)


def _field_def(
    schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str
) -> GraphQLField | None:
    if name == "__schema":
        return SchemaMetaFieldDef
    if name == "__type":
        return TypeMetaFieldDef
    if is_object_type(parent) or is_interface_type(parent):
        return parent.fields.get(name)
    return None


# A connection's lists of page items; its other lists (``groupBy``) count by their limit.
PAGE_LISTS = frozenset({"nodes", "edges"})


def _is_connection(named: GraphQLNamedType | None) -> bool:
    return isinstance(named, GraphQLObjectType) and named.name.endswith("Connection")


def list_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """How many items each introspection list holds in ``schema``, on average.

    ``__schema { types }`` holds every type; a type's ``fields`` as many as the schema's
    object and interface types have together, divided by the number of types (rounded
    up), and so on. Averages, because ``{ __schema { types { fields { name } } } }``
    lists each field once, whatever the largest type.
    """
    types = list(schema.type_map.values())
    composite = [t for t in types if is_object_type(t) or is_interface_type(t)]
    fields = [f for t in composite for f in t.fields.values()]
    directives = list(schema.directives)

    def per(total: int, count: int) -> int:
        return math.ceil(total / count) if count else 0

    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(directives),
        ("__Type", "fields"): per(len(fields), len(types)),
        ("__Type", "inputFields"): per(
            sum(len(t.fields) for t in types if is_input_object_type(t)),
            len(types),
        ),
        ("__Type", "enumValues"): per(
            sum(len(t.values) for t in types if is_enum_type(t)),
            len(types),
        ),
        ("__Type", "interfaces"): per(
            sum(len(t.interfaces) for t in composite),
            len(types),
        ),
        ("__Type", "possibleTypes"): per(
            sum(len(schema.get_possible_types(t)) for t in types if is_abstract_type(t)),
            len(types),
        ),
        ("__Field", "args"): per(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): per(sum(len(d.args) for d in directives), len(directives)),
    }


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    sizes: Mapping[str, int | None],
    limits: Limits,
    sizes_of_lists: Mapping[tuple[str, str], int] | None = None,
) -> int:
    """The estimated cost of a validated operation, page-size variables resolved.

    ``sizes_of_lists`` (from ``list_sizes``) says how many items introspection's lists
    count for; any other list outside a connection counts ``list_size`` items.
    """
    sizes_of_lists = sizes_of_lists or {}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    memo: dict[str, tuple[int, int]] = {}
    active: set[str] = set()

    def size_of(value: ValueNode) -> int | None:
        """The size an argument stands for: None when null (or a variable without value)."""
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            return sizes.get(value.name.value)
        if isinstance(value, NullValueNode):
            return None
        return limits.max_page_size

    def clamped(size: int) -> int:
        return min(max(size, 0), limits.max_page_size)

    def page_size(node: FieldNode) -> int:
        given = [
            size
            for argument in node.arguments or ()
            if argument.name.value in PAGE_ARGUMENTS
            and (size := size_of(argument.value)) is not None
        ]
        return clamped(max(given) if given else limits.default_page_size)

    def list_size(node: FieldNode, field: GraphQLField | None) -> int:
        """Items of a plain list: its ``limit`` (given, else its default), else the most."""
        size = next(
            (size_of(a.value) for a in node.arguments or () if a.name.value == LIMIT_ARGUMENT),
            None,
        )
        argument = field.args.get(LIMIT_ARGUMENT) if field is not None else None
        if size is None and argument is not None:
            default = argument.default_value
            if isinstance(default, int) and not isinstance(default, bool):
                size = default
        # A list without a limit (a batch, statistics, a team) counts as the largest page.
        return clamped(limits.max_page_size if size is None else size)

    def selections(
        selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> tuple[int, int]:
        """(cost once, cost per item): the second holds the list fields' selections."""
        once = per_item = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                once += 1
                if node.selection_set is None:
                    continue
                field = _field_def(schema, parent, node.name.value)
                field_type = field.type if field is not None else None
                named = get_named_type(field_type) if field_type is not None else None
                o, i = selections(node.selection_set, named)
                child = o + (page_size(node) * i if _is_connection(named) else i)
                if field_type is None or not is_list_type(get_nullable_type(field_type)):
                    once += child
                elif _is_connection(parent) and node.name.value in PAGE_LISTS:
                    per_item += child  # the connection multiplies it by its page size
                else:
                    # introspection lists: their length in this schema, on average;
                    # other lists: as many items as their limit lets them return
                    key = (parent.name if parent else "", node.name.value)
                    count = sizes_of_lists.get(key)
                    once += (list_size(node, field) if count is None else count) * child
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                target = schema.get_type(condition.name.value) if condition else parent
                o, i = selections(node.selection_set, target)
                once, per_item = once + o, per_item + i
            elif isinstance(node, FragmentSpreadNode):
                o, i = fragment(node.name.value)
                once, per_item = once + o, per_item + i
        return once, per_item

    def fragment(name: str) -> tuple[int, int]:
        if name in memo:
            return memo[name]
        definition = fragments.get(name)
        if definition is None or name in active:
            return 0, 0
        active.add(name)
        try:
            result = selections(
                definition.selection_set, schema.get_type(definition.type_condition.name.value)
            )
        finally:
            active.discard(name)
        memo[name] = result
        return result

    root = schema.get_root_type(operation.operation)
    once, per_item = selections(operation.selection_set, root)
    return once + per_item


def cost_error(cost: int, limits: Limits) -> GraphQLError | None:
    if limits.max_cost and cost > limits.max_cost:
        return limit_error(
            QUERY_TOO_COSTLY,
            f"query cost {cost} exceeds the limit of {limits.max_cost} "
            "(each field costs 1; a connection multiplies its items' cost by its page size)",
        )
    return None
