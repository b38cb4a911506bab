"""Errors the API reports, each with a stable ``extensions.code``.

Raised anywhere below the GraphQL layer; graphql-core keeps them as they are (they
are GraphQLErrors), so the message and code reach the client unchanged. Anything else
that escapes a resolver is masked as INTERNAL by ``aura.resolvers.errors``.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ApiError(GraphQLError):
    code = "INTERNAL"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": self.code, **extensions})


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class NotFound(ApiError):
    code = "NOT_FOUND"


class Conflict(ApiError):
    code = "CONFLICT"


class QueryTimeout(ApiError):
    """A statement ran past ``AURA_STATEMENT_TIMEOUT_MS`` and was cancelled."""

    code = "QUERY_TIMEOUT"
