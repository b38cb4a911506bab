"""Operations streamed over one HTTP response: what SSE and multipart share.

A :class:`Stream` is one open response (``text/event-stream`` or ``multipart/mixed``)
and the operations it carries. It gives subscriptions the same machinery as a
websocket: the hub opens them with the stream's :class:`Outbox` as their sink, so they
get the same order, replay after ``after``, bounded backlog (``SUBSCRIBER_TOO_SLOW``)
and ends on revocation or expiry; only the framing (:class:`Framing`) differs. The
principal comes from the request's own headers, and every operation passes the same
admission (``Gateway.admit``) and rate limit as over a websocket.

The response ends when its last operation has ended (one-operation streams: graphql-sse's
distinct connections and multipart) or when the client goes away; either way every
subscription is closed in the hub and every timer cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, OperationType

from aura import errors
from aura.auth.principal import Principal
from aura.engine.admission import Admitted
from aura.engine.errors import present
from aura.engine.ratelimit import RATE_LIMITED, retry_after
from aura.realtime.gateway import Gateway
from aura.realtime.hub import Hub
from aura.realtime.payloads import dumps, operation_payload
from aura.realtime.subscription import Ended, Outbox, Subscription
from aura.realtime.tasks import DISCONNECTED, spawn

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 12.0  # below the idle timeouts of common proxies (often 30-60 s)


@dataclass(frozen=True, slots=True)
class Framing:
    """How one transport writes its messages into the response body."""

    media_type: str  # the response's Content-Type
    opening: str  # written first, right after the headers
    keepalive: str  # written when nothing else was for KEEPALIVE_SECONDS
    closing: str  # written last, when the stream ends by itself
    # (operation id, an execution result as JSON) -> the text of one message
    frame: Callable[[str, str], str]
    # (operation id, the error that ends it or None) -> the texts that end it
    ended: Callable[[str, Ended | None], list[str]]
    # (operation id, formatted errors) -> the texts that refuse it once streaming
    refused: Callable[[str, list[dict[str, Any]]], list[str]]


def formatted(problems: list[GraphQLError]) -> list[dict[str, Any]]:
    """Coded errors as the client receives them (INTERNAL masked, with a request id)."""
    request_id = uuid.uuid4().hex[:16]
    return [dict(present(e, request_id).formatted) for e in problems]


def rate_limited(gateway: Gateway, principal: Principal | None, client: Any) -> GraphQLError | None:
    """``RATE_LIMITED`` when this user (anonymous: address) is over its rate: a streamed
    operation takes a token from the bucket HTTP requests and websocket operations use."""
    limit = gateway.settings.rate_limit_per_minute
    if not limit:
        return None
    if principal is not None:
        key = f"user:{principal.user_id}"
    else:
        key = f"addr:{client[0] if client else '-'}"
    wait = gateway.rate_limiter.acquire(key)
    if not wait:
        return None
    return errors.ApiError(
        f"rate limit of {limit} operations per minute reached, retry in {retry_after(wait)} s",
        code=RATE_LIMITED,
        retryAfter=retry_after(wait),
    )


class Stream:
    """One streamed response and the operations it carries."""

    def __init__(
        self,
        framing: Framing,
        gateway: Gateway,
        hub: Hub,
        *,
        single: bool,
        registry: set[Stream] | None = None,
    ) -> None:
        self._asgi_send: Any = None  # the response's ASGI send, from start()
        self.registry = registry  # the open streams of the process (to end at shutdown)
        self.framing = framing
        self.gateway = gateway
        self.hub = hub
        self.single = single  # one operation: the response ends with it
        self.operations: dict[str, Subscription | asyncio.Task[Any]] = {}
        self.outbox = Outbox(
            self._send, framing.frame, self._ended, hub.outbox_bound, self._overflowed
        )
        self.attached = asyncio.Event()  # the response has started: writes may go out
        self.finished = asyncio.Event()  # nothing more will be written
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_write = time.monotonic()

    # -- the response -------------------------------------------------------------------

    async def start(self, send: Any, headers: dict[str, str] | None = None) -> None:
        """The response's head and opening; queued messages go out from here on (a
        stream may be made, and take messages, before its response exists)."""
        self._asgi_send = send
        raw = [
            (b"content-type", self.framing.media_type.encode()),
            (b"cache-control", b"no-cache"),
            (b"x-accel-buffering", b"no"),  # nginx: pass each message on at once
            *((k.encode(), v.encode()) for k, v in (headers or {}).items()),
        ]
        await self._asgi_send({"type": "http.response.start", "status": 200, "headers": raw})
        await self._body(self.framing.opening)
        self.attached.set()
        self._schedule_keepalive()

    async def _body(self, text: str, more: bool = True) -> None:
        self._last_write = time.monotonic()
        await self._asgi_send(
            {"type": "http.response.body", "body": text.encode(), "more_body": more}
        )

    async def _send(self, text: str) -> None:
        await self.attached.wait()  # single-connection mode: results wait for the stream
        await self._body(text)

    def _schedule_keepalive(self) -> None:
        def tick() -> None:
            if self.finished.is_set():
                return
            if time.monotonic() - self._last_write >= KEEPALIVE_SECONDS / 2:
                self.outbox.text(self.framing.keepalive)
            self._schedule_keepalive()

        self._later("keepalive", KEEPALIVE_SECONDS, tick)

    def _later(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        self._timers[name] = asyncio.get_running_loop().call_later(delay, callback)

    def _overflowed(self, messages: int, characters: int) -> None:
        log.info(
            "ending a streamed response whose client does not read "
            "(%s messages, %s characters queued)",
            messages,
            characters,
        )
        self.finished.set()

    async def serve(self, receive: Any) -> None:
        """Until the stream is finished or the client goes away; then close everything.

        Ending by itself, the response gets its closing text once everything queued was
        sent; a client that went away gets nothing more.
        """
        if self.registry is not None:
            self.registry.add(self)
        watcher = asyncio.ensure_future(_disconnected(receive))
        finished = asyncio.ensure_future(self.finished.wait())
        try:
            await asyncio.wait({watcher, finished}, return_when=asyncio.FIRST_COMPLETED)
            if not watcher.done():
                closing = ""
                if not self.outbox.closed:  # not overflowed: what is queued still goes
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.outbox.flushed(), timeout=5.0)
                    closing = self.framing.closing
                with contextlib.suppress(*DISCONNECTED):
                    await self._body(closing, more=False)
        finally:
            watcher.cancel()
            finished.cancel()
            if watcher.done() and not watcher.cancelled() and watcher.exception() is not None:
                # A failing receive means the client is gone; say so rather than leave
                # the exception unretrieved.
                log.info("a streamed response's client went away: %r", watcher.exception())
            self.close()

    def shutdown(self) -> None:
        """The server is stopping: each subscription ends with ``SHUTTING_DOWN`` (and its
        cursor, to resume elsewhere), then the response ends."""
        for operation in list(self.operations.values()):
            if isinstance(operation, Subscription):
                operation.end(
                    Ended(
                        "SHUTTING_DOWN",
                        "the server is shutting down: resume with `after` set to extensions.cursor",
                    )
                )
        if not self.single or not self.operations:
            asyncio.get_running_loop().call_soon(self.finished.set)

    def close(self) -> None:
        if self.registry is not None:
            self.registry.discard(self)
        self.finished.set()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        for operation_id in list(self.operations):
            self.stop(operation_id)
        self.outbox.close()

    # -- operations ---------------------------------------------------------------------

    def _ended(self, operation_id: str, error: Ended | None) -> list[str]:
        """A subscription's end reached the writer: its last messages, then maybe the
        response's end."""
        self.operations.pop(operation_id, None)
        self._operation_over(operation_id)
        return self.framing.ended(operation_id, error)

    def _operation_over(self, operation_id: str) -> None:
        self._timers.pop(f"expiry:{operation_id}", _NO_TIMER).cancel()
        if self.single and not self.operations:
            # Set once the end's texts are queued: serve() waits for them to go out.
            asyncio.get_running_loop().call_soon(self.finished.set)

    def refuse(self, operation_id: str, problems: list[GraphQLError]) -> None:
        for text in self.framing.refused(operation_id, formatted(problems)):
            self.outbox.text(text)
        self._operation_over(operation_id)

    async def run(
        self,
        operation_id: str,
        admitted: Admitted,
        variables: dict[str, Any],
        principal: Principal | None,
        request: Any,
    ) -> None:
        """Start an admitted operation: a subscription in the hub, anything else as a
        task whose one result is streamed. Raises GraphQLError when it cannot start."""
        if admitted.kind is OperationType.SUBSCRIPTION:
            subscription = await self.hub.open(
                admitted,
                operation_id=operation_id,
                variables=variables,
                principal=principal,
                sink=self.outbox,
            )
            self.operations[operation_id] = subscription
            expires = principal.expires_at if principal else None
            if expires is not None:
                # The token's end is the subscription's (UNAUTHENTICATED, with its cursor).
                self._later(
                    f"expiry:{operation_id}",
                    max(0.0, expires - time.time()),
                    lambda: self.hub.expire([subscription]),
                )
            return
        task = spawn(
            self._execute(operation_id, admitted, variables, principal, request),
            "a streamed operation",
            self._tasks,
        )
        self.operations[operation_id] = task

    async def _execute(
        self,
        operation_id: str,
        admitted: Admitted,
        variables: dict[str, Any],
        principal: Principal | None,
        request: Any,
    ) -> None:
        context = self.gateway.context_for(request, principal)
        try:
            result = await self.gateway.execute(admitted, context, variables)
            payload = await operation_payload(context, result)
        except Exception as exc:
            with contextlib.suppress(Exception):
                await context.session.close(commit=False)
            self.operations.pop(operation_id, None)
            self.refuse(operation_id, [GraphQLError(str(exc), original_error=exc)])
            return
        except BaseException:
            await context.session.close(commit=False)
            raise
        self.operations.pop(operation_id, None)
        self.outbox.text(self.framing.frame(operation_id, dumps(payload)))
        for text in self.framing.ended(operation_id, None):
            self.outbox.text(text)
        self._operation_over(operation_id)

    def stop(self, operation_id: str) -> bool:
        """The client stopped an operation: nothing more is sent for it."""
        operation = self.operations.pop(operation_id, None)
        self._timers.pop(f"expiry:{operation_id}", _NO_TIMER).cancel()
        if isinstance(operation, Subscription):
            self.hub.close(operation)
        elif operation is not None:
            operation.cancel()
        return operation is not None


class _NoTimer:
    def cancel(self) -> None:
        pass


_NO_TIMER: Any = _NoTimer()


async def _disconnected(receive: Any) -> None:
    """Returns once the client has gone away (the body, if any, was read before)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
