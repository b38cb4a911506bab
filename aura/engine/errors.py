"""Error codes for every error in a response; internal failures masked and logged."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from graphql import GraphQLError

from aura.errors import WITH_REQUEST_ID, ApiError

log = logging.getLogger("aura.errors")


# graphql-core's wording when a variable's value cannot be coerced to its type; other
# messages about variables ("is never used", "is not defined") are validation errors.
_COERCION = (
    "has invalid value",
    "has invalid default value",
    "got invalid value",
    "was not provided",
    "must not be null",
)


def _is_coercion_failure(message: str) -> bool:
    return message.startswith("Variable '$") and any(p in message for p in _COERCION)


def _code_for_request_error(error: GraphQLError) -> str:
    message = error.message
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if _is_coercion_failure(message):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def with_request_id(extensions: dict[str, Any] | None, request_id: str) -> dict[str, Any]:
    """The extensions, with ``requestId`` added when the code points at the server log."""
    extensions = dict(extensions or {})
    if extensions.get("code", "INTERNAL") in WITH_REQUEST_ID:
        extensions.setdefault("requestId", request_id)
    return extensions


def present(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error as the client may see it."""
    original = error.original_error
    if error.path is None and _is_coercion_failure(error.message):
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
            with_request_id(original.extensions, request_id),
        )
    if original is None:
        if error.extensions and "code" in error.extensions:
            if error.extensions["code"] in WITH_REQUEST_ID:
                error.extensions = with_request_id(error.extensions, request_id)
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


def error_body(code: str, message: str, **extensions: Any) -> bytes:
    return orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    )
