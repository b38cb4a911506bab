"""Subscriptions end to end: real websockets, real commits, both protocols."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import Client, People, Server
from tests.realtime import LEGACY, LOGS, TRANSPORT, connect

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=[TRANSPORT, LEGACY])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_execution_logs_arrive_live(
    server: Server, client: Client, people: People, protocol: str
) -> None:
    project = await factories.project(client)
    task = await factories.task(client, project["id"])
    async with connect(server, people.alice, protocol) as ws:
        await ws.subscribe("1", LOGS, {"taskId": task["id"]})
        await ws.nothing()
        await factories.execution_log(client, task["id"], message="compiling")
        data = await ws.next()
    log = data["executionLogs"]
    assert log["node"]["message"] == "compiling"
    assert log["node"]["taskId"] == task["id"]
    assert log["cursor"].isdigit()
