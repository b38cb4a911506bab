"""Scope checks for opaque access tokens, before any SQL runs.

Which domains an operation touches is read from the document: the domain of each root
field (the domain module that declares it) and of every object type it selects (the
``aura.schema.<domain>`` module that defines it). A query needs read access to all of
them, a mutation write access to its root fields' domains. Computed once per document
and operation, like the limits.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)

from aura.auth.scopes import DOMAINS

# (domain, write) pairs an operation needs
Needs = frozenset[tuple[str, bool]]


def type_domains(schema: GraphQLSchema) -> dict[str, str]:
    """GraphQL object type name → domain, from the module of its Strawberry class."""
    domains: dict[str, str] = {}
    for name, graphql_type in schema.type_map.items():
        definition = (graphql_type.extensions or {}).get("strawberry-definition")
        origin = getattr(definition, "origin", None)
        module = getattr(origin, "__module__", "")
        domain = module.removeprefix("aura.schema.")
        if module.startswith("aura.schema.") and domain in DOMAINS:
            domains[name] = domain
    return domains


class _Collector(Visitor):
    def __init__(
        self,
        type_info: TypeInfo,
        roots: Mapping[str, Mapping[str, str]],
        types: Mapping[str, str],
        schema: GraphQLSchema,
    ) -> None:
        super().__init__()
        self.type_info = type_info
        self.roots = roots
        self.types = types
        self.root_names = {
            t.name: kind
            for kind, t in (
                ("query", schema.query_type),
                ("mutation", schema.mutation_type),
                ("subscription", schema.subscription_type),
            )
            if t is not None
        }
        self.needs: set[tuple[str, bool]] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None and parent.name in self.root_names:
            kind = self.root_names[parent.name]
            domain = self.roots.get(kind, {}).get(node.name.value)
            if domain:
                self.needs.add((domain, kind == "mutation"))
        field_type = self.type_info.get_type()
        if field_type is not None:
            named = get_named_type(field_type)
            if isinstance(named, GraphQLObjectType) and named.name in self.types:
                self.needs.add((self.types[named.name], False))


def operation_needs(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    roots: Mapping[str, Mapping[str, str]],
    types: Mapping[str, str],
) -> Needs:
    """The (domain, write) accesses ``operation`` (with every fragment) needs."""
    needs: set[tuple[str, bool]] = set()
    nodes = [operation] + [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    for node in nodes:
        type_info = TypeInfo(schema)
        collector = _Collector(type_info, roots, types, schema)
        visit(node, TypeInfoVisitor(type_info, collector))
        needs |= collector.needs
    if operation.operation == OperationType.MUTATION and not needs:
        needs.add(("", True))  # a mutation of no domain still writes
    return frozenset(needs)
