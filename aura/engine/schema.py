"""Aura's Strawberry schema class: admission before execution, the lean path, errors.

Queries and mutations take a lean path: the query text is parsed and validated once
(an LRU keyed by the text itself, so a repeated query costs one dictionary lookup),
then graphql-core executes it directly. Strawberry's extension pipeline does the same
work with per-request hook objects and re-hashes the whole document for its validation
cache; measured here, the lean path saves about a fifth of the CPU of a small query.
Subscriptions keep Strawberry's own path.

Both paths enforce the limits of ``aura.engine.limits`` before any resolver runs (so
before any SQL): tokens while parsing, depth and aliases right after, all three cached
with the parsed document; the cost, which depends on page-size variables, per execution
(cached per document on those variables' values). ``root_classes`` (domain -> root
class, per operation kind) tells the scope check which domain each root field is of.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Iterable, Mapping
from functools import lru_cache
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    NoSchemaIntrospectionCustomRule,
    get_operation_ast,
    specified_rules,
    validate,
)
from graphql import execute as graphql_execute
from strawberry.exceptions import MissingQueryError
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from aura.engine.errors import present
from aura.engine.limits import (
    Limits,
    check_shape,
    cost_error,
    list_sizes,
    operation_cost,
    page_sizes,
    page_variables,
    parse_document,
)
from aura.engine.scopes import Access, input_domains, operation_access, type_domains
from aura.errors import BadUserInput, Forbidden

log = logging.getLogger(__name__)

CACHE_SIZE = 1024
CACHEABLE_LENGTH = 64 * 1024  # characters of query text
MAX_COSTS_PER_DOCUMENT = 64  # page-size variable combinations remembered per document
DEFAULT_OPERATIONS = (OperationType.QUERY, OperationType.MUTATION)


class Prepared:
    """A query text parsed and validated once: its document, errors and costs so far."""

    __slots__ = ("costs", "document", "errors", "needs", "page_variables")

    def __init__(
        self,
        document: DocumentNode | None,
        errors: list[GraphQLError],
        page_variables: tuple[str, ...] = (),
    ) -> None:
        self.document = document
        self.errors = errors
        self.page_variables = page_variables
        # (operation name, page sizes of the variables) -> cost
        self.costs: dict[tuple[str | None, tuple[int | None, ...]], int] = {}
        # operation name -> the (domain, write) accesses it needs (for scoped tokens)
        self.needs: dict[str | None, Access] = {}


class AuraSchema(strawberry.Schema):
    """Error codes and masking on every result; a result with errors rolls back."""

    def __init__(
        self,
        *args: Any,
        introspection: bool = True,
        limits: Limits | None = None,
        root_classes: Mapping[str, Mapping[str, type]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits = limits or Limits()
        rules = tuple(specified_rules)
        if not introspection:
            rules += (NoSchemaIntrospectionCustomRule,)

        def prepare(query: str) -> Prepared:
            try:
                document = parse_document(query, limits)
            except GraphQLError as error:
                return Prepared(None, [error])
            # Depth and aliases first: validation itself is costly on a document full
            # of aliases (overlapping fields), and a refused document needs no more.
            errors = check_shape(document, limits) or validate(self._schema, document, rules)
            return Prepared(document, errors, page_variables(document))

        cached = lru_cache(maxsize=CACHE_SIZE)(prepare)

        def prepare_cached(query: str) -> Prepared:
            # A long text is not kept: 1024 of them would hold the memory of 1024 bodies.
            return cached(query) if len(query) <= CACHEABLE_LENGTH else prepare(query)

        self._prepare = prepare_cached
        self._list_sizes = list_sizes(self._schema)
        self._type_domains = type_domains(self._schema)
        self._input_domains = input_domains(self._schema)
        converter = self.config.name_converter
        self._root_domains = {
            kind: {
                converter.get_graphql_name(field): domain
                for domain, cls in classes.items()
                for field in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
            }
            for kind, classes in (root_classes or {}).items()
        }
        self._executor_kwargs = execution_context_class_kwargs(self.execution_context_class)

    def _cost_errors(
        self, prepared: Prepared, operation_name: str | None, variables: Any
    ) -> list[GraphQLError]:
        """``QUERY_TOO_COSTLY`` when the operation to run costs too much (else none)."""
        document = prepared.document
        if document is None or not self.limits.max_cost:
            return []
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return []  # graphql-core reports the missing operation
        if not isinstance(variables, Mapping):
            variables = None
        sizes = page_sizes(operation, prepared.page_variables, variables, self.limits)
        key = (operation_name, sizes)
        cost = prepared.costs.get(key)
        if cost is None:
            cost = operation_cost(
                self._schema,
                document,
                operation,
                dict(zip(prepared.page_variables, sizes, strict=True)),
                self.limits,
                self._list_sizes,
            )
            if len(prepared.costs) < MAX_COSTS_PER_DOCUMENT:
                prepared.costs[key] = cost
        error = cost_error(cost, self.limits)
        return [error] if error else []

    def admission_errors(
        self,
        prepared: Prepared,
        operation_name: str | None,
        variables: Any,
        principal: Any,
    ) -> list[GraphQLError]:
        """The limits and scope checks of ``execute``, for a principal rather than a
        context: the websocket handler runs them on every operation, subscriptions
        (and their replays) included, before starting it."""
        return self._cost_errors(prepared, operation_name, variables) or self.scope_errors(
            prepared, operation_name, principal
        )

    def _scope_errors(
        self, prepared: Prepared, operation_name: str | None, context: Any
    ) -> list[GraphQLError]:
        return self.scope_errors(prepared, operation_name, getattr(context, "principal", None))

    def scope_errors(
        self, prepared: Prepared, operation_name: str | None, principal: Any
    ) -> list[GraphQLError]:
        """``FORBIDDEN`` when the token lacks a scope the operation needs.

        ``BAD_USER_INPUT``, whoever asks, for a field that switches the principal
        (``refreshAccessToken``, ``register``) sent with other fields.
        """
        document = prepared.document
        if document is None:
            return []
        access = prepared.needs.get(operation_name)
        if access is None:
            operation = get_operation_ast(document, operation_name)
            if operation is None:
                return []
            access = operation_access(
                self._schema,
                document,
                operation,
                self._root_domains,
                self._type_domains,
                self._input_domains,
            )
            prepared.needs[operation_name] = access
        if access.refusal:
            return [BadUserInput(access.refusal)]
        if principal is None or principal.scopes is None or access.switches:
            return []
        missing = sorted(
            f"{domain or 'all'}:{'write' if write else 'read'}"
            for domain, write in access.needs
            if not principal.allows(domain, write=write)
        )
        if not missing:
            return []
        return [
            Forbidden(
                f"this access token lacks the scope for {', '.join(missing)} "
                f"(it has {', '.join(sorted(principal.scopes))})",
                missingScopes=missing,
            )
        ]

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if not query:
            raise MissingQueryError
        prepared = self._prepare(query)
        document, errors = prepared.document, prepared.errors
        if document is not None:
            try:
                operation_type = get_operation_type(document, operation_name)
            except RuntimeError as error:
                raise CannotGetOperationTypeError(operation_name) from error
            if operation_type not in (allowed_operation_types or DEFAULT_OPERATIONS):
                raise InvalidOperationTypeError(operation_type)
            if not errors:
                errors = self._cost_errors(prepared, operation_name, variable_values)
            if not errors:
                errors = self._scope_errors(prepared, operation_name, context_value)
        if document is None or errors:
            result = ExecutionResult(data=None, errors=list(errors))
        else:
            outcome = graphql_execute(
                self._schema,
                document,
                root_value=root_value,
                context_value=context_value,
                variable_values=variable_values,
                operation_name=operation_name,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                **self._executor_kwargs,
            )
            if optimized_is_awaitable(outcome):
                outcome = await outcome  # type: ignore[misc]
            result = ExecutionResult(data=outcome.data, errors=outcome.errors)  # type: ignore[union-attr]
        if result.errors:
            request_id = getattr(context_value, "request_id", "-")
            session = getattr(context_value, "session", None)
            if session is not None:
                session.rollback_only()
            result.errors = [present(e, request_id) for e in result.errors]
        return result

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        """Strawberry's path (websockets), behind the same limits as ``execute``.

        A document refused by a limit or by validation (with the rules of ``execute``,
        so also introspection when it is off) gets its errors at once; syntax errors
        are left to Strawberry, which closes a graphql-transport-ws socket on them.
        """
        if query:
            prepared = self._prepare(query)
            errors = [e for e in prepared.errors if not isinstance(e, GraphQLSyntaxError)]
            if not prepared.errors:
                errors = self._cost_errors(
                    prepared, operation_name, variable_values
                ) or self._scope_errors(prepared, operation_name, context_value)
            if errors:
                request_id = getattr(context_value, "request_id", "-")
                return _refused([present(e, request_id) for e in errors])
        return await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are the client's business; unexpected ones are logged by
        # ``present`` with the request id the client sees.
        return None


async def _refused(errors: list[GraphQLError]) -> AsyncGenerator[PreExecutionError, None]:
    yield PreExecutionError(data=None, errors=errors)
