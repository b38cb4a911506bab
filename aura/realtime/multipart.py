"""Subscriptions over multipart HTTP: Apollo's ``subscriptionSpec=1.0``.

A POST (or GET) to ``/graphql`` with ``Accept: multipart/mixed;subscriptionSpec="1.0"``
(what Apollo Client's HttpLink sends for a subscription) whose operation is a
subscription is answered with ``multipart/mixed;boundary="graphql";subscriptionSpec=
"1.0"``: one part per message, ``{"payload": <execution result>}``, an empty ``{}`` part
as a heartbeat, and the closing boundary when it ends. An end with an error
(``SUBSCRIBER_TOO_SLOW``, ``UNAUTHENTICATED`` after a revocation, ...) is a last part
``{"payload": null, "errors": [...]}`` (a transport error in the spec's terms, which
Apollo Client raises), with ``extensions.cursor`` to resume from. Queries and mutations
sent with that Accept header are ordinary requests (the view answers them).

Each part is sent with the boundary that follows it, so a client's parser (which
yields a part when it sees the next boundary) hands it on at once.
"""

from __future__ import annotations

from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response

from aura.auth.principal import Principal
from aura.engine.admission import Admitted
from aura.realtime.gateway import Gateway
from aura.realtime.hub import Hub
from aura.realtime.streaming import Framing, Stream, formatted, rate_limited
from aura.realtime.subscription import Ended

BOUNDARY = "graphql"
MEDIA_TYPE = f'multipart/mixed;boundary="{BOUNDARY}";subscriptionSpec="1.0"'
_PART = "\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
_NEXT = f"\r\n--{BOUNDARY}"


def _part(json_text: str) -> str:
    return _PART + json_text + _NEXT


def _fatal(problems: list[dict[str, Any]]) -> str:
    return _part(orjson.dumps({"payload": None, "errors": problems}).decode())


def _ended(operation_id: str, error: Ended | None) -> list[str]:
    return [] if error is None else [_fatal([error.formatted()])]


FRAMING = Framing(
    media_type=MEDIA_TYPE,
    opening=_NEXT,
    keepalive=_part("{}"),
    closing="--\r\n",
    frame=lambda operation_id, payload: _part('{"payload":' + payload + "}"),
    ended=_ended,
    refused=lambda operation_id, problems: [_fatal(problems)],
)


def wants_multipart_subscription(request: Request) -> bool:
    """Whether the client accepts subscriptions as multipart (Apollo's HttpLink)."""
    accepted = [v for k, v in request.scope["headers"] if k == b"accept"]
    if not any(b"multipart/mixed" in v.lower() for v in accepted):
        return False  # every request is asked: the common answer first, cheaply
    for item in ",".join(request.headers.getlist("accept")).split(","):
        media, *parameters = (part.strip() for part in item.split(";"))
        if media.lower() == "multipart/mixed" and any(
            p.replace(" ", "").lower().startswith("subscriptionspec=") for p in parameters
        ):
            return True
    return False


async def serve_multipart(
    request: Request,
    receive: Any,
    send: Any,
    gateway: Gateway,
    hub: Hub,
    admitted: Admitted,
    variables: dict[str, Any],
    principal: Principal | None,
    streams: set[Stream],
) -> Response | None:
    """Stream an admitted subscription until it ends or the client goes away.

    What keeps it from starting (no user, another tenant's task, the rate limit) is a
    JSON error response, before any part: Apollo Client raises it as it would any.
    """
    limited = rate_limited(gateway, principal, request.scope.get("client"))
    stream = Stream(FRAMING, gateway, hub, single=True, registry=streams)
    problem: GraphQLError | None = limited
    if problem is None:
        try:
            await stream.run("", admitted, variables, principal, request)
        except GraphQLError as exc:
            problem = exc
        except Exception as exc:  # masked as INTERNAL, logged with its request id
            problem = GraphQLError(str(exc), original_error=exc)
    if problem is not None:
        stream.close()
        status = 429 if limited is not None else 200
        body = orjson.dumps({"data": None, "errors": formatted([problem])})
        return Response(body, status_code=status, media_type="application/json")
    await stream.start(send)
    await stream.serve(receive)
    return None
