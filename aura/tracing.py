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
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

try:
    from opentelemetry import propagate, trace
except ImportError:  # the optional extra is not installed
    trace = None  # type: ignore[assignment]
    propagate = None  # type: ignore[assignment]

ENABLED = trace is not None


# How long "no tracer provider yet" is believed before asking OpenTelemetry again: a
# request makes about six spans, and the question costs more than a no-op span.
RECHECK_SECONDS = 1.0
_found: Any = None  # the tracer, once a provider is configured (it cannot change after)
_absent_until = 0.0


def _tracer() -> Any:
    """Aura's tracer, or None while no tracer provider is configured: spans would not
    record, and skipping them saves their cost (about 6 µs per span, per SQL statement).
    A provider configured while the server runs is seen within ``RECHECK_SECONDS`` (at
    once after ``refresh``)."""
    global _found, _absent_until
    if _found is not None or trace is None:
        return _found
    now = time.monotonic()
    if now < _absent_until:
        return None
    provider = trace.get_tracer_provider()
    if isinstance(provider, trace.ProxyTracerProvider):
        _absent_until = now + RECHECK_SECONDS
        return None
    _found = provider.get_tracer("aura")
    return _found


def refresh() -> None:
    """Look for the tracer provider again at the next span (a test that just set one)."""
    global _found, _absent_until
    _found, _absent_until = None, 0.0


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
