"""The cross-tenant matrix, generated from the code: which root fields, nested paths,
mutations and subscriptions exist for which entity, and the GraphQL documents that
exercise them.

Nothing here lists domains, entities or fields by hand. Domains come from the registry
``aura.domains``, entities from ``aura.engine.relay.TYPES`` and the declarative mapping
``aura.db.mapping`` (which the domains' modules fill); fields and
arguments from the executable schema. An argument names an entity when it is typed
``ID`` (or is an entity's non-``id`` primary key, e.g. ``systemSetting(key:)``) and its
name resolves: ``id`` to the field's own entity (its return type, else the entity type
its name ends with: ``revealSecret`` → ``Secret``), ``<x>Id`` to the entity type named
``<X>``, else to the target of a mapped relation whose column is ``<x>_id``
(``managerId`` → ``users.manager``, ``dependsOnId`` → the ``tasks.dependencies`` join),
else to the one entity type whose name ends with ``<X>`` (``windowId`` →
``BonusWindow``). An ID argument that resolves to nothing is reported, so a new
mutation cannot slip through unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    Lexer,
    Source,
    TokenKind,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    is_scalar_type,
)

from aura.api import build_schema
from aura.config import Settings
from aura.db.mapping import REGISTRY, Entity
from aura.domains import DOMAINS
from aura.engine.relay import TYPES
from aura.inflection import camel

PAGE = 10  # page size of every connection the matrix reads
TOKEN_BUDGET = 1500  # below the default AURA_MAX_TOKENS (2000)
CONNECTION_ARGS = frozenset({"filter", "orderBy", "first", "after", "last", "before", "search"})
# Global-ID lookups (Relay's ``node``/``nodes``) name rows of every entity: their tenancy
# is checked by tests/test_relay_node.py, not through the references of one entity.
GLOBAL_ID_FIELDS = frozenset({"node", "nodes"})


@cache
def schema() -> GraphQLSchema:
    return build_schema(Settings()).graphql_schema


@cache
def registry() -> dict[str, Entity]:
    """Every domain's entities (importing ``aura.domains`` registered them)."""
    assert DOMAINS, "no domain registered"
    return REGISTRY


@cache
def entity_domains() -> dict[str, str]:
    """Entity name → its domain in ``aura.domains``: the domain whose tables module
    defines the entity's table (a table a module imports counts for the earlier domain)."""
    owner: dict[int, str] = {}
    for domain in DOMAINS:
        for value in vars(domain.tables).values():
            if isinstance(value, sa.Table):
                owner.setdefault(id(value), domain.name)
    return {name: owner[id(e.table)] for name, e in registry().items() if id(e.table) in owner}


@cache
def entity_of_type() -> dict[str, str]:
    """GraphQL type name → entity name, for every registered entity type."""
    return {cls.__strawberry_definition__.name: name for name, cls in TYPES.items()}  # type: ignore[attr-defined]


def type_of_entity(entity: str) -> str:
    return str(TYPES[entity].__strawberry_definition__.name)  # type: ignore[attr-defined]


def key_field(entity: str) -> str:
    """The GraphQL field holding an entity's primary key (``id``, ``key``)."""
    return camel(registry()[entity].primary_key)


def connection_node(type_: GraphQLNamedType) -> str | None:
    """The entity of a ``<Type>Connection`` type, else None."""
    if not is_object_type(type_) or "nodes" not in type_.fields:  # type: ignore[attr-defined]
        return None
    node = get_named_type(type_.fields["nodes"].type)  # type: ignore[attr-defined]
    return entity_of_type().get(node.name)


def count_tokens(document: str) -> int:
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


# -- which entity an argument names ------------------------------------------------------


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def entity_for_reference(name: str, owner: str | None = None, field_name: str = "") -> str | None:
    """The entity an ID argument (or input field) called ``name`` refers to.

    ``owner`` is the entity of the field or input it belongs to (used for ``id``)."""
    types = entity_of_type()
    if name == "id":
        if owner is not None:
            return owner
        for type_name in sorted(types, key=len, reverse=True):
            if field_name.endswith(type_name):
                return types[type_name]
        return None
    for suffix in ("Ids", "Id"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            break
    else:
        return None
    if _pascal(stem) in types:
        return types[_pascal(stem)]
    column = _snake(stem) + "_id"
    plural = _snake(stem)[:-1] + "ies" if stem.endswith("y") else _snake(stem) + "s"
    for ent in registry().values():
        for relation in ent.relations.values():
            if relation.through is not None and column in (
                relation.through.source,
                relation.through.target,
            ):
                return relation.target
            if relation.local == column and not relation.many:
                return relation.target
            if relation.many and relation.name == plural:
                return relation.target
    matches = [t for t in types if t.endswith(_pascal(stem))]
    return types[matches[0]] if len(matches) == 1 else None


# -- selections --------------------------------------------------------------------------


def leaves(type_: GraphQLObjectType) -> list[str]:
    """Argument-free scalar and enum fields of an object type."""
    return [
        name
        for name, f in type_.fields.items()
        if not any(is_non_null_type(a.type) for a in f.args.values())
        and (is_scalar_type(get_named_type(f.type)) or is_enum_type(get_named_type(f.type)))
    ]


def selection(type_: GraphQLNamedType, depth: int = 0) -> str:
    """A generic selection: connections give ``totalCount``, ``pageInfo`` and their
    nodes; entities their scalar fields at the top and their key below; other objects
    their scalars and (two levels down) their objects."""
    if not is_object_type(type_):
        return ""
    assert isinstance(type_, GraphQLObjectType)
    node = connection_node(type_)
    if node is not None:
        inner = selection(schema().type_map[type_of_entity(node)], depth + 1)
        return f"{{ totalCount pageInfo {{ hasNextPage }} nodes {inner} }}"
    entity = entity_of_type().get(type_.name)
    if entity is not None and depth > 0:
        return f"{{ {key_field(entity)} }}"
    parts = leaves(type_)
    if depth < 2:
        for name, f in type_.fields.items():
            target = get_named_type(f.type)
            if is_object_type(target) and not any(
                is_non_null_type(a.type) for a in f.args.values()
            ):
                args = f"(first: {PAGE})" if connection_node(target) else ""
                parts.append(f"{name}{args} {selection(target, depth + 1)}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


# -- the matrix ----------------------------------------------------------------------------


@dataclass
class RootField:
    """A query field: ``kind`` is ``by-id`` (it takes a reference to one row),
    ``connection`` or ``other``; ``entity`` the entity it reads (or None)."""

    name: str
    kind: str
    entity: str | None
    refs: dict[str, str]  # argument → entity it names
    required: dict[str, str]  # other required arguments → GraphQL type
    selection: str


@dataclass
class NestedPath:
    root: str  # the root connection it starts at
    entity: str  # the entity of that connection
    steps: tuple[tuple[str, bool, str], ...]  # (GraphQL field, is a connection, entity)
    relations: tuple[str, ...]  # entity.relation per level, for the report

    @property
    def name(self) -> str:
        return f"{self.root}." + ".".join(s for s, _, _ in self.steps)


@dataclass
class MutationCase:
    """A mutation sent with some of its references pointing into another tenant."""

    field: str
    refs: dict[str, str]  # argument (or ``input.<field>``) → entity
    victim: tuple[str, ...]  # the references set to the victim's rows (others: caller's)
    required: dict[str, str]  # other required scalar arguments → GraphQL type
    input_type: str | None = None  # the input object's type, when references are inside
    # a filtered bulk change (``updateTasks(filter, set)``): naming another tenant's row in
    # its filter matches nothing, so it changes nothing and returns an empty list
    bulk: bool = False

    @property
    def name(self) -> str:
        return f"{self.field}({', '.join(self.victim) or '-'})"


@dataclass
class SubscriptionCase:
    field: str
    refs: dict[str, str]
    victim: tuple[str, ...]  # () is the no-filter case
    selection: str

    @property
    def name(self) -> str:
        return f"{self.field}({', '.join(self.victim) or 'no filter'})"


@dataclass
class Matrix:
    roots: list[RootField] = field(default_factory=list)
    nested: list[NestedPath] = field(default_factory=list)
    mutations: list[MutationCase] = field(default_factory=list)
    subscriptions: list[SubscriptionCase] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # ID arguments naming no entity
    unexposed: list[str] = field(default_factory=list)  # mapped relations with no field
    no_root: list[str] = field(default_factory=list)  # entities without a root connection

    def entities(self) -> set[str]:
        found = {r.entity for r in self.roots if r.entity}
        found |= {p.entity for p in self.nested}
        found |= {e for m in self.mutations for e in m.refs.values()}
        found |= {e for s in self.subscriptions for e in s.refs.values()}
        return found

    def paths(self) -> int:
        return len(self.roots) + len(self.nested) + len(self.mutations) + len(self.subscriptions)


def _references(
    args: dict[str, Any], owner: str | None, field_name: str, where: str, unresolved: list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Split arguments into references (→ entity) and other required ones (→ type)."""
    refs: dict[str, str] = {}
    required: dict[str, str] = {}
    keyed = owner or entity_for_reference("id", None, field_name)
    for name, arg in args.items():
        named = get_named_type(arg.type)
        # an entity keyed by something else than an ID (``systemSetting(key:)``)
        is_key = keyed is not None and name == key_field(keyed) and name != "id"
        if named.name == "ID" or is_key:
            entity = keyed if is_key else entity_for_reference(name, owner, field_name)
            if entity is None:
                unresolved.append(f"{where}.{name}")
            else:
                refs[name] = entity
                continue
        if is_non_null_type(arg.type):
            required[name] = str(arg.type)
    return refs, required


def _returned_entity(f: GraphQLField) -> str | None:
    return entity_of_type().get(get_named_type(f.type).name)


def _filtered_entity(filter_type: str) -> str:
    """The entity a ``…Filter`` input filters (``TaskFilter`` → ``tasks``)."""
    return entity_of_type()[filter_type.removesuffix("Filter")]


@cache
def build() -> Matrix:
    gql = schema()
    matrix = Matrix()
    query, mutation, subscription = gql.query_type, gql.mutation_type, gql.subscription_type
    assert query is not None
    assert mutation is not None
    assert subscription is not None

    # 1-2. root fields
    connections: dict[str, str] = {}  # entity → its (first) root connection
    for name, f in query.fields.items():
        if name in GLOBAL_ID_FIELDS:
            continue
        target = get_named_type(f.type)
        node = connection_node(target)
        if node is not None and set(f.args) <= CONNECTION_ARGS:
            connections.setdefault(node, name)
            matrix.roots.append(
                RootField(name, "connection", node, {}, {}, f"(first: {PAGE}) {selection(target)}")
            )
            continue
        owner = _returned_entity(f)
        refs, required = _references(f.args, owner, name, f"Query.{name}", matrix.unresolved)
        kind = "by-id" if refs else "other"
        matrix.roots.append(
            RootField(
                name,
                kind,
                owner or next(iter(refs.values()), None),
                refs,
                required,
                selection(target),
            )
        )

    # 3. nested paths: every mapped relation exposed as a field, one and two levels deep
    def hops(entity: str) -> list[tuple[str, bool, str, str]]:
        type_ = gql.type_map[type_of_entity(entity)]
        assert isinstance(type_, GraphQLObjectType)
        found = []
        for relation in registry()[entity].relations.values():
            field_name = camel(relation.name)
            if field_name not in type_.fields:
                matrix.unexposed.append(f"{entity}.{relation.name}")
                continue
            found.append((field_name, relation.many, relation.target, f"{entity}.{relation.name}"))
        return found

    for entity in TYPES:
        root = connections.get(entity)
        if root is None:
            matrix.no_root.append(entity)
            continue
        for field_name, many, target, label in hops(entity):
            first = (field_name, many, target)
            matrix.nested.append(NestedPath(root, entity, (first,), (label,)))
            if target not in TYPES:
                continue
            for field2, many2, target2, label2 in hops(target):
                second = (field2, many2, target2)
                matrix.nested.append(NestedPath(root, entity, (first, second), (label, label2)))
    matrix.unexposed = sorted(set(matrix.unexposed))

    # 4. mutations taking references: every reference to the victim, then each alone
    for name, f in mutation.fields.items():
        owner = _returned_entity(f)
        if "filter" in f.args:
            entity = _filtered_entity(get_named_type(f.args["filter"].type).name)
            required = {a: str(arg.type) for a, arg in f.args.items() if a != "filter"}
            case = MutationCase(name, {"filter.id": entity}, ("filter.id",), required, bulk=True)
            matrix.mutations.append(case)
            continue
        refs, required = _references(f.args, owner, name, f"Mutation.{name}", matrix.unresolved)
        input_type = None
        inputs = {
            a: get_named_type(arg.type)
            for a, arg in f.args.items()
            if is_input_object_type(get_named_type(arg.type)) and not is_list_type(arg.type)
        }
        if not refs and len(inputs) == 1 and name.startswith(("create", "upsert")):
            # create<Type>(input: {…Id}) and upsert<Type>(input: {…Id}): plant a row
            # pointing into the victim's tenant
            [(arg, type_)] = inputs.items()
            assert isinstance(type_, GraphQLInputObjectType)
            inner, _ = _references(type_.fields, None, "", type_.name, matrix.unresolved)
            if inner:
                refs = {f"{arg}.{k}": v for k, v in inner.items()}
                input_type = type_.name
                required.pop(arg, None)
        if not refs:
            continue
        variants = [tuple(refs)] + ([(r,) for r in refs] if len(refs) > 1 else [])
        for victim in variants:
            matrix.mutations.append(MutationCase(name, refs, victim, required, input_type))

    # 5. subscriptions: each reference to the victim, and no filter at all
    for name, f in subscription.fields.items():
        refs, _ = _references(f.args, None, name, f"Subscription.{name}", matrix.unresolved)
        sel = selection(get_named_type(f.type))
        for ref in refs:
            matrix.subscriptions.append(SubscriptionCase(name, refs, (ref,), sel))
        matrix.subscriptions.append(SubscriptionCase(name, refs, (), sel))
    return matrix


# -- documents ---------------------------------------------------------------------------


def nested_documents(paths: list[NestedPath]) -> list[tuple[str, list[NestedPath]]]:
    """The nested paths merged into as few documents as the token budget allows: one
    root connection per document, paths sharing a first step share its selection."""
    by_root: dict[str, list[NestedPath]] = {}
    for path in paths:
        by_root.setdefault(path.root, []).append(path)
    documents = []
    for group in by_root.values():
        batch: list[NestedPath] = []
        for path in group:
            candidate = [*batch, path]
            if batch and count_tokens(_nested_document(candidate)) > TOKEN_BUDGET:
                documents.append((_nested_document(batch), batch))
                candidate = [path]
            batch = candidate
        if batch:
            documents.append((_nested_document(batch), batch))
    return documents


def _nested_document(paths: list[NestedPath]) -> str:
    tree: dict[tuple[str, bool, str], dict[Any, Any]] = {}
    for path in paths:
        node = tree
        for step in path.steps:
            node = node.setdefault(step, {})

    def render(entity: str, children: dict[tuple[str, bool, str], dict[Any, Any]]) -> str:
        parts = [key_field(entity)]
        for (name, many, target), sub in children.items():
            inner = render(target, sub)
            parts.append(
                f"{name}(first: {PAGE}) {{ nodes {inner} }}" if many else f"{name} {inner}"
            )
        return "{ " + " ".join(parts) + " }"

    root, entity = paths[0].root, paths[0].entity
    return f"{{ {root}(first: {PAGE}) {{ nodes {render(entity, tree)} }} }}"


def strings(value: Any) -> set[str]:
    """Every string anywhere in a JSON value (keys excluded)."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
