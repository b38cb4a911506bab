"""The Starlette application: ``/graphql`` (HTTP and websocket), health, and the IDE."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError, OperationType
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.types import QueryParams
from strawberry.types import ExecutionResult

from aura import errors, tracing
from aura.api import AuraSchema, build_schema
from aura.auth import opaque
from aura.auth.keyring import KeyRing
from aura.auth.oidc import ExternalTokens
from aura.auth.principal import Principal
from aura.auth.tokens import InvalidToken, bearer, signing_secret, verify
from aura.config import Settings
from aura.db import migrate
from aura.db.database import embedded_server, resolve_dsn
from aura.db.embeddings import EmbeddingDimensionMismatch, check_embedding_dimension
from aura.db.errors import LOST, unavailable
from aura.db.jobs import Worker
from aura.db.pool import create_pool
from aura.db.providers import close_providers
from aura.db.seed import demo_wanted
from aura.db.session import Session
from aura.engine.admission import HTTP_GET, HTTP_POST, WEBSOCKET, Reason, Refused, Transport
from aura.engine.body import (
    BAD_REQUEST,
    BadRequest,
    decode_json,
    media_type,
    request_batch,
    request_members,
)
from aura.engine.context import Context
from aura.engine.errors import error_body, present, with_request_id
from aura.engine.persisted import PersistedQueries, PersistedQueryError
from aura.engine.ratelimit import RATE_LIMITED, RateLimiter, SignInGuard, retry_after
from aura.errors import DatabaseUnavailable
from aura.ide import demo_users, ide_page, ide_routes
from aura.logging_setup import request_id as current_request_id
from aura.metrics import outcome as outcome_label
from aura.metrics import record_operation
from aura.middleware import BodySizeLimit, UploadTooLarge, cors
from aura.observe import RequestObserver, health, metrics_endpoint, ready
from aura.realtime.gateway import Gateway
from aura.realtime.hub import Hub
from aura.realtime.multipart import serve_multipart, wants_multipart_subscription
from aura.realtime.sse import ServerSentEvents, is_sse
from aura.realtime.streaming import Stream
from aura.realtime.tasks import supervise
from aura.realtime.websocket import serve_websocket
from aura.runtime import tune_garbage_collector

log = logging.getLogger(__name__)

SUBSCRIPTION = OperationType.SUBSCRIPTION
# GET when queries over GET are turned off: nothing runs.
_GET_NOTHING = Transport("GET", frozenset())

_NOT_STREAMED: Any = object()  # a request the streamed transports leave to the view

# Codes of HTTP-level refusals raised by Strawberry (those raised here carry their own).
_HTTP_CODES = {404: "NOT_FOUND"}


# The operation type of a request refused before its operation was known.
_REFUSED_KIND = "unknown"


# Seconds a client should wait before retrying a request the database could not serve.
DATABASE_RETRY_AFTER = "1"


class GraphQLView(GraphQL):
    """Strawberry's ASGI view with Aura's context, transactions and orjson.

    Follows GraphQL over HTTP (checked by tests/test_http_compliance.py): a client that
    accepts ``application/graphql-response+json`` gets that media type, and a request
    error (the document does not parse or validate, or the variables do not coerce)
    comes back as 400 without a ``data`` entry. ``application/json`` clients keep the
    legacy behaviour: always 200 with ``data``.
    """

    GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
    schema: AuraSchema

    def __init__(self, schema: AuraSchema, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql else None,
        )
        self.settings = settings
        self.state: Any = None  # the app's state, holding the pool once started
        self.hub: Hub | None = None  # the realtime hub once started
        self.sse: ServerSentEvents | None = None  # graphql-sse, once the hub runs
        self.gateway: Gateway | None = None  # what the streamed transports use
        self.streams: set[Stream] = set()  # open SSE and multipart responses
        self.secret = signing_secret(settings)
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
        self.opaque_tokens = opaque.TokenCache()
        # Tokens of the external identity provider, when one is configured (AURA_OIDC_*).
        self.external = ExternalTokens(settings) if settings.oidc_issuer else None
        self.sign_in = SignInGuard.from_settings(settings)
        self.persisted = PersistedQueries(
            settings.apq_cache_size, trusted=settings.trusted_documents
        )
        if settings.trusted_documents:
            schema.admission.trusted = self.persisted.allows  # every transport, not only HTTP

    async def render_graphql_ide(self, request: Request) -> Response:
        # Development only: the page offers the demo users, with tokens for them.
        if self.settings.production or self.state is None:
            return ide_page()
        return ide_page(demo_users=await demo_users(self.state.pool, self.secret))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    # -- reading the request (aura.engine.body): malformed is a coded 400 -------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.streamed(request, receive, send)
            if response is _NOT_STREAMED:
                response = await self.run(request)
        except HTTPException as error:  # Strawberry's plain-text refusals, and ours
            response = self.refusal(request, error)
        if response is not None:
            await response(scope, receive, send)

    def end_streams(self) -> None:
        """Shutting down: every SSE and multipart response ends (``SHUTTING_DOWN``), so
        the server need not wait for them (``aura serve`` calls it as shutdown starts)."""
        for stream in list(self.streams):
            stream.shutdown()

    async def streamed(self, request: Request, receive: Receive, send: Send) -> Any:
        """graphql-sse, or a subscription over multipart: served here (a response to
        send, or None once streamed); anything else is ``_NOT_STREAMED``."""
        if self.sse is not None and is_sse(request):
            return await self.sse(request, receive, send)
        if self.hub is None or self.gateway is None or not wants_multipart_subscription(request):
            return _NOT_STREAMED
        if request.method == "GET":
            members = request_members(self.parse_query_params(request.query_params))
        elif "application/json" in request.headers.get("content-type", ""):
            members = request_members(decode_json(await request.body()))
        else:
            return _NOT_STREAMED
        # A persisted query's hash is resolved first (Apollo's link hashes subscriptions too).
        query, name = (await self._request_data(request, members)).query, members["operationName"]
        operation = self.schema.admission.prepare(query).operation(name) if query else None
        if operation is None or operation.operation is not SUBSCRIPTION:
            return _NOT_STREAMED  # a query or mutation: answered as usual (body is cached)
        try:
            principal = await self.authenticate(request.headers.get("authorization"))
        except InvalidToken as exc:
            raise BadRequest(
                f"invalid token: {exc}", status_code=401, code="UNAUTHENTICATED"
            ) from None
        variables = members["variables"] or {}
        admitted = self.gateway.admit(query, name, variables, principal)
        if isinstance(admitted, Refused):
            request_id = current_request_id()
            body = {"errors": [present(e, request_id).formatted for e in admitted.errors]}
            return Response(orjson.dumps(body), media_type="application/json")
        return await serve_multipart(
            request,
            receive,
            send,
            self.gateway,
            self.hub,
            admitted,
            variables,
            principal,
            self.streams,
        )

    def refusal(self, request: Request, error: HTTPException) -> Response:
        """An HTTP-level refusal in the GraphQL error format, with its code."""
        code = getattr(error, "code", None) or _HTTP_CODES.get(error.status_code, BAD_REQUEST)
        # Every answer names itself, so a client can quote it when it reports a problem.
        headers = {**(getattr(error, "headers", None) or {}), "x-request-id": current_request_id()}
        return Response(
            error_body(code, error.reason),
            status_code=error.status_code,
            media_type=self.response_media_type(request),
            headers=headers,
        )

    def parse_json(self, data: str | bytes) -> Any:
        return decode_json(data)

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        data: dict[str, Any] = dict(params)
        for name in ("variables", "extensions"):
            if name in data:
                text = data[name]
                data[name] = decode_json(text, f"the `{name}` parameter") if text else None
        return data

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """The GraphQL multipart request spec: ``operations``, ``map``, then the files."""
        try:
            form = await request.get_form_data()
        except UploadTooLarge:
            raise
        except Exception as exc:  # a malformed body (boundary, headers, part limits)
            raise BadRequest(f"the multipart body cannot be read: {exc}") from None
        if "operations" not in form.form:
            raise BadRequest(
                "a multipart request needs an `operations` part and a `map` part (the "
                "GraphQL multipart request spec); other requests are application/json"
            )
        return await super().parse_multipart(request)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData:
        if request.method == "GET":
            data = self.parse_query_params(request.query_params)
        else:
            content_type = media_type(request.content_type)
            if content_type == "multipart/form-data":
                # The GraphQL multipart request spec (file uploads): Starlette streams the
                # parts and spools each file to disk past 1 MiB.
                data = await self.parse_multipart(request)
            elif "application/json" not in content_type:
                raise BadRequest(
                    f"unsupported content type {content_type or '(none)'!r}: "
                    "send the request as application/json (or multipart/form-data to "
                    "upload files)"
                )
            else:
                data = self.parse_json(await request.get_body())
        if isinstance(data, list) and self.settings.batch_max:
            # A batch (off unless AURA_BATCH_MAX): each member is one request of its own.
            batch = request_batch(data, self.settings.batch_max)
            return [await self._request_data(request, members) for members in batch]
        return await self._request_data(request, request_members(data))

    async def _request_data(self, request: Any, members: dict[str, Any]) -> GraphQLRequestData:
        """One request's members, its query resolved from a persisted query's hash."""
        try:
            query = await self.persisted.resolve(
                members["query"], members["extensions"], getattr(self.state, "pool", None)
            )
        except PersistedQueryError as error:
            # A request error: 200 for application/json clients (Apollo's link reads the
            # body either way), 400 for graphql-response+json.
            graphql_response = self.response_media_type(request) == self.GRAPHQL_RESPONSE_JSON
            raise BadRequest(
                error.message, code=error.code, status_code=400 if graphql_response else 200
            ) from None
        return GraphQLRequestData(
            query=query,
            variables=members["variables"],
            operation_name=members["operationName"],
            extensions=members["extensions"],
            protocol="http",
        )

    async def execute_operation(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: Any,
        sub_response: Any,
    ) -> Any:
        """A batch runs its operations one after another, each admitted, rate limited
        and committed on its own (its own transaction): one that fails undoes nothing
        of the others, and none shares a connection with another."""
        if not isinstance(request_data, list):
            return await super().execute_operation(
                request,
                request_adapter,
                request_data,
                context,  # type: ignore[arg-type]
                root_value,
                sub_response,
            )
        results = []
        for index, data in enumerate(request_data):
            limited = self._rate_limited(request) if index else None
            if limited is not None:
                limit = errors.ApiError(
                    "rate limit reached: this operation of the batch did not run",
                    code=RATE_LIMITED,
                )
                results.append(ExecutionResult(data=None, errors=[limit]))
                continue
            own = self.context_for(request, context.principal)
            try:
                result = await self.execute_single(
                    request, request_adapter, sub_response, own, root_value, data
                )
            except HTTPException as refusal:  # no query, no operation, GET mutation
                result = ExecutionResult(
                    data=None, errors=[errors.BadUserInput(str(refusal.reason))]
                )
            except BaseException:
                await own.session.close(commit=False)
                raise
            try:
                await own.session.close(commit=True)
            except Exception as exc:
                error = exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc))
                result = ExecutionResult(data=None, errors=[present(error, own.request_id)])
            results.append(result)
        return results

    async def execute_single(
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """One operation, admitted first (``aura.engine.admission``, as on websockets).

        Refusals that are not GraphQL errors are answered in HTTP's terms: no query or no
        operation to run is a 400, a mutation over GET a 405 naming what is allowed; a
        subscription is a request error, ``OPERATION_NOT_SUPPORTED`` (400 for
        graphql-response+json, 200 for JSON).
        """
        transport = self._transport(request_adapter.method)
        with tracing.span("graphql.admit"):
            outcome = self.schema.admission.admit(
                request_data.query,
                request_data.operation_name,
                request_data.variables,
                context.principal,
                transport,
            )
        if isinstance(outcome, Refused):
            request.state.aura_operation = (_REFUSED_KIND, request_data.operation_name)
            if outcome.reason is Reason.NO_QUERY:
                raise BadRequest("no GraphQL query found in the request")
            if outcome.reason is Reason.NO_OPERATION:
                raise BadRequest(outcome.errors[0].message)
            if outcome.reason is Reason.NOT_ALLOWED and outcome.kind is not SUBSCRIPTION:
                # GraphQL over HTTP: a mutation over GET is 405, and says what is allowed.
                raise BadRequest(
                    outcome.errors[0].message, status_code=405, headers={"allow": "POST"}
                )
            return self.schema.refused(outcome, context)
        named = outcome.operation.name
        kind, name = outcome.kind.value, (named.value if named else None)
        request.state.aura_operation = (kind, name)
        attributes = {"graphql.operation.type": kind, "graphql.operation.name": name or ""}
        # With debug headers, ``x-aura-execution: resolved`` asks for the resolved path
        # (the reference the compiled path is compared with).
        compiled = not (
            self.settings.debug_headers and request.headers.get("x-aura-execution") == "resolved"
        )
        with tracing.span("graphql.execute", attributes):
            return await self.schema.run(
                outcome, context, request_data.variables, root_value, compiled=compiled
            )

    def _transport(self, method: str) -> Transport:
        if method != "GET":
            return HTTP_POST
        return HTTP_GET if self.allow_queries_via_get else _GET_NOTHING

    @classmethod
    def response_media_type(cls, request: Request) -> str:
        """The media type of the answer, negotiated from the Accept header(s).

        ``application/graphql-response+json`` when the client accepts it at least as much
        as ``application/json``; ``application/json`` otherwise, also for ``*/*``, a
        missing Accept, or one naming neither (legacy clients keep working).
        """
        accept = ",".join(request.headers.getlist("accept"))
        return _remembered(accept) if len(accept) <= _REMEMBERED_LENGTH else _negotiate(accept)

    async def process_result(self, request: Request, result: Any) -> Any:
        response = await super().process_result(request, result)
        errors = getattr(result, "errors", None)
        if (
            errors
            and getattr(result, "data", None) is None
            and all(error.path is None for error in errors)
            and self.response_media_type(request) == self.GRAPHQL_RESPONSE_JSON
        ):
            # A request error: execution never started (field errors always have a path),
            # so the response has no data entry and, for this media type, status 400.
            response.pop("data", None)
            request.state.aura_request_error = True
        if any((e.extensions or {}).get("code") == DatabaseUnavailable.code for e in errors or ()):
            request.state.aura_database_unavailable = True  # 503: retry later
        request.state.aura_outcome = outcome_label(
            (e.extensions or {}).get("code") for e in errors or ()
        )
        return response

    def _rate_key(self, request: Request) -> str:
        """Whose budget a request spends: ``user:<id>`` or ``addr:<client host>``.

        A JWT names its user (verified, no lookup); an opaque token names one only once
        a lookup has found it valid (``TokenCache.known``). Anything else (no token, an
        invalid one, an opaque token not looked up yet) counts against the address, so
        random tokens cannot dodge the limit, and a user's tokens share one budget.
        """
        try:
            token = bearer(request.headers.get("authorization"))
            if token is None:
                principal = None
            elif opaque.is_opaque(token):
                principal = self.opaque_tokens.known(token)
            elif self.external is not None and self.external.handles(token):
                principal = self.external.known(token)
            else:
                principal = verify(self.secret, token)
        except InvalidToken:
            principal = None
        if principal is not None:
            return f"user:{principal.user_id}"
        return f"addr:{request.client.host if request.client else '-'}"

    def _rate_limited(self, request: Request) -> Response | None:
        """HTTP 429 ``RATE_LIMITED`` when this user (or address) is over its rate."""
        if not self.settings.rate_limit_per_minute:
            return None
        key = self._rate_key(request)
        wait = self.rate_limiter.acquire(key)
        if not wait:
            return None
        request_id = current_request_id()
        limit = self.settings.rate_limit_per_minute
        body = error_body(
            RATE_LIMITED,
            f"rate limit of {limit} requests per minute reached, retry in {retry_after(wait)} s",
            requestId=request_id,
        )
        headers = {"retry-after": retry_after(wait), "x-request-id": request_id}
        if self.settings.debug_headers:
            headers["x-aura-sql-statements"] = "0"
        return Response(
            body, status_code=429, media_type=self.response_media_type(request), headers=headers
        )

    def context_for(
        self, request: Any, principal: Principal | None, auth_error: str | None = None
    ) -> Context:
        """The context of one HTTP request, or of one operation over a websocket."""
        session = Session(
            self.state.pool,
            principal,
            statement_timeout_ms=self.settings.statement_timeout_ms,
            auth_error=auth_error,
        )
        context = Context(
            request=request,
            settings=self.settings,
            session=session,
            principal=principal,
            vault=self.state.vault,
        )
        context.hub = self.hub
        context.sign_in = self.sign_in
        return context

    def _commit_failed(self, request: Request, context: Context, exc: Exception) -> Response:
        """The answer when COMMIT failed: the error alone, never the data it would undo."""
        extensions = getattr(exc, "extensions", None)
        if extensions is None:
            log.exception("commit failed for request %s", context.request_id)
        else:
            log.warning("commit failed for request %s: %s", context.request_id, exc)
        message = str(exc) if extensions is not None else "Internal server error"
        extensions = with_request_id(extensions or {"code": "INTERNAL"}, context.request_id)
        headers = {"x-request-id": context.request_id}
        # A refusal the database gave at COMMIT (a deferred constraint: CONFLICT,
        # BAD_USER_INPUT) is the client's, like the same refusal during the request:
        # status 200 with `data: null`. Only a server fault is a 500.
        status = 200
        if extensions["code"] == DatabaseUnavailable.code:
            status, headers["retry-after"] = 503, DATABASE_RETRY_AFTER
        elif extensions["code"] == "INTERNAL":
            status = 500
        body = {"data": None, "errors": [{"message": message, "extensions": extensions}]}
        return Response(
            orjson.dumps(body),
            status_code=status,
            media_type=self.response_media_type(request),
            headers=headers,
        )

    def _database_unavailable(self, request: Request) -> Response:
        """503 ``DATABASE_UNAVAILABLE`` before the request began: nothing was done."""
        request_id = current_request_id()
        body = error_body(DatabaseUnavailable.code, LOST, requestId=request_id)
        headers = {"retry-after": DATABASE_RETRY_AFTER, "x-request-id": request_id}
        return Response(
            body, status_code=503, media_type=self.response_media_type(request), headers=headers
        )

    @staticmethod
    def _observe(request: Any, context: Context, started: float) -> None:
        """Count and time the operation of a request that ran (not the IDE's page)."""
        kind, name = getattr(request.state, "aura_operation", (None, None))
        if kind is not None:
            outcome = getattr(request.state, "aura_outcome", "ok")
            statements = context.session.statements
            record_operation("http", kind, name, outcome, time.perf_counter() - started, statements)

    async def authenticate(self, authorization: str | None) -> Principal | None:
        """A JWT's principal, or an opaque token's (looked up once, then cached)."""
        token = bearer(authorization)
        if token is None:
            return None
        if opaque.is_opaque(token):
            return await self.opaque_tokens.principal(self.state.pool, token)
        if self.external is not None and self.external.handles(token):
            return await self.external.principal(self.state.pool, token)
        return verify(self.secret, token)

    async def _context(self, request: Request | WebSocket, authorization: str | None) -> Context:
        principal, auth_error = None, None
        try:
            principal = await self.authenticate(authorization)
        except InvalidToken as exc:
            auth_error = f"invalid token: {exc}"
        return self.context_for(request, principal, auth_error)

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        started = time.perf_counter()
        refused = self._rate_limited(request)
        if refused is not None:
            record_operation("http", _REFUSED_KIND, None, RATE_LIMITED, 0.0, 0)
            return refused
        try:
            context = await self._context(request, request.headers.get("authorization"))
        except Exception as exc:  # an access token's lookup needs the database
            if not unavailable(exc):
                raise
            return self._database_unavailable(request)
        try:
            response = await super().run(request, context=context)
        except BaseException:
            await context.session.close(commit=False)
            raise
        finally:
            if isinstance(request, Request):
                await request.close()  # a multipart request's spooled files
        try:
            await context.session.close(commit=True)
        except Exception as exc:  # a failed commit must not pass as success
            codes = [(getattr(exc, "extensions", None) or {}).get("code")]
            request.state.aura_outcome = outcome_label(codes)
            self._observe(request, context, started)
            return self._commit_failed(request, context, exc)
        self._observe(request, context, started)
        if response.media_type == "application/json":
            # A GraphQL response (not the IDE's page, not a stream): match the Accept header.
            media_type = self.response_media_type(request)
            if media_type != "application/json":
                response.headers["content-type"] = media_type
            if getattr(request.state, "aura_request_error", False):
                response.status_code = 400
            elif getattr(request.state, "aura_database_unavailable", False):
                response.status_code = 503
                response.headers["retry-after"] = DATABASE_RETRY_AFTER
        if self.settings.debug_headers:
            response.headers["x-aura-sql-statements"] = str(context.session.statements)
        response.headers["x-request-id"] = context.request_id
        if context.execution is not None:
            response.headers["x-aura-execution"] = context.execution
        return response


def _negotiate(accept: str) -> str:
    """``GraphQLView.response_media_type`` of one (joined) Accept header."""
    graphql_response = GraphQLView.GRAPHQL_RESPONSE_JSON
    quality = {graphql_response: 0.0, "application/json": 0.0}
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        media = media.lower()
        if media not in quality:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[media] = max(quality[media], q)
    preferred = quality[graphql_response]
    if preferred > 0 and preferred >= quality["application/json"]:
        return graphql_response
    return "application/json"


# A client sends the same Accept header with every request: the answers to short ones
# are remembered (at most 256 of them).
_REMEMBERED_LENGTH = 256
_remembered = functools.lru_cache(maxsize=256)(_negotiate)


async def prepare_database(settings: Settings, *, seed: bool) -> str:
    """Resolve the DSN, migrate to head, and seed an empty database with the demo."""
    dsn = await asyncio.to_thread(resolve_dsn, settings)
    await migrate.upgrade(dsn)
    if seed:
        from aura.db.seed import seed_if_empty

        await seed_if_empty(dsn)
    return dsn


class AuraApp(Starlette):
    """Starlette, with the ``/graphql`` websocket taken straight to its handler.

    A websocket lives for hours: through the middleware stack, every layer's coroutine
    would stay suspended with it (about a third of an idle connection's memory), and
    none of them does anything for a websocket (CORS and body limits are HTTP's; the
    handler checks origins itself and catches its own errors).
    """

    websocket_handler: Any = None  # set while the hub runs

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        handler = self.websocket_handler
        if scope["type"] == "websocket" and scope["path"] == "/graphql" and handler is not None:
            await handler(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def realtime_gateway(view: GraphQLView) -> Gateway:
    """What the websocket handler and the hub may use of the view and the schema."""
    schema = view.schema
    return Gateway(
        settings=view.settings,
        graphql_schema=schema.graphql_schema,
        executor_kwargs=schema.executor_kwargs,
        rate_limiter=view.rate_limiter,
        authenticate=view.authenticate,
        admit=partial(schema.admission.admit, transport=WEBSOCKET),
        context_for=view.context_for,
        execute=schema.run,
    )


def create_app(settings: Settings | None = None, *, dsn: str | None = None) -> Starlette:
    """The ASGI app. With ``dsn`` the database is taken as ready (tests, benchmarks)."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: AuraApp) -> AsyncIterator[None]:
        database = dsn or await prepare_database(settings, seed=demo_wanted(settings))
        app.state.pool = await create_pool(
            database, min_size=settings.pool_min_size, max_size=settings.pool_max_size
        )
        try:
            await check_embedding_dimension(app.state.pool, settings.embedding_dimension)
        except EmbeddingDimensionMismatch:
            await app.state.pool.close()
            raise
        if settings.trusted_documents:
            loaded = await view.persisted.load(app.state.pool)
            log.info("trusted-documents mode: %s registered documents", loaded)
        view.hub = app.state.hub = hub = Hub(database, app.state.pool, gateway)
        await hub.start()
        app.websocket_handler = partial(serve_websocket, gateway=gateway, hub=hub)
        view.sse = sse = ServerSentEvents(
            gateway, hub, view.streams, resolve=partial(view.persisted.resolve, pool=app.state.pool)
        )
        app.state.end_streams = view.end_streams
        await vault.ensure_active_key(app.state.pool)
        app.state.worker = worker = (
            Worker(
                database,
                heartbeat=settings.job_heartbeat_seconds,
                concurrency=settings.worker_concurrency,
                keyring=vault,
                settings=settings,
            )
            if settings.worker
            else None
        )
        if worker is not None:
            supervise(worker.start(), "the job worker")
        tune_garbage_collector()
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            app.websocket_handler = None
            view.sse = None
            sse.close()
            await hub.stop()
            await close_providers(app.state.pool)
            await app.state.pool.close()
            if dsn is None and settings.database_url is None:
                # uvicorn re-raises SIGTERM after shutdown, so atexit handlers never run:
                # the embedded server is released here, where it was acquired.
                await asyncio.to_thread(embedded_server(settings).stop)

    view = GraphQLView(build_schema(settings), settings)
    view.gateway = gateway = realtime_gateway(view)
    # Read (or, in development, generated) before serving: a missing master key in
    # production stops start-up here, like a missing JWT secret.
    vault = KeyRing.from_settings(settings)
    # Outermost: every answer, refusals by the layers below included, is logged and
    # carries the request id.
    middleware = [Middleware(RequestObserver, access_log=settings.access_log)]
    if settings.cors_origins:
        middleware.append(cors(settings.cors_origins))
    # Inside CORS, so that a browser can read the refusal.
    middleware.append(
        Middleware(
            BodySizeLimit,
            max_bytes=settings.max_body_bytes,
            max_upload_bytes=settings.max_upload_bytes,
        )
    )
    app = AuraApp(
        routes=[
            # PUT and DELETE: graphql-sse's single-connection mode (reserve, stop).
            Route("/graphql", view, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", metrics_endpoint),
            *(ide_routes() if settings.graphiql else []),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.vault = vault
    view.state = app.state
    return app
