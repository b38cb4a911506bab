"""Error codes for every error in a response; internal failures masked and logged."""

from __future__ import annotations

import logging

from graphql import GraphQLError

from aura.errors import ApiError

log = logging.getLogger("aura.errors")


def _code_for_request_error(error: GraphQLError) -> str:
    message = error.message
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$") or "got invalid value" in message:
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def present(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error as the client may see it."""
    original = error.original_error
    if error.path is None and error.message.startswith("Variable '$"):
        # Variable coercion failed (a scalar or enum refused the value): the message
        # names the variable and the value, nothing internal.
        return GraphQLError(
            error.message,
            error.nodes,
            error.source,
            error.positions,
            None,
            None,
            {"code": "BAD_USER_INPUT"},
        )
    if isinstance(original, ApiError):
        # Resolvers raise ApiErrors; graphql-core wraps them with the path.
        return GraphQLError(
            original.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            original.extensions,
        )
    if original is None:
        if error.extensions and "code" in error.extensions:
            return error
        return GraphQLError(
            error.message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            {**(error.extensions or {}), "code": _code_for_request_error(error)},
        )
    log.error("internal error in request %s at %s", request_id, error.path, exc_info=original)
    return GraphQLError(
        "Internal server error",
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {"code": "INTERNAL", "requestId": request_id},
    )
