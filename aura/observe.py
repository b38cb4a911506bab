"""What an operator sees: liveness, readiness, metrics, and the request id with its
access-log line.

- ``GET /health``: alive. 200 while the process serves requests; 503 only when it cannot
  recover by itself (the realtime hub's task ended), so a supervisor restarting on it
  never restarts a server that is merely waiting for its database.
- ``GET /ready``: may take traffic. 200 when the database answers, its migrations are
  at this code's head, the realtime listener is connected and the job worker (if any)
  runs; 503 with the failing checks otherwise.
- ``GET /metrics``: Prometheus' text format, the default registry (``aura.metrics``).
- ``RequestObserver``: the outermost HTTP middleware. It fixes the request id
  (``aura.logging_setup``), answers it in ``x-request-id``, counts and times the
  request, and logs one access line when the response has been sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from functools import cache
from typing import Any

import asyncpg
from alembic.script import ScriptDirectory
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aura import metrics, tracing
from aura.db.errors import unavailable
from aura.db.migrate import alembic_config
from aura.engine import compiler
from aura.logging_setup import REQUEST_ID, incoming_request_id

access_log = logging.getLogger("aura.access")
log = logging.getLogger(__name__)

# A check that cannot get an answer this fast reports its dependency down.
CHECK_TIMEOUT_SECONDS = 5.0
# Scrape-time queries must not hold up Prometheus for long (its default timeout is 10 s).
SCRAPE_TIMEOUT_SECONDS = 2.0
# Routes with a series of their own; any other path counts as "other" (bounded labels).
ROUTES = frozenset({"/graphql", "/health", "/ready", "/metrics", "/graphiql"})
# The ``method`` label: any other token a client sends counts as "other", so clients
# cannot make new series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
_TRACE_HEADERS = (b"x-request-id", b"traceparent", b"tracestate")


@cache
def migration_heads() -> frozenset[str]:
    """The revisions this code's migrations end at."""
    return frozenset(ScriptDirectory.from_config(alembic_config("")).get_heads())


# -- health and readiness ---------------------------------------------------------------


async def health(request: Request) -> JSONResponse:
    hub = request.app.state.hub
    if not hub.running:  # ended other than by stop: only a restart brings it back
        return JSONResponse({"status": "down", "realtime": "stopped"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def _database_checks(pool: asyncpg.Pool) -> dict[str, str]:
    try:
        async with pool.acquire(timeout=CHECK_TIMEOUT_SECONDS) as conn:
            at = await conn.fetch(
                "SELECT version_num FROM alembic_version", timeout=CHECK_TIMEOUT_SECONDS
            )
    except Exception as exc:
        if not (unavailable(exc) or isinstance(exc, asyncpg.InterfaceError | TimeoutError)):
            raise
        return {"database": "down"}
    revisions = frozenset(row[0] for row in at)
    if revisions == migration_heads():
        return {"database": "ok", "migrations": "ok"}
    current = ", ".join(sorted(revisions)) or "none"
    return {
        "database": "ok",
        "migrations": f"at {current}, code expects {', '.join(sorted(migration_heads()))}",
    }


async def ready(request: Request) -> JSONResponse:
    state = request.app.state
    checks = await _database_checks(state.pool)
    checks["realtime"] = "ok" if state.hub.running and state.hub.connected.is_set() else "down"
    if state.worker is not None:
        checks["worker"] = "ok" if state.worker.healthy else "down"
    if all(value == "ok" for value in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    return JSONResponse({"status": "unavailable", "checks": checks}, status_code=503)


# -- metrics ----------------------------------------------------------------------------


async def _scrape_database(state: Any) -> None:
    """Listener lag and queued jobs: read from the database as Prometheus asks."""
    try:
        async with state.pool.acquire(timeout=SCRAPE_TIMEOUT_SECONDS) as conn:
            head = await conn.fetchval(
                "SELECT coalesce(max(seq), 0) FROM aura.stream", timeout=SCRAPE_TIMEOUT_SECONDS
            )
            jobs = await conn.fetch(
                "SELECT entrypoint, status::text AS status, count(*) AS n "
                "FROM aura_queue.pgqueuer WHERE status IN ('queued', 'picked') "
                "GROUP BY 1, 2",
                timeout=SCRAPE_TIMEOUT_SECONDS,
            )
    except Exception as exc:
        if not (unavailable(exc) or isinstance(exc, asyncpg.InterfaceError | TimeoutError)):
            raise
        # The database is away: the lag is unknown, not zero.
        metrics.LISTENER_LAG.set(float("nan"))
        return
    metrics.LISTENER_LAG.set(max(0, int(head) - state.hub.position))
    metrics.JOBS.clear()  # an entrypoint with nothing queued any more has no series
    for row in jobs:
        metrics.JOBS.labels(row["entrypoint"], row["status"]).set(row["n"])


async def metrics_endpoint(request: Request) -> Response:
    state = request.app.state
    pool: asyncpg.Pool = state.pool
    size, idle = pool.get_size(), pool.get_idle_size()
    metrics.POOL_CONNECTIONS.labels("in_use").set(size - idle)
    metrics.POOL_CONNECTIONS.labels("idle").set(idle)
    metrics.POOL_MAX.set(pool.get_max_size())
    hub = state.hub
    metrics.SUBSCRIPTIONS.set(hub.subscriptions)
    metrics.LISTENER_CONNECTED.set(1 if hub.connected.is_set() else 0)
    metrics.LISTENER_RECONNECTS.set(hub.reconnects)
    for path, count in compiler.counters().items():
        metrics.QUERY_EXECUTIONS.labels(path).set(count)
    await _scrape_database(state)
    body = await asyncio.to_thread(generate_latest, metrics.REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


# -- the request id and the access log ------------------------------------------------


class RequestObserver:
    """Request id, HTTP metrics and one access-log line for every HTTP request."""

    def __init__(self, app: ASGIApp, *, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k: v for k, v in scope["headers"] if k in _TRACE_HEADERS}
        rid = incoming_request_id(
            headers[b"x-request-id"].decode("latin-1") if b"x-request-id" in headers else None,
            headers[b"traceparent"].decode("latin-1") if b"traceparent" in headers else None,
        )
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500  # what the client sees when the app fails before answering
        sent = 0

        async def observed_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                raw = list(message.get("headers", ()))
                if not any(name.lower() == b"x-request-id" for name, _ in raw):
                    raw.append((b"x-request-id", rid.encode("latin-1")))
                    message = {**message, "headers": raw}
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        trace_headers = {k.decode(): v.decode("latin-1") for k, v in headers.items()}
        method = scope.get("method", "GET")
        attributes = {"http.request.method": method, "url.path": scope.get("path", "")}
        try:
            with tracing.request_span(f"HTTP {method}", trace_headers, attributes) as current:
                await self.app(scope, receive, observed_send)
                if current is not None:
                    current.set_attribute("http.response.status_code", status)
        finally:
            seconds = time.perf_counter() - started
            path = scope.get("path", "")
            route = path if path in ROUTES else "other"
            label = method if method in METHODS else "other"
            metrics.child(metrics.HTTP_REQUESTS, label, route, str(status)).inc()
            metrics.child(metrics.HTTP_DURATION, label, route).observe(seconds)
            if self.access_log:
                self._log(scope, method, path, status, seconds, sent)
            REQUEST_ID.reset(token)

    @staticmethod
    def _log(scope: Scope, method: str, path: str, status: int, seconds: float, sent: int) -> None:
        client = scope.get("client")
        operation = (scope.get("state") or {}).get("aura_operation")
        fields: dict[str, Any] = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "bytes": sent,
            "client": client[0] if client else None,
        }
        if operation is not None:
            fields["operation_type"], fields["operation"] = operation
        name = f" {operation[1] or '-'}" if operation is not None else ""
        access_log.info(
            "%s %s%s %s %.1fms", method, path, name, status, seconds * 1000, extra=fields
        )
