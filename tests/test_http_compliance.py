"""GraphQL over HTTP compliance: graphql-http's ``auditServer`` against a real server.

The audit is the reference implementation's own (the ``graphql-http`` npm package, pinned
in tests/http_audit/package.json): it sends its requests (GET and POST, various content
types and ``Accept`` headers, malformed bodies) and grades the answers. A failed MUST is
an 'error' and fails this test; failed SHOULDs ('warn') and MAYs ('notice') are printed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import People, Server
from tests.node import npm_installed

AUDIT_DIR = Path(__file__).parent / "http_audit"
# graphql-http 1.23.1 runs 61 audits, and all 61 pass (plain Strawberry passes 53: the
# 8 others are the application/graphql-response+json SHOULDs GraphQLView adds). The floor
# keeps the test from passing vacuously (an audit that did not run, a server that
# answers nothing) while leaving room for a SHOULD to become a printed warning.
MIN_OK = 55


@pytest.fixture(scope="session")
def audit_script() -> Path:
    """The audit script, with its npm dependencies installed once per session."""
    npm_installed(AUDIT_DIR, "graphql-http", "the GraphQL over HTTP audit")
    return AUDIT_DIR / "audit.mjs"


async def run_audit(script: Path, url: str, token: str) -> list[dict[str, Any]]:
    """Run the audit in a child process without blocking the loop the server runs in."""
    node = shutil.which("node")
    assert node is not None
    proc = await asyncio.create_subprocess_exec(
        node,
        str(script),
        url,
        token,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=90)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, f"audit exited {proc.returncode}:\n{stderr.decode()}"
    results = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    assert results, f"the audit printed no results:\n{stderr.decode()}"
    return results


def _describe(result: dict[str, Any]) -> str:
    response = result.get("response") or {}
    return (
        f"  [{result['id']}] {result['name']}: {result.get('reason')}"
        f" (got {response.get('status')} {response.get('contentType')}"
        f" {response.get('body', '')!s:.200})"
    )


async def test_graphql_over_http_audit(audit_script: Path, server: Server, people: People) -> None:
    results = await run_audit(audit_script, f"{server.url}/graphql", people.alice.token)

    by_status: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_status.setdefault(result["status"], []).append(result)
    ok, errors = by_status.get("ok", []), by_status.get("error", [])
    print(
        f"\ngraphql-http audit: {len(results)} audits, "
        + ", ".join(f"{len(v)} {k}" for k, v in sorted(by_status.items()))
    )
    for status in ("warn", "notice"):
        for result in by_status.get(status, []):
            print(f"{status}:{_describe(result)}")

    assert not errors, "GraphQL over HTTP audit errors (failed MUSTs):\n" + "\n".join(
        _describe(r) for r in errors
    )
    assert len(ok) >= MIN_OK, (
        f"only {len(ok)} audits passed (expected at least {MIN_OK}):\n"
        + "\n".join(_describe(r) for r in results if r["status"] != "ok")
    )


GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


async def _post(
    http: httpx.AsyncClient,
    token: str,
    query: str,
    accept: str | None,
    variables: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"}
    if accept is not None:
        headers["accept"] = accept
    return await http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE_JSON};q=0", "application/json"),
    ],
)
async def test_response_media_type_follows_accept(
    http: httpx.AsyncClient, people: People, accept: str | None, media_type: str
) -> None:
    response = await _post(http, people.alice.token, "{ me { email } }", accept)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json() == {"data": {"me": {"email": "alice@example.com"}}}
    assert "x-aura-sql-statements" in response.headers


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{", None, "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($id: ID!) { task(id: $id) { id } }", {"id": None}, "BAD_USER_INPUT"),
    ],
)
async def test_request_errors_are_400_without_data_for_graphql_response_json(
    http: httpx.AsyncClient, people: People, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    strict = await _post(http, people.alice.token, query, GRAPHQL_RESPONSE_JSON, variables)
    assert strict.status_code == 400
    assert strict.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert "data" not in strict.json()
    assert [e["extensions"]["code"] for e in strict.json()["errors"]] == [code]

    legacy = await _post(http, people.alice.token, query, "application/json", variables)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"
    assert legacy.json()["data"] is None
    assert [e["extensions"]["code"] for e in legacy.json()["errors"]] == [code]


async def test_field_errors_stay_200_with_data_for_graphql_response_json(
    http: httpx.AsyncClient, people: People
) -> None:
    # The error nulls the (non-null) root field, so data is null; but execution ran: a
    # field error, not a request error.
    missing = "00000000-0000-0000-0000-000000000000"
    response = await _post(
        http,
        people.alice.token,
        f'mutation {{ deleteTask(id: "{missing}") }}',
        GRAPHQL_RESPONSE_JSON,
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    body = response.json()
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
