"""A legacy client's ordinary goodbye is not an error.

subscriptions-transport-ws (Apollo's legacy graphql-ws protocol, npm, pinned in
tests/http_clients) connects, runs a query, starts a subscription and closes the way it
always does: ``connection_terminate``, then the socket. Nothing at ERROR is logged (the
issue saw ``Task exception was never retrieved … ClientDisconnected``), including what
asyncio reports when it collects the tasks the connection left behind.
"""

from __future__ import annotations

import gc
import logging

import pytest

from tests.conftest import People, Server
from tests.streams import NodeRun
from tests.test_sse import unsubscribed

pytestmark = pytest.mark.timeout(90)


async def test_connection_terminate_logs_no_error(
    server: Server, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    with caplog.at_level(logging.INFO):
        run = await NodeRun.start("legacy_terminate.mjs", url, people.alice.token, "3")
        got = await run.finished()
        await unsubscribed(server)
        gc.collect()  # a task whose exception nobody retrieved is reported here
    assert got == [{"data": {"__typename": "Query"}}] * 3
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
