"""The Strawberry schema: root types composed once from the domains.

Extensions are passed as factories: Strawberry instantiates them per request, so no
state leaks between requests, while the caches they use are module-level LRUs shared
by all requests (parsing and validating a repeated query costs nothing).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, ParserCache, ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult

from aura.config import Settings
from aura.resolvers.accounts import AccountsMutation, AccountsQuery
from aura.resolvers.errors import present
from aura.resolvers.work import WorkMutation, WorkQuery

log = logging.getLogger(__name__)

Query = merge_types("Query", (AccountsQuery, WorkQuery))
Mutation = merge_types("Mutation", (AccountsMutation, WorkMutation))

CACHE_SIZE = 1024


class AuraSchema(strawberry.Schema):
    """Adds error codes and masking to every result; a result with errors rolls back."""

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = await super().execute(*args, **kwargs)
        if result.errors:
            context = kwargs.get("context_value")
            request_id = getattr(context, "request_id", "-")
            session = getattr(context, "session", None)
            if session is not None:
                session.rollback_only()
            result.errors = [present(e, request_id) for e in result.errors]
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are the client's business; unexpected ones are logged by
        # ``present`` with the request id the client sees.
        return None


def build_schema(settings: Settings) -> AuraSchema:
    extensions: list[Any] = [
        functools.partial(ParserCache, maxsize=CACHE_SIZE),
        functools.partial(ValidationCache, maxsize=CACHE_SIZE),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return AuraSchema(query=Query, mutation=Mutation, extensions=extensions)


def printed_schema() -> str:
    """The SDL clients code against; committed as ``schema.graphql``."""
    return build_schema(Settings()).as_str() + "\n"
