"""CORS with AURA_CORS_ORIGINS: the tracing and client headers pass, X-Request-Id is read.

A real browser decides: headless Chromium (driven by playwright-core, pinned in
tests/http_clients) loads a page of an allowed origin and posts a query carrying
``traceparent``, ``tracestate``, ``baggage``, ``sentry-trace`` and Apollo's client
headers; the preflight passes, the answer is read, and so is its X-Request-Id. A page
of another origin is refused by the browser. httpx checks the preflight's headers.
"""

from __future__ import annotations

import dataclasses
import shutil

import httpx
import pytest

from aura.config import Settings
from aura.middleware import CORS_ALLOW_HEADERS
from tests.conftest import People, Server, _free_port
from tests.streams import NodeRun

pytestmark = pytest.mark.timeout(90)

# A frontend's dev server, on loopback like Aura here (a public origin calling a loopback
# address is Local Network Access, which Chromium gates behind a permission of its own).
ALLOWED = f"http://localhost:{_free_port()}"
OTHER = f"http://localhost:{_free_port()}"
TRACING = [
    "traceparent",
    "tracestate",
    "sentry-trace",
    "baggage",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-request-id",
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, cors_origins=(ALLOWED,))


def chromium() -> str:
    """The machine's Chromium (Debian's package; .ci/run installs it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is needed for the browser CORS check (apt-get install chromium)")
    return path


async def test_a_preflight_with_tracing_headers_passes(http: httpx.AsyncClient) -> None:
    response = await http.options(
        "/graphql",
        headers={
            "origin": ALLOWED,
            "access-control-request-method": "POST",
            "access-control-request-headers": ",".join(["authorization", "content-type", *TRACING]),
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert set(TRACING) <= allowed
    assert set(TRACING) <= set(CORS_ALLOW_HEADERS)
    refused = await http.options(
        "/graphql",
        headers={
            "origin": OTHER,
            "access-control-request-method": "POST",
            "access-control-request-headers": "traceparent",
        },
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


async def test_an_answer_exposes_its_request_id(http: httpx.AsyncClient, people: People) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"origin": ALLOWED, "traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"},
    )
    assert response.headers["access-control-allow-origin"] == ALLOWED
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed
    assert response.headers["x-request-id"]


async def test_a_browser_page_of_an_allowed_origin_reads_the_answer_and_its_request_id(
    server: Server, people: People
) -> None:
    url = server.url + "/graphql"
    run = await NodeRun.start("cors_browser.mjs", chromium(), ALLOWED, url, people.alice.token)
    (outcome,) = await run.finished()
    assert outcome.get("error") is None, outcome
    assert outcome["status"] == 200
    assert outcome["body"] == {"data": {"me": {"email": people.alice.email}}}
    assert outcome["requestId"]  # readable by the page: exposed
    other = await NodeRun.start("cors_browser.mjs", chromium(), OTHER, url, people.alice.token)
    (refused,) = await other.finished()
    assert "Failed to fetch" in refused["error"]
