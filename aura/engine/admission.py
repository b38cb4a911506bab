"""Admission: the one place that decides whether an operation may run.

Every transport asks here before anything executes (so before any SQL): HTTP queries
and mutations (``aura.app``), websocket operations of both protocols and the
subscriptions the hub opens and resumes (``aura.realtime``), and Strawberry's own
``execute``/``stream`` entry points (``aura.engine.schema``). In order:

1. parse, with the token limit (``TOO_MANY_TOKENS``); a syntax error ends it here;
2. the operation to run (``operationName``) and whether this transport runs its kind
   (subscriptions are served over websockets and streamed HTTP responses, SSE and
   multipart: ``OPERATION_NOT_SUPPORTED`` over plain HTTP; a mutation over GET is
   refused);
3. depth and aliases, then graphql-core's validation, with the introspection policy
   (``NoSchemaIntrospectionCustomRule`` when ``AURA_INTROSPECTION`` is off);
4. cost (``QUERY_TOO_COSTLY``), on this request's page-size variables;
5. the access token's scopes (``FORBIDDEN`` with ``missingScopes``).

Steps 1 and 3 are done once per query text and cached (an LRU keyed by the text, so a
repeated query costs a dictionary lookup); the cost is cached per document on the
page-size variables' values and the scopes needed per operation, so the cached path is
a few dictionary lookups.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
    specified_rules,
    validate,
)

from aura.auth.principal import Principal
from aura.engine.body import BAD_REQUEST, OPERATION_NOT_SUPPORTED
from aura.engine.cost import cost_error, list_sizes, operation_cost, page_sizes, page_variables
from aura.engine.limits import Limits, check_shape, limit_error, parse_document
from aura.errors import BadUserInput

CACHE_SIZE = 1024
CACHEABLE_LENGTH = 64 * 1024  # characters of query text
MAX_COSTS_PER_DOCUMENT = 64  # page-size variable combinations remembered per document


class Prepared:
    """A query text parsed and validated once: its document, errors and costs so far."""

    __slots__ = ("costs", "document", "errors", "needs", "operations", "page_variables")

    def __init__(
        self,
        document: DocumentNode | None,
        errors: list[GraphQLError],
        page_variables: tuple[str, ...] = (),
    ) -> None:
        self.document = document
        self.errors = errors
        self.page_variables = page_variables
        # operation name -> its definition (None: no such operation)
        self.operations: dict[str | None, OperationDefinitionNode | None] = {}
        # (operation name, page sizes of the variables) -> cost
        self.costs: dict[tuple[str | None, tuple[int | None, ...]], int] = {}
        # operation name -> the (domain, write) accesses it needs (for scoped tokens);
        # filled by the scope check
        self.needs: dict[str | None, Any] = {}

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        """The operation ``operationName`` selects (the only one when it is None)."""
        try:
            return self.operations[name]
        except KeyError:
            pass
        found = None
        if self.document is not None:
            candidates = [
                d for d in self.document.definitions if isinstance(d, OperationDefinitionNode)
            ]
            if name is None:
                found = candidates[0] if len(candidates) == 1 else None
            else:
                found = next((d for d in candidates if d.name and d.name.value == name), None)
        if len(self.operations) < MAX_COSTS_PER_DOCUMENT:
            self.operations[name] = found
        return found


@dataclass(frozen=True, slots=True)
class Transport:
    """A way in, and the operation kinds it serves."""

    name: str
    operations: frozenset[OperationType]


HTTP_POST = Transport("POST", frozenset({OperationType.QUERY, OperationType.MUTATION}))
HTTP_GET = Transport("GET", frozenset({OperationType.QUERY}))
WEBSOCKET = Transport("websocket", frozenset(OperationType))
IN_PROCESS = Transport("in-process subscription", frozenset({OperationType.SUBSCRIPTION}))


class Reason(enum.Enum):
    """Why an operation was refused, for transports that answer some refusals in kind
    (HTTP: no query or no operation is a 400, a mutation over GET a 405)."""

    NO_QUERY = "no query"
    NO_OPERATION = "no operation"
    NOT_ALLOWED = "kind not allowed"
    INVALID = "invalid"  # syntax, limits, validation, cost, scopes: GraphQL errors


@dataclass(slots=True)  # not frozen: its __init__ is on the path of every request
class Admitted:
    """An operation that may run: its validated document and the operation in it."""

    query: str
    prepared: Prepared
    operation: OperationDefinitionNode
    operation_name: str | None

    @property
    def document(self) -> DocumentNode:
        document = self.prepared.document
        assert document is not None  # admitted documents parsed
        return document

    @property
    def kind(self) -> OperationType:
        return self.operation.operation


@dataclass(frozen=True, slots=True)
class Refused:
    """An operation that may not run, and the coded errors that say why."""

    errors: list[GraphQLError]
    reason: Reason = Reason.INVALID
    kind: OperationType | None = None  # the refused kind, for NOT_ALLOWED


ScopeCheck = Callable[[Prepared, OperationDefinitionNode, str | None, Any], list[GraphQLError]]

_PLURAL = {
    OperationType.QUERY: "queries",
    OperationType.MUTATION: "mutations",
    OperationType.SUBSCRIPTION: "subscriptions",
}


class Admission:
    """Admission for one schema: its validation rules, limits and caches."""

    def __init__(
        self,
        schema: GraphQLSchema,
        limits: Limits,
        scope_errors: ScopeCheck,
        *,
        introspection: bool = True,
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.list_sizes = list_sizes(schema)
        self._scope_errors = scope_errors
        rules = tuple(specified_rules)
        if not introspection:
            rules += (NoSchemaIntrospectionCustomRule,)
        self._rules = rules
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._prepare)
        # Trusted-documents mode (aura.engine.persisted): whether a query text may run.
        self.trusted: Callable[[str], bool] | None = None

    def _prepare(self, query: str) -> Prepared:
        try:
            document = parse_document(query, self.limits)
        except GraphQLError as error:
            return Prepared(None, [error])
        # Depth and aliases first: validation itself is costly on a document full of
        # aliases (overlapping fields), and a refused document needs no more.
        errors = check_shape(document, self.limits) or validate(self.schema, document, self._rules)
        return Prepared(document, errors, page_variables(document))

    def prepare(self, query: str) -> Prepared:
        """The query parsed and validated, from the cache when it has been before."""
        # A long text is not kept: 1024 of them would hold the memory of 1024 bodies.
        return self._cached(query) if len(query) <= CACHEABLE_LENGTH else self._prepare(query)

    def admit(
        self,
        query: str | None,
        operation_name: str | None,
        variables: Any,
        principal: Principal | None,
        transport: Transport,
    ) -> Admitted | Refused:
        """Whether the operation may run over ``transport`` for ``principal``."""
        if not query:
            return Refused([BadUserInput("no GraphQL query found")], Reason.NO_QUERY)
        if self.trusted is not None and not self.trusted(query):
            return Refused([_not_trusted()])
        prepared = self.prepare(query)
        if prepared.document is None:
            return Refused(prepared.errors)
        operation = prepared.operation(operation_name)
        if operation is None:
            return Refused([_no_operation(prepared.document, operation_name)], Reason.NO_OPERATION)
        kind = operation.operation
        if kind not in transport.operations:
            return Refused([_not_allowed(kind, transport)], Reason.NOT_ALLOWED, kind)
        errors = (
            prepared.errors
            or self.cost_errors(prepared, operation, operation_name, variables)
            or self._scope_errors(prepared, operation, operation_name, principal)
        )
        if errors:
            return Refused(list(errors))
        return Admitted(query, prepared, operation, operation_name)

    def cost_errors(
        self,
        prepared: Prepared,
        operation: OperationDefinitionNode,
        operation_name: str | None,
        variables: Any,
    ) -> list[GraphQLError]:
        """``QUERY_TOO_COSTLY`` when the operation costs too much (else none)."""
        document = prepared.document
        if document is None or not self.limits.max_cost:
            return []
        if not isinstance(variables, Mapping):
            variables = None
        sizes = page_sizes(operation, prepared.page_variables, variables, self.limits)
        key = (operation_name, sizes)
        cost = prepared.costs.get(key)
        if cost is None:
            cost = operation_cost(
                self.schema,
                document,
                operation,
                dict(zip(prepared.page_variables, sizes, strict=True)),
                self.limits,
                self.list_sizes,
            )
            if len(prepared.costs) < MAX_COSTS_PER_DOCUMENT:
                prepared.costs[key] = cost
        error = cost_error(cost, self.limits)
        return [error] if error else []


def _not_trusted() -> GraphQLError:
    return limit_error(
        "DOCUMENT_NOT_TRUSTED",
        "this server runs only registered documents (trusted-documents mode): register "
        "it with `aura documents register FILE`",
    )


def _no_operation(document: DocumentNode, name: str | None) -> GraphQLError:
    if name is not None:
        return BadUserInput(f'the document has no operation named "{name}"')
    if any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
        return BadUserInput("the document has several operations: name one in operationName")
    return BadUserInput("the document has no operation")


def _not_allowed(kind: OperationType, transport: Transport) -> GraphQLError:
    if kind is OperationType.SUBSCRIPTION:
        return limit_error(
            OPERATION_NOT_SUPPORTED,
            "subscriptions are served over the websocket at /graphql "
            "(graphql-transport-ws or graphql-ws), or streamed over HTTP when the request "
            'accepts a stream: "Accept: text/event-stream" (graphql-sse) or '
            '"Accept: multipart/mixed;subscriptionSpec="1.0"" (Apollo Client)',
        )
    plural = _PLURAL[kind]
    return limit_error(
        BAD_REQUEST,
        f"{plural} are not allowed when using {transport.name}: send {plural} with POST",
    )
