"""GraphQL over Server-Sent Events: the graphql-sse protocol, both of its modes.

*Distinct connections*: a GET or POST to ``/graphql`` with ``Accept: text/event-stream``
is one operation; the response streams ``event: next`` messages and one
``event: complete``, then ends.

*Single connection*: ``PUT /graphql`` reserves a stream and answers its token (201,
text/plain); ``GET`` with the token (header ``X-GraphQL-Event-Stream-Token`` or query
parameter ``token``) and ``Accept: text/event-stream`` opens it; each operation is a
POST with the token and ``extensions.operationId`` (202), its messages arrive on the
stream with their id; ``DELETE ?operationId=`` stops one (200). A reservation belongs
to the user whose Authorization made it: requests with the token and another user's
(or no) Authorization find no such stream. A reservation not connected within
``RESERVATION_SECONDS`` lapses, and one whose stream has closed is gone (the client
reserves another). Reservations live in the process that made them: behind a load
balancer, single-connection mode needs sticky sessions (distinct mode does not).

Either way the principal comes from the request's Authorization header and operations
pass the websocket's admission, rate limit and subscription machinery
(``aura.realtime.streaming``). A subscription that ends with an error (``
SUBSCRIBER_TOO_SLOW``, ``UNAUTHENTICATED`` after a revocation, ...) sends it as a
``next`` message carrying ``errors`` (with ``extensions.cursor`` to resume from), then
``complete``, as graphql-sse reports errors.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from graphql import GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import Response

from aura import errors
from aura.auth.principal import Principal
from aura.auth.tokens import InvalidToken
from aura.engine.admission import Refused
from aura.engine.body import BAD_REQUEST, BadRequest, decode_json, request_members
from aura.engine.errors import error_body
from aura.engine.ratelimit import RATE_LIMITED
from aura.realtime.gateway import Gateway
from aura.realtime.hub import Hub
from aura.realtime.streaming import Framing, Stream, rate_limited
from aura.realtime.subscription import Ended

EVENT_STREAM = "text/event-stream"
TOKEN_HEADER = "x-graphql-event-stream-token"
TOKEN_PARAMETER = "token"
RESERVATION_SECONDS = 30.0  # a reserved stream not opened by then lapses
MAX_RESERVATIONS = 10_000  # per process: reserving more is refused (503) until some close


def _event(kind: str, data: str | None) -> str:
    return f"event: {kind}\ndata: {data}\n\n" if data is not None else f"event: {kind}\ndata:\n\n"


def _errors_result(problems: list[dict[str, Any]]) -> str:
    return orjson.dumps({"errors": problems}).decode()


def _distinct_ended(operation_id: str, error: Ended | None) -> list[str]:
    texts = [] if error is None else [_event("next", _errors_result([error.formatted()]))]
    return [*texts, _event("complete", None)]


def _distinct_refused(operation_id: str, problems: list[dict[str, Any]]) -> list[str]:
    return [_event("next", _errors_result(problems)), _event("complete", None)]


def _with_id(operation_id: str, payload: str) -> str:
    return '{"id":' + orjson.dumps(operation_id).decode() + ',"payload":' + payload + "}"


def _single_ended(operation_id: str, error: Ended | None) -> list[str]:
    complete = _event("complete", orjson.dumps({"id": operation_id}).decode())
    if error is None:
        return [complete]
    return [_event("next", _with_id(operation_id, _errors_result([error.formatted()]))), complete]


def _single_refused(operation_id: str, problems: list[dict[str, Any]]) -> list[str]:
    complete = _event("complete", orjson.dumps({"id": operation_id}).decode())
    return [_event("next", _with_id(operation_id, _errors_result(problems))), complete]


# An empty comment first: some browsers only fire `open` once body bytes arrive.
DISTINCT = Framing(
    media_type="text/event-stream; charset=utf-8",
    opening=":\n\n",
    keepalive=":\n\n",
    closing="",
    frame=lambda operation_id, payload: _event("next", payload),
    ended=_distinct_ended,
    refused=_distinct_refused,
)
SINGLE = Framing(
    media_type="text/event-stream; charset=utf-8",
    opening=":\n\n",
    keepalive=":\n\n",
    closing="",
    frame=lambda operation_id, payload: _event("next", _with_id(operation_id, payload)),
    ended=_single_ended,
    refused=_single_refused,
)


_EVENT_STREAM = EVENT_STREAM.encode()
_TOKEN_HEADER = TOKEN_HEADER.encode()
_TOKEN_PARAMETER = TOKEN_PARAMETER.encode()


def is_sse(request: Request) -> bool:
    """Whether a request to ``/graphql`` speaks graphql-sse (else: plain GraphQL over HTTP).

    Asked of every request, so it reads the raw headers (names arrive lower-cased)."""
    if request.method in ("PUT", "DELETE"):
        return True
    for name, value in request.scope["headers"]:
        if name == _TOKEN_HEADER or (name == b"accept" and _EVENT_STREAM in value.lower()):
            return True
    query = request.scope.get("query_string", b"")
    return bool(query) and _TOKEN_PARAMETER in query and TOKEN_PARAMETER in request.query_params


class Reservation:
    """A stream reserved by PUT, for one user, opened by one GET at most."""

    __slots__ = ("opened", "owner", "stream", "timer", "token")

    def __init__(self, token: str, owner: str | None, stream: Stream) -> None:
        self.token = token
        self.owner = owner
        self.stream = stream
        self.opened = False
        self.timer: Any = None


def _refusal(status: int, code: str, message: str, **headers: str) -> Response:
    return Response(
        error_body(code, message),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


class ServerSentEvents:
    """The graphql-sse endpoint of one process, and its reservations."""

    def __init__(
        self,
        gateway: Gateway,
        hub: Hub,
        streams: set[Stream],
        resolve: Callable[[str | None, dict[str, Any] | None], Awaitable[str | None]] | None = None,
    ) -> None:
        # The query text of (query, extensions): a persisted query's hash resolved
        # (aura.engine.persisted); raises a coded GraphQLError when it cannot be.
        self.resolve = resolve
        self.gateway = gateway
        self.hub = hub
        self.streams = streams  # every open streamed response of the process
        self.reservations: dict[str, Reservation] = {}

    def close(self) -> None:
        """Shutting down: every reserved or open single-connection stream ends."""
        for reservation in list(self.reservations.values()):
            self._forget(reservation)

    async def __call__(self, request: Request, receive: Any, send: Any) -> Response | None:
        """Serves the request; returns a response to send when it did not stream one."""
        try:
            principal = await self.gateway.authenticate(request.headers.get("authorization"))
        except InvalidToken as exc:
            return _refusal(401, "UNAUTHENTICATED", f"invalid token: {exc}")
        except BadRequest as exc:
            return _refusal(exc.status_code, exc.code, exc.reason)
        token = request.headers.get(TOKEN_HEADER) or request.query_params.get(TOKEN_PARAMETER)
        accept = ",".join(request.headers.getlist("accept")).lower()
        owner = principal.user_id if principal else None
        if request.method == "PUT":
            # A reservation costs a token of the rate limit: they are bounded per user.
            limited = rate_limited(self.gateway, principal, request.scope.get("client"))
            if limited is not None:
                extensions = limited.extensions or {}
                return _refusal(
                    429,
                    RATE_LIMITED,
                    limited.message,
                    **{"retry-after": str(extensions.get("retryAfter", 1))},
                )
            return self._reserve(owner)
        reservation = self.reservations.get(token) if token else None
        if token and (reservation is None or reservation.owner != owner):
            return _refusal(404, "NOT_FOUND", "no such event stream: reserve one with PUT")
        try:
            if request.method == "DELETE":
                return self._stop(request, reservation)
            if reservation is None:
                return await self._distinct(request, receive, send, principal)
            if EVENT_STREAM in accept and request.method == "GET":
                return await self._open(reservation, receive, send)
            return await self._operation(request, reservation, principal)
        except BadRequest as exc:
            return _refusal(exc.status_code, exc.code, exc.reason, **exc.headers)

    # -- single connection mode ---------------------------------------------------------

    def _reserve(self, owner: str | None) -> Response:
        if len(self.reservations) >= MAX_RESERVATIONS:
            return _refusal(
                503,
                "SERVICE_UNAVAILABLE",
                "too many event streams reserved",
                **{"retry-after": "1"},
            )
        token = secrets.token_urlsafe(24)
        stream = Stream(SINGLE, self.gateway, self.hub, single=False, registry=self.streams)
        reservation = Reservation(token, owner, stream)
        self.reservations[token] = reservation

        def lapse() -> None:
            if not reservation.opened:
                self._forget(reservation)

        reservation.timer = asyncio.get_running_loop().call_later(RESERVATION_SECONDS, lapse)
        return Response(token, status_code=201, media_type="text/plain")

    def _forget(self, reservation: Reservation) -> None:
        if self.reservations.get(reservation.token) is reservation:
            del self.reservations[reservation.token]
        if reservation.timer is not None:
            reservation.timer.cancel()
        reservation.stream.close()

    async def _open(self, reservation: Reservation, receive: Any, send: Any) -> Response | None:
        if reservation.opened:
            return _refusal(409, "CONFLICT", "this event stream is already open")
        reservation.opened = True
        reservation.timer.cancel()
        stream = reservation.stream
        try:
            await stream.start(send)
            await stream.serve(receive)
        finally:
            self._forget(reservation)  # a closed stream is not reopened: reserve another
        return None

    def _stop(self, request: Request, reservation: Reservation | None) -> Response:
        if reservation is None:
            return _refusal(404, "NOT_FOUND", "no such event stream: reserve one with PUT")
        operation_id = request.query_params.get("operationId")
        if not operation_id:
            raise BadRequest("the operationId query parameter is missing")
        # graphql-sse confirms nothing on the stream: the client has stopped listening.
        reservation.stream.stop(operation_id)
        return Response(status_code=200)

    async def _operation(
        self, request: Request, reservation: Reservation, principal: Principal | None
    ) -> Response:
        if request.method not in ("GET", "POST"):
            return _refusal(
                405,
                BAD_REQUEST,
                f"{request.method} is not used here",
                allow="GET, POST, PUT, DELETE",
            )
        members = await _members(request)
        extensions = members["extensions"] or {}
        operation_id = extensions.get("operationId")
        if not isinstance(operation_id, str) or not operation_id:
            raise BadRequest("extensions.operationId is missing: the stream needs it")
        stream = reservation.stream
        if operation_id in stream.operations:
            return _refusal(409, "CONFLICT", f"operation {operation_id} already runs")
        await self._start(stream, request, members, principal, operation_id)
        return Response(status_code=202)

    # -- distinct connections mode ------------------------------------------------------

    async def _distinct(
        self, request: Request, receive: Any, send: Any, principal: Principal | None
    ) -> Response | None:
        if request.method not in ("GET", "POST"):
            return _refusal(
                404,
                "NOT_FOUND",
                "no event stream token: PUT reserves one, or send one "
                "operation with Accept: text/event-stream",
            )
        members = await _members(request)
        stream = Stream(DISTINCT, self.gateway, self.hub, single=True, registry=self.streams)
        await stream.start(send)
        await self._start(stream, request, members, principal, "")
        await stream.serve(receive)
        return None

    # -- both ---------------------------------------------------------------------------

    async def _start(
        self,
        stream: Stream,
        request: Request,
        members: Mapping[str, Any],
        principal: Principal | None,
        operation_id: str,
    ) -> None:
        """Admit the operation and start it on ``stream``; a refusal is streamed."""
        limited = rate_limited(self.gateway, principal, request.scope.get("client"))
        if limited is not None:
            stream.refuse(operation_id, [limited])
            return
        variables = members["variables"] or {}
        query = members["query"]
        if self.resolve is not None:
            try:
                query = await self.resolve(query, members["extensions"])
            except GraphQLError as exc:  # PersistedQueryNotFound, a hash mismatch, ...
                stream.refuse(operation_id, [exc])
                return
        admitted = self.gateway.admit(query, members["operationName"], variables, principal)
        if isinstance(admitted, Refused):
            stream.refuse(operation_id, admitted.errors)
            return
        if admitted.kind is OperationType.MUTATION and request.method == "GET":
            stream.refuse(
                operation_id,
                [errors.BadUserInput("mutations are not allowed over GET: send them with POST")],
            )
            return
        try:
            await stream.run(operation_id, admitted, variables, principal, request)
        except GraphQLError as exc:
            stream.refuse(operation_id, [exc])
        except Exception as exc:  # masked as INTERNAL, logged with its request id
            stream.refuse(operation_id, [GraphQLError(str(exc), original_error=exc)])


async def _members(request: Request) -> dict[str, Any]:
    """The GraphQL request a graphql-sse request carries (query string or JSON body)."""
    if request.method == "GET":
        data: dict[str, Any] = {
            name: values[-1] for name, values in parse_qs(request.url.query).items()
        }
        for name in ("variables", "extensions"):
            if data.get(name):
                data[name] = decode_json(data[name], f"the `{name}` parameter")
            else:
                data.pop(name, None)
    else:
        content_type = request.headers.get("content-type", "")
        if "application/json" not in content_type:
            raise BadRequest(
                f"unsupported content type {content_type or '(none)'!r}: send application/json",
                status_code=415,
            )
        data = decode_json(await request.body())
    members = request_members(data)
    if not members["query"] and not (members["extensions"] or {}).get("persistedQuery"):
        raise BadRequest("no GraphQL query found in the request")
    return members
