"""Scope checks for opaque access tokens, before any SQL runs.

Which domains an operation touches is read from the document: the domain of each root
field (the domain whose root class declares it, ``aura.domains``) and of every object
type it selects (declared where the type is defined: ``entity_type(..., domain=...)`` or
``in_domain(...)``, never derived from the module that holds it). A type of no domain of its own (a
connection, an edge, a subscription message) counts as the domains of the types it
wraps, so ``project { secrets { totalCount edges { cursor } } }`` needs vault even
though it selects no field of ``Secret``. A few view columns copy another domain's data
(``recentEvents { taskTitle }``): ``FOREIGN`` names them, as output fields, filter
fields and order values, written inline or passed in a variable. A query needs read
access to all of them, a mutation write access to its root fields' domains. Computed
once per document and operation, like the limits.

The fields that switch the request's principal (``SWITCHING``) must be alone in their
operation: nothing else may run as the principal they switch to, which was not the one
the scopes were checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import (
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_named_type,
    visit,
)

from aura.auth.scopes import domains as known_domains

T = TypeVar("T")

# (domain, write) pairs an operation needs
Needs = frozenset[tuple[str, bool]]

# View columns holding another domain's data: (type, field or enum value) -> domain.
# ``TeamTimeEntry`` is not here: the team's task times (titles, project names) are what
# the teams domain exists to show a manager, who may read nothing else of those projects.
FOREIGN: dict[tuple[str, str], str] = {
    ("RecentEvent", "projectName"): "work",
    ("RecentEvent", "taskTitle"): "work",
    ("RecentEventFilter", "projectName"): "work",
    ("RecentEventFilter", "taskTitle"): "work",
    ("RecentEventOrderField", "PROJECT_NAME"): "work",
    ("SecretExpiringSoon", "projectName"): "work",
    ("SecretNeedingRotation", "projectName"): "work",
}

# Mutation root fields that switch the request to another principal (a token pair they
# issue), and the object types their result may select: None for any. A refreshed pair
# shows only itself, never what its user may reach (``token { user { projects } }``):
# the refreshed token's scopes are not known before the refresh is spent.
SWITCHING: dict[str, frozenset[str] | None] = {
    "register": None,  # a new PENDING user (scopes `write`) owns nothing yet
    "refreshAccessToken": frozenset({"IssuedAccessToken", "AccessToken"}),
    # The account and the pair only: its user may be one who must reset their password
    # (``PASSWORD_CHANGE_TYPES``), who may see nothing else.
    "signIn": frozenset({"SignIn", "User", "IssuedAccessToken", "AccessToken"}),
}

# What a user who must reset their password may still run (the database refuses them
# anything else when the request opens): these root fields, selecting only these types.
PASSWORD_CHANGE_FIELDS = frozenset(
    {"me", "changePassword", "signOut", "signIn", "refreshAccessToken"}
)
PASSWORD_CHANGE_TYPES = frozenset(
    {
        "User",
        "SignIn",
        "IssuedAccessToken",
        "AccessToken",
        "AccessTokenConnection",
        "AccessTokenEdge",
        "PageInfo",
    }
)


@dataclass(frozen=True, slots=True)
class Access:
    """What an operation needs, or why it is refused whoever sends it."""

    needs: Needs
    refusal: str | None = None
    # It runs as the principal it switches to: the request's own is irrelevant.
    switches: bool = False
    # A user who must reset their password may run it (``PASSWORD_CHANGE_FIELDS``).
    password_change: bool = False


# Object type class → the domain whose data it shows, as its definition declares it.
DECLARED: dict[type, str] = {}


def declare(cls: type, domain: str) -> None:
    """Record the scope domain of an object type (``entity_type`` calls it too)."""
    DECLARED[cls] = domain


def in_domain(domain: str) -> Callable[[type[T]], type[T]]:
    """Declare the scope domain of an object type that is not an entity's row (a payload,
    statistics): a token needs ``<domain>:read`` to select it."""

    def apply(cls: type[T]) -> type[T]:
        declare(cls, domain)
        return cls

    return apply


def own_domains(schema: GraphQLSchema) -> dict[str, str]:
    """Object type name → its declared domain; ValueError for a domain no one registered
    (a typo would otherwise make a type readable under a scope that cannot be issued)."""
    known = set(known_domains())
    result: dict[str, str] = {}
    for name, graphql_type in schema.type_map.items():
        definition = (graphql_type.extensions or {}).get("strawberry-definition")
        domain = DECLARED.get(getattr(definition, "origin", None))  # type: ignore[arg-type]
        if domain is None:
            continue
        if domain not in known:
            raise ValueError(f"{name} declares domain {domain!r}, which is not registered")
        result[name] = domain
    return result


def type_domains(schema: GraphQLSchema) -> dict[str, frozenset[str]]:
    """Object type name → the domains whose data selecting it reveals.

    A type's own domain; for a wrapper of no domain (connection, edge, page info,
    subscription message), the domains of the types reachable through its fields, so a
    connection's ``totalCount`` and cursors need its node type's domain.
    """
    own = own_domains(schema)
    kinds = (schema.query_type, schema.mutation_type, schema.subscription_type)
    roots = {t.name for t in kinds if t is not None}
    result: dict[str, frozenset[str]] = {}

    def reach(name: str, seen: frozenset[str]) -> frozenset[str]:
        if name in own:
            return frozenset({own[name]})
        graphql_type = schema.type_map[name]
        if name in seen or not isinstance(graphql_type, GraphQLObjectType):
            return frozenset()
        found: frozenset[str] = frozenset()
        for field in graphql_type.fields.values():
            found |= reach(get_named_type(field.type).name, seen | {name})
        return found

    for name, graphql_type in schema.type_map.items():
        if isinstance(graphql_type, GraphQLObjectType) and name not in roots:
            domains = reach(name, frozenset())
            if domains:
                result[name] = domains
    return result


def input_domains(schema: GraphQLSchema) -> dict[str, frozenset[str]]:
    """Input or enum type name → the foreign domains a value of it can name (variables)."""
    result: dict[str, frozenset[str]] = {}

    def reach(graphql_type: GraphQLNamedType, seen: frozenset[str]) -> frozenset[str]:
        name = graphql_type.name
        if isinstance(graphql_type, GraphQLEnumType):
            return frozenset(d for (t, _), d in FOREIGN.items() if t == name)
        if name in seen or not isinstance(graphql_type, GraphQLInputObjectType):
            return frozenset()
        found = frozenset(d for (t, _), d in FOREIGN.items() if t == name)
        for field in graphql_type.fields.values():
            found |= reach(get_named_type(field.type), seen | {name})
        return found

    for graphql_type in schema.type_map.values():
        domains = reach(graphql_type, frozenset())
        if domains:
            result[graphql_type.name] = domains
    return result


class _Collector(Visitor):
    def __init__(
        self,
        type_info: TypeInfo,
        roots: Mapping[str, Mapping[str, str]],
        types: Mapping[str, frozenset[str]],
        inputs: Mapping[str, frozenset[str]],
        schema: GraphQLSchema,
    ) -> None:
        super().__init__()
        self.type_info = type_info
        self.roots = roots
        self.types = types
        self.inputs = inputs
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

    def _read(self, domains: frozenset[str] | str | None) -> None:
        if isinstance(domains, str):
            domains = frozenset({domains})
        self.needs.update((d, False) for d in domains or ())

    def enter_field(self, node: FieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_type()
        if parent is not None and parent.name in self.root_names:
            kind = self.root_names[parent.name]
            domain = self.roots.get(kind, {}).get(node.name.value)
            if domain:
                self.needs.add((domain, kind == "mutation"))
        if parent is not None:
            self._read(FOREIGN.get((parent.name, node.name.value)))
        field_type = self.type_info.get_type()
        if field_type is not None:
            self._read(self.types.get(get_named_type(field_type).name))

    def enter_object_field(self, node: ObjectFieldNode, *_: object) -> None:
        parent = self.type_info.get_parent_input_type()
        if parent is not None:
            self._read(FOREIGN.get((get_named_type(parent).name, node.name.value)))

    def enter_enum_value(self, node: EnumValueNode, *_: object) -> None:
        input_type = self.type_info.get_input_type()
        if input_type is not None:
            self._read(FOREIGN.get((get_named_type(input_type).name, node.value)))

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        # Its value is not known here: count whatever a value of its type could name.
        input_type = self.type_info.get_input_type()
        if input_type is not None:
            self._read(self.inputs.get(get_named_type(input_type).name))


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    """The root fields of an operation, through fragments (each fragment once)."""
    fields: list[FieldNode] = []
    pending, spread = [selection_set], set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                fields.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in spread and name in fragments:
                    spread.add(name)
                    pending.append(fragments[name].selection_set)
    return fields


class _Selected(Visitor):
    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.names: set[str] = set()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        field_type = self.type_info.get_type()
        named = get_named_type(field_type) if field_type is not None else None
        if isinstance(named, GraphQLObjectType):
            self.names.add(named.name)


def _selected_types(schema: GraphQLSchema, nodes: list[Any]) -> set[str]:
    """The object types the fields of ``nodes`` (an operation, fragments) return."""
    names: set[str] = set()
    for node in nodes:
        type_info = TypeInfo(schema)
        selected = _Selected(type_info)
        visit(node, TypeInfoVisitor(type_info, selected))
        names |= selected.names
    return names


def _switch_refusal(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> tuple[bool, str | None]:
    """(does it switch principal, why it is refused) for an operation."""
    if operation.operation != OperationType.MUTATION:
        return False, None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    # ``__typename`` reads nothing: it may stay.
    fields = [
        f
        for f in _root_fields(operation.selection_set, fragments)
        if not f.name.value.startswith("__")
    ]
    switching = [f for f in fields if f.name.value in SWITCHING]
    if not switching:
        return False, None
    name = switching[0].name.value
    if len(fields) > 1:
        return True, (
            f"{name} must be the only field of its request: it switches the request to "
            "the principal of the tokens it issues; send other fields in another request"
        )
    allowed = SWITCHING[name]
    beyond = sorted(_selected_types(schema, [operation, *fragments.values()]) - (allowed or set()))
    if allowed is not None and beyond:
        return True, (
            f"{name} returns only the new token pair; it cannot select "
            f"{', '.join(beyond)}: ask for it with the new token in another request"
        )
    return True, None


def operation_access(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    roots: Mapping[str, Mapping[str, str]],
    types: Mapping[str, frozenset[str]],
    inputs: Mapping[str, frozenset[str]],
) -> Access:
    """What ``operation`` (with every fragment) needs, or why it is refused."""
    switches, refusal = _switch_refusal(schema, document, operation)
    needs: set[tuple[str, bool]] = set()
    nodes = [operation] + [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    for node in nodes:
        type_info = TypeInfo(schema)
        collector = _Collector(type_info, roots, types, inputs, schema)
        visit(node, TypeInfoVisitor(type_info, collector))
        needs |= collector.needs
    if operation.operation == OperationType.MUTATION and not needs:
        needs.add(("", True))  # a mutation of no domain still writes
    return Access(
        frozenset(needs), refusal, switches, _password_change(schema, document, operation)
    )


def _password_change(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> bool:
    """Does the operation only change the password or read the viewer's account?"""
    if operation.operation == OperationType.SUBSCRIPTION:
        return False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names = {f.name.value for f in _root_fields(operation.selection_set, fragments)}
    if not {n for n in names if not n.startswith("__")} <= PASSWORD_CHANGE_FIELDS:
        return False
    types = _selected_types(schema, [operation, *fragments.values()])
    return types <= PASSWORD_CHANGE_TYPES
