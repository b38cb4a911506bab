"""Aura's Strawberry schema class: admission before execution, the lean path, errors.

Every operation passes ``aura.engine.admission`` first (parse and validation cached by
query text, limits, cost, token scopes, the operation kinds of its transport). Queries
and mutations then take a lean path: graphql-core executes the validated document
directly (``run``). Strawberry's extension pipeline does the same work with per-request
hook objects and re-hashes the whole document for its validation cache; measured here,
the lean path saves about a fifth of the CPU of a small query. ``root_classes`` (domain
-> root class, per operation kind) tells the scope check which domain each root field
is of.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import Any

import graphql
import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
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

from aura.auth.principal import Principal
from aura.engine import compiler
from aura.engine.admission import Admission, Admitted, Prepared, Reason, Refused, Transport
from aura.engine.errors import present
from aura.engine.limits import Limits
from aura.engine.scopes import Access, input_domains, operation_access, type_domains
from aura.errors import BadUserInput, Forbidden

log = logging.getLogger(__name__)

DEFAULT_OPERATIONS = (OperationType.QUERY, OperationType.MUTATION)


class AuraSchema(strawberry.Schema):
    """Admission before execution, error codes and masking on every result; a result
    with errors rolls back."""

    def __init__(
        self,
        *args: Any,
        introspection: bool = True,
        limits: Limits | None = None,
        root_classes: Mapping[str, Mapping[str, type]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits or Limits()
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
        self.admission = Admission(
            self._schema, self.limits, self.scope_errors, introspection=introspection
        )
        # Set by ``aura.api.build_schema`` when queries may take the compiled path.
        self.compiler: compiler.Compiler | None = None

    @property
    def graphql_schema(self) -> GraphQLSchema:
        """The graphql-core schema Strawberry built (for execution and analysis)."""
        return self._schema

    @property
    def executor_kwargs(self) -> Mapping[str, Any]:
        """The executor arguments for graphql-core's ``execute`` on this schema."""
        return self._executor_kwargs

    def access(self, document: DocumentNode, operation: OperationDefinitionNode) -> Access:
        """What ``operation`` (with the document's fragments) needs of a token's scopes."""
        return operation_access(
            self._schema,
            document,
            operation,
            self._root_domains,
            self._type_domains,
            self._input_domains,
        )

    def root_domains(self, kind: str) -> dict[str, str]:
        """Root field name → its domain, for one operation kind (``query``, …)."""
        return dict(self._root_domains.get(kind, {}))

    def scope_errors(
        self,
        prepared: Prepared,
        operation: OperationDefinitionNode,
        operation_name: str | None,
        principal: Principal | None,
    ) -> list[GraphQLError]:
        """``FORBIDDEN`` when the token lacks a scope the operation needs.

        ``BAD_USER_INPUT``, whoever asks, for a field that switches the principal
        (``refreshAccessToken``, ``register``) sent with other fields. Part of admission
        (``aura.engine.admission``), which calls it.
        """
        document = prepared.document
        if document is None:
            return []
        access = prepared.needs.get(operation_name)
        if access is None:
            access = prepared.needs[operation_name] = self.access(document, operation)
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

    # -- running what admission let through ---------------------------------------------

    async def run(
        self,
        admitted: Admitted,
        context: Any,
        variables: dict[str, Any] | None = None,
        root_value: Any = None,
        *,
        compiled: bool = False,
    ) -> ExecutionResult:
        """Execute an admitted query or mutation (graphql-core directly: the lean path).

        With ``compiled`` (the HTTP view, whose orjson encoder splices pre-encoded JSON),
        a query the compiler handles runs as one SQL statement instead.
        """
        access = admitted.prepared.needs.get(admitted.operation_name)
        session = getattr(context, "session", None)
        if access is not None and session is not None:
            session.password_change = access.password_change
        if compiled:
            result = await self._compiled(admitted, context, variables)
            if result is not None:
                return result
        elif isinstance(getattr(context, "execution", False), str | None):
            context.execution = compiler.RESOLVED
            compiler.COUNTERS[compiler.RESOLVED] += 1
        outcome = graphql_execute(
            self._schema,
            admitted.document,
            root_value=root_value,
            context_value=context,
            variable_values=variables,
            operation_name=admitted.operation_name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            **self._executor_kwargs,
        )
        if optimized_is_awaitable(outcome):
            outcome = await outcome  # type: ignore[misc]
        result = ExecutionResult(data=outcome.data, errors=outcome.errors)  # type: ignore[union-attr]
        if result.errors:
            self._failed(result, context)
        return result

    async def _compiled(
        self, admitted: Admitted, context: Any, variables: dict[str, Any] | None
    ) -> ExecutionResult | None:
        """The compiled path's result, or None to resolve the operation instead."""
        engine = self.compiler
        session = getattr(context, "session", None)
        if (
            engine is None
            or session is None
            or getattr(context, "principal", None) is None  # the resolvers report it
            or admitted.operation.operation is not graphql.OperationType.QUERY
        ):
            compiler.COUNTERS[compiler.RESOLVED] += 1
            context.execution = compiler.RESOLVED
            return None
        try:
            data = await engine.run(admitted.document, admitted.operation, variables, session)
        except Exception as exc:  # the statement failed: the request's transaction is over
            if compiler.statement_fault(exc):
                # A statement the database refuses to plan is a compiler fault, not the
                # client's: it was the transaction's first statement, so the request starts
                # over in a new transaction and takes the resolved path.
                log.error("compiled statement failed; resolving instead", exc_info=exc)
                compiler.COUNTERS["fallback:statement fault"] += 1
                await context.restart_session()
                compiler.COUNTERS[compiler.RESOLVED] += 1
                context.execution = compiler.RESOLVED
                return None
            result = ExecutionResult(data=None, errors=[GraphQLError(str(exc), original_error=exc)])
            context.execution = compiler.COMPILED
            compiler.COUNTERS[compiler.COMPILED] += 1
            self._failed(result, context)
            return result
        path = compiler.RESOLVED if data is None else compiler.COMPILED
        compiler.COUNTERS[path] += 1
        context.execution = path
        return None if data is None else ExecutionResult(data=data, errors=None)  # type: ignore[arg-type]

    def refused(self, refusal: Refused, context: Any) -> ExecutionResult:
        """The result of a refused operation: its errors, no data, nothing committed."""
        result = ExecutionResult(data=None, errors=list(refusal.errors))
        self._failed(result, context)
        return result

    @staticmethod
    def _failed(result: ExecutionResult, context: Any) -> None:
        request_id = getattr(context, "request_id", "-")
        session = getattr(context, "session", None)
        if session is not None:
            session.rollback_only()
        result.errors = [present(e, request_id) for e in result.errors or ()]

    # -- Strawberry's entry points, behind the same admission ----------------------------

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
        """Strawberry's ``execute``, admitted like everything else (Aura's HTTP view
        calls ``admission.admit`` and ``run`` itself)."""
        transport = _transport(allowed_operation_types, DEFAULT_OPERATIONS)
        principal = getattr(context_value, "principal", None)
        outcome = self.admission.admit(query, operation_name, variable_values, principal, transport)
        if isinstance(outcome, Refused):
            if outcome.reason is Reason.NO_QUERY:
                raise MissingQueryError
            if outcome.reason is Reason.NO_OPERATION:
                raise CannotGetOperationTypeError(operation_name)
            if outcome.reason is Reason.NOT_ALLOWED and outcome.kind is not None:
                raise InvalidOperationTypeError(OperationType(outcome.kind.value))
            return self.refused(outcome, context_value)
        return await self.run(outcome, context_value, variable_values, root_value)

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
        """Strawberry's streaming path (in-process subscriptions), behind admission.

        A refused operation gets its errors at once; syntax errors and a missing
        operation are left to Strawberry, which reports them its own way.
        """
        transport = _transport(allowed_operation_types, tuple(OperationType))
        principal = getattr(context_value, "principal", None)
        outcome = self.admission.admit(query, operation_name, variable_values, principal, transport)
        if isinstance(outcome, Refused) and outcome.reason is not Reason.NO_OPERATION:
            errors = [e for e in outcome.errors if not isinstance(e, GraphQLSyntaxError)]
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


_TRANSPORTS: dict[frozenset[OperationType], Transport] = {}


def _transport(
    allowed: Iterable[OperationType] | None, default: Iterable[OperationType]
) -> Transport:
    """The transport Strawberry's ``allowed_operation_types`` describe."""
    kinds = frozenset(allowed or default)
    transport = _TRANSPORTS.get(kinds)
    if transport is None:
        operations = frozenset(graphql.OperationType(kind.value) for kind in kinds)
        transport = _TRANSPORTS[kinds] = Transport("HTTP", operations)
    return transport
