"""GraphQL over websockets: graphql-transport-ws and the legacy graphql-ws protocol.

One handler speaks both; the protocol objects only differ in message names. The
principal comes from the ``connection_init`` payload (``Authorization``,
``authorization``, ``token``, or ``headers.Authorization``) or, failing that, from the
upgrade request's Authorization header. Queries and mutations run like HTTP requests,
one transaction per operation; subscriptions go to the hub. Every message to the client
goes through one outbox per connection, written by one task, so a slow client delays
nobody but itself; the outbox is bounded (``AURA_WS_OUTBOX_MAX_BYTES`` and
``_MESSAGES``): a client that stops reading is closed with 1008 rather than grow the
server. Frames larger than ``AURA_MAX_BODY_BYTES`` are refused by the server (1009, see
aura/cli.py), messages nested deeper than ``MAX_JSON_DEPTH`` are refused (an operation
with ``BAD_USER_INPUT``, any other message with 4400), operations count against the
rate limit (``RATE_LIMITED``) and pass the same scope check as over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import orjson
from graphql import GraphQLError, OperationType
from starlette.datastructures import Headers
from starlette.websockets import WebSocket, WebSocketDisconnect

from aura import errors
from aura.auth.principal import Principal
from aura.auth.tokens import InvalidToken
from aura.engine.admission import Admitted, Refused
from aura.engine.errors import present
from aura.engine.ratelimit import RATE_LIMITED, retry_after
from aura.metrics import WEBSOCKETS, outcome, record_operation
from aura.realtime.gateway import Gateway
from aura.realtime.hub import Hub
from aura.realtime.payloads import dumps, operation_payload
from aura.realtime.subscription import Ended, Outbox, Subscription
from aura.realtime.tasks import spawn, supervise

log = logging.getLogger(__name__)

TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"  # the per-connection limit of operations
TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
KEEPALIVE_SECONDS = 15.0
# Deeper JSON is refused before anything walks it: graphql-core coerces variables and
# orjson serialises them recursively (300 levels ended a connection with 1006).
MAX_JSON_DEPTH = 64
CLOSE_WAIT_SECONDS = 5.0  # how long a closing handler waits for its close frame to go


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON nests objects/arrays more than ``limit`` levels (iterative)."""
    level: list[Any] = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


class TransportProtocol:
    """graphql-transport-ws (the `graphql-ws` npm library)."""

    name = TRANSPORT_WS
    init, subscribe, stop, next = "connection_init", "subscribe", "complete", "next"

    @staticmethod
    def frame(operation_id: str, payload: str) -> str:
        return '{"id":' + dumps(operation_id) + ',"type":"next","payload":' + payload + "}"

    @staticmethod
    def ended(operation_id: str, error: Ended | None) -> list[str]:
        if error is None:
            return [dumps({"id": operation_id, "type": "complete"})]
        return [dumps({"id": operation_id, "type": "error", "payload": [error.formatted()]})]

    @staticmethod
    def refused(operation_id: str, formatted: list[dict[str, Any]]) -> list[str]:
        return [dumps({"id": operation_id, "type": "error", "payload": formatted})]


class LegacyProtocol:
    """The legacy graphql-ws protocol (subscriptions-transport-ws, Apollo's old client)."""

    name = LEGACY_WS
    init, subscribe, stop, next = "connection_init", "start", "stop", "data"

    @staticmethod
    def frame(operation_id: str, payload: str) -> str:
        return '{"id":' + dumps(operation_id) + ',"type":"data","payload":' + payload + "}"

    @staticmethod
    def ended(operation_id: str, error: Ended | None) -> list[str]:
        messages = []
        if error is not None:
            messages.append(
                dumps({"id": operation_id, "type": "error", "payload": error.formatted()})
            )
        messages.append(dumps({"id": operation_id, "type": "complete"}))
        return messages

    @staticmethod
    def refused(operation_id: str, formatted: list[dict[str, Any]]) -> list[str]:
        return [dumps({"id": operation_id, "type": "error", "payload": formatted[0]})]


PROTOCOLS: dict[str, type[TransportProtocol] | type[LegacyProtocol]] = {
    TRANSPORT_WS: TransportProtocol,
    LEGACY_WS: LegacyProtocol,
}


def origin_allowed(headers: Headers, allowed: tuple[str, ...]) -> bool:
    """Pages of other origins may not open a websocket unless listed; clients that send
    no Origin (not browsers) and the server's own pages may."""
    origin = headers.get("origin")
    if not origin:
        return True
    if origin in allowed or "*" in allowed:
        return True
    return urlsplit(origin).netloc == headers.get("host")


class Connection:
    """One websocket connection."""

    __slots__ = (
        "_asgi_send",
        "_closer",
        "_closing",
        "_open",
        "_receive",
        "_tasks",
        "_timers",
        "acknowledged",
        "gateway",
        "hub",
        "operations",
        "outbox",
        "principal",
        "protocol",
        "scope",
        "settings",
    )

    def __init__(self, scope: Any, receive: Any, send: Any, gateway: Gateway, hub: Hub) -> None:
        # Raw ASGI: the connection keeps no wrapper object alive for its lifetime.
        self.scope = scope
        self._receive = receive
        self._asgi_send = send
        self._open = False  # accepted and not yet closed by us
        self.gateway = gateway
        self.hub = hub
        self.settings = gateway.settings
        offered = scope.get("subprotocols") or []
        chosen = next((p for p in offered if p in PROTOCOLS), None)
        self.protocol: Any = PROTOCOLS.get(chosen) if chosen else None
        protocol = self.protocol or TransportProtocol
        self.principal: Principal | None = None
        self.acknowledged = False
        self.operations: dict[str, Subscription | asyncio.Task[Any]] = {}
        self.outbox = Outbox(
            self._send, protocol.frame, self._ended, hub.outbox_bound, self._overflowed
        )
        self._closing = False
        self._closer: asyncio.Task[None] | None = None  # a close started off the reader
        # Timer handles (init timeout, legacy keep-alive, token expiry): lighter than a
        # sleeping task per connection; a task is made only when one fires.
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] | None = None  # made when a timer fires

    async def _send(self, text: str) -> None:
        await self._asgi_send({"type": "websocket.send", "text": text})

    def headers(self) -> Headers:
        return Headers(scope=self.scope)

    def request(self) -> WebSocket:
        """The connection as Starlette sees it, for an operation's context (made then)."""
        return WebSocket(self.scope, self._receive, self._asgi_send)

    def _ended(self, operation_id: str, error: Ended | None) -> list[str]:
        self.operations.pop(operation_id, None)
        return self.protocol.ended(operation_id, error)

    def _later(self, name: str, delay: float, callback: Any) -> None:
        self._timers[name] = asyncio.get_running_loop().call_later(delay, callback)

    def _spawn(self, coroutine: Any) -> None:
        if self._tasks is None:
            self._tasks = set()
        spawn(coroutine, f"websocket task {coroutine.__qualname__}", self._tasks)

    def _overflowed(self, messages: int, characters: int) -> None:
        """The outbox passed its bound (it is closed, its frames dropped): close the
        socket. Started here, awaited by the reader: the close frame waits for the
        client to read, and nothing else will be queued meanwhile."""
        log.info(
            "closing a websocket whose client does not read (%s frames, %s characters queued)",
            messages,
            characters,
        )
        self._closing = True
        if self._closer is None:
            closing = self._send_close(1008, "Outbox full: the client is not reading")
            self._closer = supervise(asyncio.create_task(closing), "closing a websocket")

    async def serve(self) -> None:
        if not origin_allowed(self.headers(), self.settings.ws_origins):
            # Closed before accepted: the handshake gets 403.
            await self._asgi_send({"type": "websocket.close", "code": 1008, "reason": ""})
            return
        if self.protocol is None:
            await self._asgi_send({"type": "websocket.accept"})
            await self._asgi_send(
                {"type": "websocket.close", "code": 4406, "reason": "Subprotocol not acceptable"}
            )
            return
        await self._asgi_send({"type": "websocket.accept", "subprotocol": self.protocol.name})
        self._open = True
        WEBSOCKETS.inc()
        self._later("init", self.settings.ws_init_timeout, self._init_timed_out)
        try:
            while True:
                message = await self._receive()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None and message.get("bytes") is not None:
                    text = message["bytes"].decode("utf-8", "replace")
                if text is None:
                    continue
                await self._handle(text)
                if self._closing:
                    break
        except WebSocketDisconnect:
            pass
        finally:
            WEBSOCKETS.dec()
            for timer in self._timers.values():
                timer.cancel()
            for task in list(self._tasks or ()):
                if task is not asyncio.current_task():
                    task.cancel()
            self._stop_all()
            self.outbox.close()
            if self._closer is not None:
                with contextlib.suppress(Exception, TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self._closer), CLOSE_WAIT_SECONDS)

    async def close(self, code: int, reason: str) -> None:
        self._closing = True
        await self._flush()
        await self._send_close(code, reason)

    async def _send_close(self, code: int, reason: str) -> None:
        if self._open:
            self._open = False
            with contextlib.suppress(Exception):
                await self._asgi_send({"type": "websocket.close", "code": code, "reason": reason})
        self.outbox.close()  # nothing may be sent after the close frame

    async def _flush(self) -> None:
        """Let the writer send what is queued (errors before a close), for a second."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.outbox.flushed(), timeout=1.0)

    def _init_timed_out(self) -> None:
        if not self.acknowledged:
            self._spawn(self.close(4408, "Connection initialisation timeout"))

    # -- messages -----------------------------------------------------------------------

    async def _handle(self, text: str) -> None:
        try:
            message = orjson.loads(text)
            kind = message["type"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            await self.close(4400, "Invalid message")
            return
        if too_deep(message):
            await self._refuse_deep(message)
            return
        try:
            await self._dispatch(kind, message)
        except Exception:
            # A fault here is ours, not the client's: say so rather than drop the socket.
            log.exception("websocket message %r failed", kind)
            await self.close(1011, "Internal error")

    async def _refuse_deep(self, message: dict[str, Any]) -> None:
        operation_id = message.get("id")
        deep = f"the message nests deeper than {MAX_JSON_DEPTH} levels"
        if (
            message.get("type") == self.protocol.subscribe
            and self.acknowledged
            and isinstance(operation_id, str)
            and operation_id not in self.operations
        ):
            self._refuse(operation_id, [errors.BadUserInput(deep)])
        else:
            await self.close(4400, f"Invalid message: {deep}")

    async def _dispatch(self, kind: Any, message: dict[str, Any]) -> None:
        protocol = self.protocol
        if kind == protocol.init:
            await self._on_init(message.get("payload"))
        elif kind == "ping":
            self.outbox.text(dumps({"type": "pong", "payload": message.get("payload")}))
        elif kind == "pong":
            pass
        elif kind == protocol.subscribe:
            await self._on_subscribe(message)
        elif kind == protocol.stop:
            operation_id = str(message.get("id"))
            known = operation_id in self.operations
            self._stop(operation_id)
            if known and protocol is LegacyProtocol:
                # subscriptions-transport-ws confirms a stop; graphql-transport-ws does not.
                self.outbox.text(dumps({"id": operation_id, "type": "complete"}))
        elif kind == "connection_terminate" and protocol is LegacyProtocol:
            await self.close(1000, "Terminated")
        else:
            await self.close(4400, f"Unknown message type: {kind}")

    async def _on_init(self, payload: Any) -> None:
        if self.acknowledged:
            await self.close(4429, "Too many initialisation requests")
            return
        try:
            self.principal = await self.gateway.authenticate(_authorization(self, payload))
        except InvalidToken as exc:
            if self.protocol is LegacyProtocol:
                self.outbox.text(
                    dumps({"type": "connection_error", "payload": {"message": str(exc)}})
                )
            await self.close(4403, f"Forbidden: {exc}")
            return
        self.acknowledged = True
        self._timers.pop("init").cancel()
        self.outbox.text(dumps({"type": "connection_ack"}))
        if self.protocol is LegacyProtocol:
            self._keepalive()
        expires = self.principal.expires_at if self.principal else None
        if expires is not None:
            self._later(
                "expiry", max(0.0, expires - time.time()), lambda: self._spawn(self._expire())
            )

    def _keepalive(self) -> None:
        self.outbox.text('{"type":"ka"}')
        self._later("keepalive", KEEPALIVE_SECONDS, self._keepalive)

    async def _expire(self) -> None:
        """The token's end is the connection's: its subscriptions end, then the socket."""
        self.hub.expire([s for s in self.operations.values() if isinstance(s, Subscription)])
        await self._flush()
        await self.close(4403, "Forbidden: the token expired")

    async def _on_subscribe(self, message: dict[str, Any]) -> None:
        if not self.acknowledged:
            await self.close(4401, "Unauthorized")
            return
        operation_id = message.get("id")
        payload = message.get("payload")
        if not isinstance(operation_id, str) or not operation_id or not isinstance(payload, dict):
            await self.close(4400, "Invalid message")
            return
        if operation_id in self.operations:
            if self.protocol is TransportProtocol:
                await self.close(4409, f"Subscriber for {operation_id} already exists")
                return
            self._stop(operation_id)  # legacy clients restart an id
        limit = self.settings.ws_max_operations
        if limit and len(self.operations) >= limit:
            error = errors.ApiError(
                f"this connection already runs {limit} operations, the limit per connection"
            )
            error.extensions = {"code": TOO_MANY_OPERATIONS}
            self._refuse(operation_id, [error])
            return
        limited = self._rate_limited()
        if limited is not None:
            self._refuse(operation_id, [limited])
            return
        try:
            await self._start(operation_id, payload)
        except Exception as exc:
            # Masked as INTERNAL (and logged with the request id) by ``_refuse``.
            self._refuse(operation_id, [GraphQLError(str(exc), original_error=exc)])

    def _rate_limited(self) -> errors.ApiError | None:
        """``RATE_LIMITED`` when this user (anonymous: address) is over its rate; each
        operation takes one token of the bucket HTTP requests take from."""
        limit = self.settings.rate_limit_per_minute
        if not limit:
            return None
        if self.principal is not None:
            key = f"user:{self.principal.user_id}"
        else:
            client = self.scope.get("client")
            key = f"addr:{client[0] if client else '-'}"
        wait = self.gateway.rate_limiter.acquire(key)
        if not wait:
            return None
        return errors.ApiError(
            f"rate limit of {limit} operations per minute reached, retry in {retry_after(wait)} s",
            code=RATE_LIMITED,
            retryAfter=retry_after(wait),
        )

    async def _start(self, operation_id: str, payload: dict[str, Any]) -> None:
        query = payload.get("query")
        if not isinstance(query, str) or not query:
            self._refuse(operation_id, [errors.BadUserInput("the payload has no query")])
            return
        variables = payload.get("variables") or {}
        operation_name = payload.get("operationName")
        if not isinstance(variables, dict):
            self._refuse(operation_id, [errors.BadUserInput("variables must be an object")])
            return
        if operation_name is not None and not isinstance(operation_name, str):
            self._refuse(operation_id, [errors.BadUserInput("operationName must be a string")])
            return
        admitted = self.gateway.admit(query, operation_name, variables, self.principal)
        if isinstance(admitted, Refused):
            self._refuse(operation_id, admitted.errors)
        elif admitted.kind is OperationType.SUBSCRIPTION:
            await self._start_subscription(operation_id, admitted, variables)
        else:
            task = asyncio.create_task(self._execute(operation_id, admitted, variables))
            self.operations[operation_id] = supervise(task, "a websocket operation")

    def _refuse(self, operation_id: str, problems: list[GraphQLError]) -> None:
        request_id = uuid.uuid4().hex[:16]
        formatted = [present(e, request_id).formatted for e in problems]
        for text in self.protocol.refused(operation_id, formatted):
            self.outbox.text(text)

    async def _start_subscription(
        self, operation_id: str, admitted: Admitted, variables: dict[str, Any]
    ) -> None:
        # Messages of a connection are handled one at a time, so no other message for
        # this id can arrive while the subscription starts.
        try:
            subscription = await self.hub.open(
                admitted,
                operation_id=operation_id,
                variables=variables,
                principal=self.principal,
                sink=self.outbox,
            )
        except GraphQLError as exc:
            self._refuse(operation_id, [exc])
            return
        self.operations[operation_id] = subscription
        record_operation("websocket", "subscription", _name(admitted), "ok", 0.0, 0)

    async def _execute(
        self, operation_id: str, admitted: Admitted, variables: dict[str, Any]
    ) -> None:
        context = self.gateway.context_for(self.request(), self.principal)
        started = time.perf_counter()
        try:
            result = await self.gateway.execute(admitted, context, variables)
            payload = await operation_payload(context, result)
            record_operation(
                "websocket",
                admitted.kind.value,
                _name(admitted),
                outcome((e.get("extensions") or {}).get("code") for e in payload.get("errors", ())),
                time.perf_counter() - started,
                context.session.statements,
            )
        except Exception as exc:
            with contextlib.suppress(Exception):  # the connection may be what failed
                await context.session.close(commit=False)
            # The client is told (masked as INTERNAL, logged with its request id).
            self._refuse(operation_id, [GraphQLError(str(exc), original_error=exc)])
            return
        except BaseException:
            await context.session.close(commit=False)
            raise
        finally:
            self.operations.pop(operation_id, None)
        self.outbox.text(self.protocol.frame(operation_id, dumps(payload)))
        self.outbox.text(self.protocol.ended(operation_id, None)[-1])

    def _stop(self, operation_id: str) -> None:
        operation = self.operations.pop(operation_id, None)
        if isinstance(operation, Subscription):
            self.hub.close(operation)
        elif operation is not None:
            operation.cancel()

    def _stop_all(self) -> None:
        for operation_id in list(self.operations):
            self._stop(operation_id)


def _name(admitted: Admitted) -> str | None:
    name = admitted.operation.name
    return name.value if name else None


def _authorization(connection: Connection, payload: Any) -> str | None:
    if isinstance(payload, dict):
        headers = payload.get("headers")
        for source in (payload, headers if isinstance(headers, dict) else {}):
            for key in ("Authorization", "authorization"):
                value = source.get(key)
                if isinstance(value, str) and value:
                    return value
        token = payload.get("token") or payload.get("accessToken")
        if isinstance(token, str) and token:
            return token if token.lower().startswith("bearer ") else f"Bearer {token}"
    return connection.headers().get("authorization")


def serve_websocket(scope: Any, receive: Any, send: Any, gateway: Gateway, hub: Hub) -> Any:
    """The ``/graphql`` websocket endpoint: the coroutine that serves the connection.

    Returned rather than awaited here: a websocket lives for hours, and each extra
    suspended frame is kept that long on every connection.
    """
    return Connection(scope, receive, send, gateway, hub).serve()
