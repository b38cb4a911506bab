"""Errors the API reports, each with a stable ``extensions.code``.

Raised anywhere below the GraphQL layer; graphql-core keeps them as they are (they
are GraphQLErrors), so the message and code reach the client unchanged. Anything else
that escapes a resolver is masked as INTERNAL by ``aura.engine.errors``.
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


class TransactionAborted(ApiError):
    """An earlier statement of the request failed, so PostgreSQL refuses the rest.

    The field that failed first carries the cause; this one only says why a sibling
    could not run. Nothing of the request is committed.
    """

    code = "TRANSACTION_ABORTED"


class DatabaseUnavailable(ApiError):
    """The request's database connection died or could not be had: retry later.

    Answered over HTTP with status 503 and ``Retry-After``.
    """

    code = "DATABASE_UNAVAILABLE"


class ProviderError(ApiError):
    """An external AI provider (embeddings, chat completions) failed or is not configured.

    The message names the provider and what it answered; nothing the operation would
    have written is kept.
    """

    code = "PROVIDER_ERROR"


# Codes whose errors also carry ``extensions.requestId``: they point at something the
# server log describes (the cause of an abort, the lost connection, a server fault).
WITH_REQUEST_ID = frozenset({ApiError.code, TransactionAborted.code, DatabaseUnavailable.code})
