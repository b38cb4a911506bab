"""OpenTelemetry tracing, optional: ``pip install 'aura[otel]'``.

Without the ``opentelemetry-api`` package every ``span`` is a no-op costing one branch.
With it, spans go to the globally configured tracer provider (whatever the process set
up: the SDK with an OTLP exporter, ``opentelemetry-instrument``, a test's in-memory
exporter); with the API alone and no provider they are non-recording and cheap.

Spans: ``HTTP <method>`` per request (its parent taken from an incoming W3C
``traceparent``), ``graphql.admit`` (parse, validate, limits, scopes), ``graphql.execute``
and ``sql <verb>`` for each SQL statement a request sends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

try:
    from opentelemetry import propagate, trace
except ImportError:  # the optional extra is not installed
    trace = None  # type: ignore[assignment]
    propagate = None  # type: ignore[assignment]

ENABLED = trace is not None


def _tracer() -> Any:
    assert trace is not None
    return trace.get_tracer("aura")


@contextlib.contextmanager
def span(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """A child of the current span (no-op without OpenTelemetry)."""
    if trace is None:
        yield None
        return
    with _tracer().start_as_current_span(name, attributes=dict(attributes or {})) as current:
        yield current


@contextlib.contextmanager
def request_span(
    name: str, headers: Mapping[str, str], attributes: Mapping[str, Any]
) -> Iterator[Any]:
    """The server span of one request, continuing the caller's trace if it sent one."""
    if trace is None or propagate is None:
        yield None
        return
    parent = propagate.extract(dict(headers))
    with _tracer().start_as_current_span(
        name, context=parent, kind=trace.SpanKind.SERVER, attributes=dict(attributes)
    ) as current:
        yield current


def sql_verb(sql: str) -> str:
    """``sql SELECT``: the span name of a statement (never its text, which may be long)."""
    head = sql.lstrip().split(None, 1)
    return f"sql {head[0].upper()}" if head else "sql"
