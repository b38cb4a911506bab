"""Prometheus metrics of the process: every definition in one place.

All of them live in prometheus_client's default ``REGISTRY``, which ``GET /metrics``
exposes: a module anywhere in Aura (this one is in the lowest layer, so every layer may
import it) adds a counter with ``prometheus_client.Counter("aura_…", …)`` and it is
scraped with the rest. Names follow Prometheus' conventions: the ``aura_`` prefix, base
units (seconds), ``_total`` for counters.

Most values move where things happen (a request ends, a message is sent). What is a
state rather than an event (pool connections in use, subscriptions open, listener lag,
queued jobs) is read when scraped (``aura.observe``), so it costs nothing in between.

Label values are bounded: operation names come from clients, so only the first
``MAX_OPERATION_NAMES`` distinct names get a series of their own; later ones count as
``other``. Outcomes are ``ok`` or an error code (``BAD_USER_INPUT``, ``FORBIDDEN``, …),
a closed set.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram

__all__ = ["REGISTRY"]

# Seconds: from a cached one-row query (~1 ms) to the statement timeout (15 s).
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15)
_STATEMENT_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64)

REQUESTS = Counter(
    "aura_requests_total",
    "GraphQL operations run, by transport (http, websocket), operation type, operation "
    "name and outcome (ok, or the code of the first error).",
    ["transport", "type", "operation", "outcome"],
)
REQUEST_DURATION = Histogram(
    "aura_request_duration_seconds",
    "Time to answer a GraphQL query or mutation, admission to commit.",
    ["transport", "type"],
    buckets=_LATENCY_BUCKETS,
)
REQUEST_STATEMENTS = Histogram(
    "aura_request_sql_statements",
    "SQL statements one GraphQL query or mutation sent (BEGIN and COMMIT included).",
    ["transport", "type"],
    buckets=_STATEMENT_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "aura_http_requests_total",
    "HTTP requests answered, by method, route and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "aura_http_request_duration_seconds",
    "Time from an HTTP request's arrival to the end of its response.",
    ["method", "route"],
    buckets=_LATENCY_BUCKETS,
)
POOL_CONNECTIONS = Gauge(
    "aura_db_pool_connections",
    "Connections of the request pool, by state (in_use, idle).",
    ["state"],
)
POOL_MAX = Gauge("aura_db_pool_max_connections", "The request pool's maximum size.")
POOL_WAITING = Gauge(
    "aura_db_pool_waiting", "Requests waiting for a connection of the pool right now."
)
WEBSOCKETS = Gauge("aura_websockets_open", "Websocket connections open on /graphql.")
SUBSCRIPTIONS = Gauge("aura_subscriptions_active", "Subscriptions running in this process.")
MESSAGES_DELIVERED = Counter(
    "aura_subscription_messages_total", "Subscription messages handed to clients' connections."
)
SUBSCRIBERS_TOO_SLOW = Counter(
    "aura_subscribers_too_slow_total",
    "Subscriptions ended with SUBSCRIBER_TOO_SLOW (their backlog reached its limit).",
)
LISTENER_CONNECTED = Gauge(
    "aura_realtime_listener_connected", "1 while the change-stream listener is connected."
)
LISTENER_LAG = Gauge(
    "aura_realtime_listener_lag",
    "Changes committed to the stream (aura.stream) that the listener has not read yet.",
)
LISTENER_RECONNECTS = Gauge(
    "aura_realtime_listener_reconnects", "Times the listener lost its connection and retried."
)
JOBS = Gauge(
    "aura_jobs",
    "Jobs on the queue (aura_queue.pgqueuer), by entrypoint and status (queued, picked).",
    ["entrypoint", "status"],
)
QUERY_EXECUTIONS = Gauge(
    "aura_query_executions",
    "Query operations since start by execution path: compiled (one SQL statement), "
    "resolved (field by field), and fallback:<reason> (why the compiled path was not taken).",
    ["path"],
)

MAX_OPERATION_NAMES = 200
_names: set[str] = set()
_names_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    """The ``operation`` label of a GraphQL operation name (bounded, see above)."""
    if not name:
        return "anonymous"
    if name in _names:
        return name
    with _names_lock:
        if len(_names) >= MAX_OPERATION_NAMES:
            return "other"
        _names.add(name)
    return name


def outcome(codes: Iterable[object]) -> str:
    """The ``outcome`` label: ``ok``, or the first error's code (``INTERNAL`` if none)."""
    for code in codes:
        return str(code or "INTERNAL")
    return "ok"


# ``metric.labels(...)`` takes a lock and builds its key on every call; a request
# records five series, so the children are remembered (label values are bounded: see
# ``operation_label``; past ``MAX_CHILDREN`` they are looked up each time).
MAX_CHILDREN = 10_000
_children: dict[tuple[int, tuple[str, ...]], Any] = {}


def child(metric: Any, *labels: str) -> Any:
    """``metric.labels(*labels)``, remembered."""
    key = (id(metric), labels)
    found = _children.get(key)
    if found is None:
        found = metric.labels(*labels)
        if len(_children) < MAX_CHILDREN:
            _children[key] = found
    return found


def record_operation(
    transport: str, kind: str, name: str | None, outcome: str, seconds: float, statements: int
) -> None:
    """One query or mutation answered (subscriptions count once, when they start)."""
    child(REQUESTS, transport, kind, operation_label(name), outcome).inc()
    if kind != "subscription":
        child(REQUEST_DURATION, transport, kind).observe(seconds)
        child(REQUEST_STATEMENTS, transport, kind).observe(statements)
