"""OpenTelemetry spans (the ``otel`` extra): a request's span continues the caller's
trace, with admission, execution and each SQL statement as its descendants."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from aura import tracing
from tests.conftest import Client

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


class Switchable(SimpleSpanProcessor):
    """Exports while on. OpenTelemetry lets a process set its tracer provider only once,
    and a provider shut down warns on every later span: after this module, spans of the
    rest of the run are dropped here instead."""

    on = True

    def on_end(self, span: ReadableSpan) -> None:
        if self.on:
            super().on_end(span)


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    processor = Switchable(exporter)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    tracing.refresh()
    yield exporter
    processor.on = False
    exporter.clear()


async def test_spans_for_request_admission_execution_and_sql(
    exporter: InMemorySpanExporter, client: Client
) -> None:
    exporter.clear()
    response = await client.gql(
        "query Traced { projects { totalCount } }",
        headers={"traceparent": f"00-{TRACE}-{CALLER_SPAN}-01"},
    )
    response.ok()
    spans = [s for s in exporter.get_finished_spans() if f"{s.context.trace_id:032x}" == TRACE]
    by_name = {s.name: s for s in spans}
    request = by_name["HTTP POST"]
    assert f"{request.parent.span_id:016x}" == CALLER_SPAN  # the caller's span is its parent
    assert request.attributes["http.response.status_code"] == 200
    admit, execute = by_name["graphql.admit"], by_name["graphql.execute"]
    assert admit.parent.span_id == request.context.span_id
    assert execute.parent.span_id == request.context.span_id
    assert execute.attributes["graphql.operation.name"] == "Traced"
    sql = [s for s in spans if s.name.startswith("sql ")]
    assert sql, [s.name for s in spans]
    assert all(s.attributes["db.query.text"] for s in sql)
    assert any(s.parent.span_id == execute.context.span_id for s in sql)  # the resolvers'
    # Every statement the request counted has its span (the commit runs after execution).
    assert len(sql) == response.statements - 2  # BEGIN and COMMIT are not resolver SQL
