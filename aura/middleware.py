"""HTTP middleware of the app: CORS and the request body size limit.

A websocket never passes through it (``AuraApp`` hands ``/graphql`` websockets straight
to their handler, which applies the same size to each message).
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aura.engine.errors import error_body

REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"

# Request headers a page of an allowed origin may send: the API's own, graphql-sse's
# stream token, and what tracing (W3C Trace Context, Sentry, baggage) and client
# libraries (Apollo's client awareness and CSRF-prevention headers) add to requests.
# Anything else fails its preflight.
CORS_ALLOW_HEADERS = (
    "authorization",
    "content-type",
    "accept",
    "x-graphql-event-stream-token",
    "traceparent",
    "tracestate",
    "baggage",
    "sentry-trace",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "x-request-id",
)
# Response headers such a page may read (others are hidden from it by the browser).
CORS_EXPOSE_HEADERS = ("x-request-id", "retry-after")
# PUT and DELETE: graphql-sse's single-connection mode (reserving, stopping).
CORS_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
CORS_MAX_AGE = 600  # seconds a browser may reuse a preflight's answer


def cors(origins: tuple[str, ...]) -> Middleware:
    """CORS for pages of ``origins`` (``AURA_CORS_ORIGINS``; ``*`` for any)."""
    return Middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=list(CORS_METHODS),
        allow_headers=list(CORS_ALLOW_HEADERS),
        expose_headers=list(CORS_EXPOSE_HEADERS),
        max_age=CORS_MAX_AGE,
    )


DRAIN_BYTES = 64 * 1024  # dropped after a streamed body went over the limit


class BodySizeLimit:
    """ASGI middleware: HTTP 413 ``REQUEST_TOO_LARGE`` for a body above ``max_bytes``.

    A declared ``Content-Length`` above the limit is refused before reading anything;
    otherwise the body is read as it streams in, at most ``max_bytes`` of it, and the
    request is refused as soon as one more byte arrives. A body within the limit is
    handed on whole to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        if headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"):
            await self._stream_upload(scope, receive, send, headers)
            return
        if not self.max_bytes:
            await self.app(scope, receive, send)
            return
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send, f"request body of {int(declared)} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                # Read (and drop) a little more, so that a body only slightly too large
                # ends before the answer and the client reads it rather than a reset.
                more, dropped = message.get("more_body", False), 0
                while more and dropped < DRAIN_BYTES:
                    message = await receive()
                    dropped += len(message.get("body", b""))
                    more = message["type"] == "http.request" and message.get("more_body", False)
                await self._refuse(send, "request body")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _stream_upload(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes]
    ) -> None:
        """A file upload is not buffered: the app parses it as it streams in (spooling
        files to disk), and it is refused once it passes ``max_upload_bytes``."""
        limit = self.max_upload_bytes
        declared = headers.get(b"content-length", b"").decode("latin-1").strip()
        if limit and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, f"upload of {int(declared)} bytes", limit)
            return
        size = 0
        started = False

        async def counted() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if limit and size > limit:
                raise UploadTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except UploadTooLarge:
            if not started:
                await self._refuse(send, "upload", limit)

    async def _refuse(self, send: Send, what: str, limit: int | None = None) -> None:
        limit = self.max_bytes if limit is None else limit
        body = error_body(REQUEST_TOO_LARGE, f"{what} exceeds the limit of {limit} bytes")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class UploadTooLarge(Exception):
    """Raised into the app reading an upload past its limit."""
