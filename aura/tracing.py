"""OpenTelemetry tracing, optional: ``pip install 'aura[otel]'``.

Without the ``opentelemetry-api`` package every ``span`` is a no-op costing one branch.
With it, spans go to the globally configured tracer provider (whatever the process set
up: the SDK with an OTLP exporter, ``opentelemetry-instrument``, a test's in-memory
exporter); while none is configured, no span is made.

Spans: ``HTTP <method>`` per request (its parent taken from an incoming W3C
``traceparent``), ``graphql.admit`` (parse, validate, limits, scopes), ``graphql.execute``
and ``sql <verb>`` for each SQL statement a request sends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

try:
    from opentelemetry import propagate, trace
except ImportError:  # the optional extra is not installed
    trace = None  # type: ignore[assignment]
    propagate = None  # type: ignore[assignment]

ENABLED = trace is not None


def _tracer() -> Any:
    """Aura's tracer, or None while no tracer provider is configured: spans would not
    record, and skipping them saves their cost (about 6 µs per span, per SQL statement)."""
    if trace is None:
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        return None
    return provider.get_tracer("aura")


# What ``span`` returns while tracing is off: reusable, it holds no state.
_OFF = contextlib.nullcontext()


def span(name: str, attributes: Mapping[str, Any] | None = None) -> AbstractContextManager[Any]:
    """A child of the current span (a shared no-op while tracing is off)."""
    tracer = _tracer()
    if tracer is None:
        return _OFF
    return tracer.start_as_current_span(name, attributes=dict(attributes or {}))


def request_span(
    name: str, headers: Mapping[str, str], attributes: Mapping[str, Any]
) -> AbstractContextManager[Any]:
    """The server span of one request, continuing the caller's trace if it sent one."""
    tracer = _tracer()
    if tracer is None or trace is None or propagate is None:
        return _OFF
    return tracer.start_as_current_span(
        name,
        context=propagate.extract(dict(headers)),
        kind=trace.SpanKind.SERVER,
        attributes=dict(attributes),
    )


def sql_verb(sql: str) -> str:
    """``sql SELECT``: the span name of a statement (never its text, which may be long)."""
    head = sql.lstrip().split(None, 1)
    return f"sql {head[0].upper()}" if head else "sql"
