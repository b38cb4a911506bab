"""What an operator sees: /health and /ready, Prometheus /metrics, JSON logs with the
request id."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import asyncpg
import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.embedded import EmbeddedPostgres
from aura.db.stream import STREAMS, Change, Filter
from aura.logging_setup import (
    JsonFormatter,
    RequestIdFilter,
    configure_logging,
    incoming_request_id,
)
from aura.metrics import SUBSCRIBERS_TOO_SLOW
from aura.observe import migration_heads
from aura.realtime.subscription import QueueSink, Subscription
from tests import factories
from tests.conftest import Client, People, Server
from tests.realtime import connect
from tests.waiting import until

DEADLINE = 30.0
EVENT_IDS = """
subscription Events($projectId: ID) { events(projectId: $projectId) { cursor node { id } } }
"""


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, by name and labels."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# -- health and readiness ---------------------------------------------------------------


async def test_ready_flips_when_the_database_goes_away_and_comes_back(
    server: Server, http: httpx.AsyncClient, pg_cluster: EmbeddedPostgres
) -> None:
    ready = await http.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "realtime": "ok", "worker": "ok"},
    }
    await asyncio.to_thread(pg_cluster.halt)
    try:
        away = await http.get("/ready")
        alive = await http.get("/health")
    finally:
        await asyncio.to_thread(pg_cluster.resume)
    assert away.status_code == 503
    assert away.json()["status"] == "unavailable"
    assert away.json()["checks"]["database"] == "down"
    assert alive.status_code == 200  # alive all along: nothing a restart would fix

    async def ready_again() -> bool:
        return (await http.get("/ready")).status_code == 200

    await until(ready_again, "/ready to answer 200 again", within=DEADLINE)
    assert (await http.get("/ready")).json()["checks"]["realtime"] == "ok"


async def test_ready_is_503_while_migrations_are_behind(
    server: Server, http: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    [head] = migration_heads()
    await db.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    try:
        behind = await http.get("/ready")
    finally:
        await db.execute("UPDATE alembic_version SET version_num = $1", head)
    assert behind.status_code == 503
    assert behind.json()["checks"]["migrations"] == f"at 0001_initial, code expects {head}"
    assert (await http.get("/ready")).status_code == 200


async def test_health_is_503_once_the_realtime_hub_has_stopped(
    server: Server, http: httpx.AsyncClient
) -> None:
    assert (await http.get("/health")).json() == {"status": "ok"}
    hub = server.app.state.hub
    hub._task.cancel()
    await until(lambda: not hub.running, "the hub task to end")
    health = await http.get("/health")
    assert health.status_code == 503
    assert (await http.get("/ready")).json()["checks"]["realtime"] == "down"


# -- metrics ----------------------------------------------------------------------------


async def test_request_metrics_move_as_requests_are_made(
    server: Server, client: Client, http: httpx.AsyncClient
) -> None:
    before = await scrape(http)
    query = "query CountProjects { projects { totalCount } }"
    statements = 0
    for _ in range(3):
        response = await client.gql(query)
        response.ok()
        statements += response.statements
    broken = await client.gql("query Broken { projects(first: -1) { totalCount } }")
    [code] = broken.codes
    after = await scrape(http)

    ok = {"transport": "http", "type": "query", "operation": "CountProjects", "outcome": "ok"}
    requests = "aura_requests_total"
    assert value(after, requests, **ok) - value(before, requests, **ok) == 3
    failed = {"transport": "http", "type": "query", "operation": "Broken", "outcome": code}
    assert (
        value(after, "aura_requests_total", **failed)
        == value(before, "aura_requests_total", **failed) + 1
    )
    kind = {"transport": "http", "type": "query"}
    count = "aura_request_duration_seconds_count"
    assert value(after, count, **kind) - value(before, count, **kind) == 4
    assert value(after, "aura_request_duration_seconds_sum", **kind) > value(
        before, "aura_request_duration_seconds_sum", **kind
    )
    sql_sum = "aura_request_sql_statements_sum"
    grown = value(after, sql_sum, **kind) - value(before, sql_sum, **kind)
    assert grown == statements + broken.statements
    assert statements >= 3 * 3  # BEGIN, the count, COMMIT each
    http_ok = {"method": "POST", "route": "/graphql", "status": "200"}
    assert (
        value(after, "aura_http_requests_total", **http_ok)
        - value(before, "aura_http_requests_total", **http_ok)
        == 4
    )
    assert value(after, "aura_db_pool_max_connections") == server.settings.pool_max_size
    assert ("aura_db_pool_connections", frozenset({("state", "in_use")})) in after
    assert value(after, "aura_db_pool_waiting") == 0
    # The three counts are compiled queries; the refused page falls back to be refused.
    compiled = {"path": "compiled"}
    executions = "aura_query_executions"
    assert value(after, executions, **compiled) - value(before, executions, **compiled) == 3


async def test_realtime_and_job_metrics(
    server: Server,
    client: Client,
    people: People,
    http: httpx.AsyncClient,
    db: asyncpg.Connection,
) -> None:
    project = await factories.project(client, "observed")
    before = await scrape(http)
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", EVENT_IDS, {"projectId": project["id"]})
        await ws.ready()
        during = await scrape(http)
        for kind in ("observed.first", "observed.second"):
            await db.execute(
                "INSERT INTO events (project_id, event_type) VALUES ($1, $2)", project["id"], kind
            )
        await ws.next()
        await ws.next()
        # A job of an entrypoint no worker runs stays queued: the depth gauge shows it.
        await db.execute(
            "INSERT INTO aura_queue.pgqueuer (priority, status, entrypoint) "
            "VALUES (0, 'queued', 'observability-probe'), (0, 'queued', 'observability-probe')"
        )
        hub = server.app.state.hub

        async def caught_up() -> bool:
            samples = await scrape(http)
            return value(samples, "aura_realtime_listener_lag") == 0 and hub.in_flight == 0

        await until(caught_up, "the listener to catch up with the stream")
        after = await scrape(http)
    assert value(during, "aura_websockets_open") == value(before, "aura_websockets_open") + 1
    assert value(during, "aura_subscriptions_active") == 1
    messages = "aura_subscription_messages_total"
    assert value(after, messages) - value(before, messages) == 2
    assert value(after, "aura_realtime_listener_connected") == 1
    probe = {"entrypoint": "observability-probe", "status": "queued"}
    assert value(after, "aura_jobs", **probe) == 2

    closed = await scrape(http)
    assert value(closed, "aura_websockets_open") == value(before, "aura_websockets_open")


def test_a_subscriber_ended_as_too_slow_is_counted() -> None:
    sink = QueueSink()  # nobody takes from it: the backlog only grows
    user = "00000000-0000-0000-0000-000000000001"
    events = STREAMS["events"]
    subscription = Subscription(
        "1", Filter(events, {}, {}), Principal(user_id=user), "USER", sink, limit=2, after=None
    )
    before = SUBSCRIBERS_TOO_SLOW._value.get()
    for seq in range(1, 5):
        subscription.push(Change(seq, "events", "INSERT", None, None, user, {}), "{}")
    assert subscription.state == "ended"
    assert SUBSCRIBERS_TOO_SLOW._value.get() == before + 1  # once, however many followed


# -- logs -------------------------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Everything logged meanwhile, as the server's JSON handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def access_lines(stream: io.StringIO) -> list[dict]:
    lines = [orjson.loads(line) for line in stream.getvalue().splitlines() if line]
    return [line for line in lines if line["logger"] == "aura.access"]


async def test_an_incoming_request_id_is_honoured_in_logs_and_headers(
    server: Server, client: Client, json_log: io.StringIO
) -> None:
    response = await client.gql(
        "query Broken { projects(first: -1) { totalCount } }",
        headers={"x-request-id": "client-id-42"},
    )
    assert response.headers["x-request-id"] == "client-id-42"
    [line] = [line for line in access_lines(json_log) if line.get("request_id") == "client-id-42"]
    assert line["level"] == "INFO"
    assert line["method"] == "POST"
    assert line["path"] == "/graphql"
    assert line["status"] == 200
    assert line["operation"] == "Broken"
    assert line["duration_ms"] > 0
    assert line["timestamp"].endswith("+00:00")


async def test_a_traceparent_names_the_request_and_otherwise_one_is_generated(
    server: Server, client: Client, http: httpx.AsyncClient, json_log: io.StringIO
) -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    traced = await client.gql(
        "{ me { id } }", headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"}
    )
    assert traced.headers["x-request-id"] == trace
    plain = await http.get("/health")
    generated = plain.headers["x-request-id"]
    assert len(generated) == 16
    ids = {line.get("request_id"): line for line in access_lines(json_log)}
    assert ids[trace]["path"] == "/graphql"
    assert ids[generated]["path"] == "/health"
    assert ids[generated]["status"] == 200


def test_unusable_request_ids_are_replaced() -> None:
    assert incoming_request_id("a b\r\nforged: 1", None) != "a b\r\nforged: 1"
    assert incoming_request_id(None, "00-" + "0" * 32 + "-00f067aa0ba902b7-01") != "0" * 32
    assert incoming_request_id("x" * 129, None) != "x" * 129
    assert incoming_request_id(" ok-1 ", "garbage") == "ok-1"


def test_configured_logging_writes_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    monkeypatch.setenv("AURA_ENV", "production")
    settings = Settings.from_env()
    assert settings.log_format == "json"
    try:
        configure_logging(settings, stream)
        logging.getLogger("aura.test").warning("disk %s", "full", extra={"free_bytes": 0})
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    [line] = [orjson.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "disk full"
    assert line["level"] == "WARNING"
    assert line["logger"] == "aura.test"
    assert line["free_bytes"] == 0
    assert "request_id" not in line  # logged outside any request
    monkeypatch.setenv("AURA_ENV", "development")
    assert Settings.from_env().log_format == "text"
