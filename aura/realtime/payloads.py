"""What every subscription transport sends: compact JSON text, and an operation's
payload once its transaction has ended (websocket, SSE and multipart alike)."""

from __future__ import annotations

from typing import Any

import orjson
from graphql import GraphQLError

from aura.engine.errors import present


def dumps(message: Any) -> str:
    """``message`` as compact JSON text."""
    return orjson.dumps(message).decode()


async def operation_payload(context: Any, result: Any) -> dict[str, Any]:
    """An operation's payload once its transaction has ended.

    A failed COMMIT replaces the data by its error (``DATABASE_UNAVAILABLE`` when the
    connection died), as over HTTP: what it would have shown was not saved.
    """
    try:
        await context.session.close(commit=not result.errors)
    except Exception as exc:
        error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc), original_error=exc)
        return {"data": None, "errors": [present(error, context.request_id).formatted]}
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [e.formatted for e in result.errors]
    return payload
