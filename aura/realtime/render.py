"""Rendering a change for a group of identical subscriptions, once.

Subscriptions with the same document, variables (apart from ``after``) and visibility
receive the same JSON for a change, so it is computed once per group and the text is
shared. Visibility is the principal when the selection reaches other rows (nested
fields are read under the subscriber's row-level security); a selection of the row's
own fields depends on nothing but the row, so its group is shared across principals and
each member's right to see the row is checked on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
import orjson
from graphql import (
    DocumentNode,
    GraphQLObjectType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from graphql import execute as graphql_execute
from strawberry.execution.is_awaitable import optimized_is_awaitable

from aura.db.stream import Filter
from aura.engine.errors import present


class Group:
    """Subscriptions rendered together."""

    __slots__ = ("document", "filter", "key", "members", "on_empty", "operation_name", "variables")

    def __init__(
        self,
        key: tuple[Any, ...],
        filter: Filter,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any],
        on_empty: Callable[[Group], None],
    ) -> None:
        self.key = key
        self.filter = filter
        self.document = document
        self.operation_name = operation_name
        self.variables = variables
        self.members: set[Any] = set()
        self.on_empty = on_empty

    def discard(self, subscription: Any) -> None:
        self.members.discard(subscription)
        subscription.group = None
        if not self.members:
            self.on_empty(self)


def reaches_other_rows(schema: GraphQLSchema, document: DocumentNode, own: set[str]) -> bool:
    """Whether the document selects object fields beyond the payload's own types."""
    type_info = TypeInfo(schema)
    found = False

    class Finder(Visitor):
        def enter_field(self, *_: Any) -> None:
            nonlocal found
            field = type_info.get_field_def()
            if field is None:
                return
            named = get_named_type(field.type)
            if isinstance(named, GraphQLObjectType) and named.name not in own:
                found = True

    visit(document, TypeInfoVisitor(type_info, Finder()))
    return found


# A connection killed or broken under a rendering: worth another attempt.
TRANSIENT = (OSError, asyncpg.InterfaceError, asyncpg.InternalClientError)
TRANSIENT_POSTGRES = (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError)


def _lost_connection(error: BaseException | None) -> BaseException | None:
    """The lost-connection error behind a field error (through translations), if any."""
    seen = 0
    while error is not None and seen < 8:
        if isinstance(error, TRANSIENT + TRANSIENT_POSTGRES):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


async def render(
    schema: GraphQLSchema,
    executor_kwargs: Mapping[str, Any],
    group: Group,
    envelope: Any,
    context: Any,
) -> str:
    """The ``{"data": …}`` payload of one change for one group, as JSON text."""
    outcome: Any = graphql_execute(
        schema,
        group.document,
        root_value=envelope,
        context_value=context,
        variable_values=group.variables,
        operation_name=group.operation_name,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
        **executor_kwargs,
    )
    if optimized_is_awaitable(outcome):
        outcome = await outcome
    for error in outcome.errors or ():
        lost = _lost_connection(error.original_error)
        if lost is not None:
            raise lost  # not the change's fault: the caller renders it again
    payload: dict[str, Any] = {"data": outcome.data}
    if outcome.errors:
        request_id = getattr(context, "request_id", "-")
        payload["errors"] = [present(e, request_id).formatted for e in outcome.errors]
    return orjson.dumps(payload).decode()
