"""What the realtime layer needs from the application, as one typed interface.

The websocket handler and the hub receive a :class:`Gateway`, built by ``aura.app``
from its HTTP view and schema, and use nothing else from above: who a token names,
whether an operation may run (``aura.engine.admission``, the same path as HTTP), the
context of one operation, how to run an admitted query or mutation, and the schema and
executor arguments that subscription messages are rendered with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema
from strawberry.types import ExecutionResult

from aura.auth.principal import Principal
from aura.config import Settings
from aura.engine.admission import Admitted, Refused
from aura.engine.context import Context
from aura.engine.ratelimit import RateLimiter


@dataclass(frozen=True, slots=True)
class Gateway:
    settings: Settings
    graphql_schema: GraphQLSchema
    executor_kwargs: Mapping[str, Any]
    rate_limiter: RateLimiter
    # The principal an Authorization value names (None without one); raises
    # ``aura.auth.tokens.InvalidToken`` for a token that is not valid.
    authenticate: Callable[[str | None], Awaitable[Principal | None]]
    # Admission over a websocket: (query, operationName, variables, principal).
    admit: Callable[[str | None, str | None, Any, Principal | None], Admitted | Refused]
    # The context of one operation: (request, principal).
    context_for: Callable[[Any, Principal | None], Context]
    # Runs an admitted query or mutation: (admitted, context, variables).
    execute: Callable[[Admitted, Context, dict[str, Any]], Awaitable[ExecutionResult]]
