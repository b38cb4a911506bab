"""Subscriptions end to end: real websockets, real commits, both protocols.

Each guarantee of the realtime design has its test: live delivery, exact resume (also
across out-of-order commits and a concurrent hand-over), a killed listener connection,
slow consumers, tenancy, token expiry, several processes and rows larger than a NOTIFY.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
import websockets
from websockets.typing import Subprotocol

from aura.auth.principal import Principal
from aura.auth.tokens import mint
from aura.config import Settings
from aura.db.stream import EXECUTION_LOGS, Change
from aura.realtime.hub import LISTENER_NAME
from aura.realtime.subscription import Outbox, Subscription, can_see
from aura.realtime.websocket import TransportProtocol
from tests import factories
from tests.conftest import JWT_SECRET, Client, People, Server, _free_port
from tests.realtime import LEGACY, LOGS, TRANSPORT, Socket, connect
from tests.waiting import until

pytestmark = pytest.mark.timeout(60)

EVENTS = """
subscription Events($projectId: ID, $taskId: ID, $eventTypes: [String!], $after: String) {
  events(projectId: $projectId, taskId: $taskId, eventTypes: $eventTypes, after: $after) {
    cursor node { id eventType projectId taskId payload }
  }
}
"""
TASKS = """
subscription Tasks($projectId: ID, $after: String) {
  taskChanged(projectId: $projectId, after: $after) {
    cursor operation node { id title status projectId project { name } }
  }
}
"""
SERVICES = """
subscription Services($projectId: ID) {
  serviceStatusChanged(projectId: $projectId) {
    cursor operation node { serviceName status responseTimeMs }
  }
}
"""


@pytest.fixture(params=[TRANSPORT, LEGACY])
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def work(client: Client) -> dict[str, Any]:
    """Alice's project and task."""
    project = await factories.project(client)
    return await factories.task(client, project["id"])


async def insert_log(conn: asyncpg.Connection, task: dict[str, Any], message: str) -> str:
    """A log line written straight to the database, as an agent's own connection would."""
    return str(
        await conn.fetchval(
            "INSERT INTO execution_logs (project_id, task_id, agent_type, message) "
            "VALUES ($1, $2, 'WORKER', $3) RETURNING id",
            task["projectId"],
            task["id"],
            message,
        )
    )


async def messages(ws: Socket, count: int, field: str = "executionLogs") -> list[dict[str, Any]]:
    return [(await ws.next())[field] for _ in range(count)]


def texts(received: list[dict[str, Any]]) -> list[str]:
    return [m["node"]["message"] for m in received]


async def first_error(ws: Socket) -> dict[str, Any]:
    message = await ws.recv()
    assert message["type"] == "error", message
    payload = message["payload"]
    return dict(payload[0] if isinstance(payload, list) else payload)


# -- live delivery ----------------------------------------------------------------------


async def test_execution_logs_arrive_live(
    server: Server, client: Client, people: People, work: dict[str, Any], protocol: str
) -> None:
    async with connect(server, people.alice, protocol) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        await ws.ready()
        await factories.execution_log(client, work["id"], message="compiling")
        data = await ws.next()
    log = data["executionLogs"]
    assert log["node"]["message"] == "compiling"
    assert log["node"]["taskId"] == work["id"]
    assert log["cursor"].isdigit()


async def test_filters_select_levels_and_event_types(
    server: Server, client: Client, people: People, work: dict[str, Any]
) -> None:
    async with connect(server, people.alice) as ws:
        await ws.subscribe("logs", LOGS, {"taskId": work["id"], "levels": ["ERROR"]})
        await ws.subscribe(
            "events", EVENTS, {"projectId": work["projectId"], "eventTypes": ["task.*"]}
        )
        await ws.ready()
        await factories.execution_log(client, work["id"], message="fine", level="INFO")
        await factories.execution_log(client, work["id"], message="broken", level="ERROR")
        await client.gql(
            'mutation($id: ID!) { updateTask(id: $id, input: {title: "renamed"}) { id } }',
            {"id": work["id"]},
        )
        received = [await ws.recv() for _ in range(2)]
        await ws.nothing()
    by_id = {m["id"]: m["payload"]["data"] for m in received}
    assert by_id["logs"]["executionLogs"]["node"]["message"] == "broken"
    assert by_id["events"]["events"]["node"]["eventType"] == "task.updated"


async def test_task_changes_carry_each_version(
    server: Server, client: Client, people: People, work: dict[str, Any]
) -> None:
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", TASKS, {"projectId": work["projectId"]})
        await ws.ready()
        for status in ("PLANNING", "APPROVED"):
            response = await client.gql(
                "mutation($id: ID!, $s: TaskStatus!) "
                "{ updateTask(id: $id, input: {status: $s}) { id } }",
                {"id": work["id"], "s": status},
            )
            response.ok()
        deleted = await client.gql("mutation($id: ID!) { deleteTask(id: $id) }", {"id": work["id"]})
        deleted.ok()
        changes = await messages(ws, 3, "taskChanged")
    assert [(c["operation"], c["node"]["status"]) for c in changes] == [
        ("UPDATE", "PLANNING"),
        ("UPDATE", "APPROVED"),
        ("DELETE", "APPROVED"),
    ]
    assert changes[0]["node"]["project"] == {"name": "apollo"}
    assert int(changes[0]["cursor"]) < int(changes[1]["cursor"]) < int(changes[2]["cursor"])


async def test_service_status_changes(
    server: Server, client: Client, people: People, work: dict[str, Any]
) -> None:
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", SERVICES, {"projectId": work["projectId"]})
        await ws.ready()
        await factories.create(
            client,
            "ServiceStatus",
            {"projectId": work["projectId"], "serviceName": "api", "status": "HEALTHY"},
            "id",
        )
        change = (await ws.next())["serviceStatusChanged"]
    assert change["operation"] == "INSERT"
    assert change["node"] == {"serviceName": "api", "status": "HEALTHY", "responseTimeMs": None}


async def test_identical_subscriptions_are_rendered_once(
    server: Server, client: Client, people: People, work: dict[str, Any], db: asyncpg.Connection
) -> None:
    hub = server.app.state.hub
    async with (
        connect(server, people.alice) as alice,
        connect(server, people.alice) as alice_again,
        connect(server, people.admin) as admin,
    ):
        # The row's own fields: one rendering for everyone who may see the row.
        for ws in (alice, alice_again, admin):
            await ws.subscribe("logs", LOGS, {"taskId": work["id"]})
        # Nested rows are read under each user's security: one rendering per user.
        for ws in (alice, alice_again, admin):
            await ws.subscribe("tasks", TASKS, {"projectId": work["projectId"]})
        for ws in (alice, alice_again, admin):
            await ws.ready()
        before = hub.renders
        await insert_log(db, work, "once")
        await db.execute("UPDATE tasks SET title = 'twice' WHERE id = $1", work["id"])
        received = [
            {m["id"]: m["payload"]["data"] for m in [await ws.recv(), await ws.recv()]}
            for ws in (alice, alice_again, admin)
        ]
        renders = hub.renders - before
    assert all(r["logs"]["executionLogs"]["node"]["message"] == "once" for r in received)
    assert all(r["tasks"]["taskChanged"]["node"]["title"] == "twice" for r in received)
    assert renders == 1 + 2  # the log once; the task for alice and for the admin


async def test_the_token_may_come_in_the_upgrade_request(
    server: Server, client: Client, people: People, work: dict[str, Any]
) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[Subprotocol(TRANSPORT)],
        additional_headers={"Authorization": f"Bearer {people.alice.token}"},
    ) as raw:
        ws = Socket(raw, TRANSPORT)
        await ws.send({"type": "connection_init", "payload": {}})
        assert (await ws.recv())["type"] == "connection_ack"
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        await ws.ready()
        await factories.execution_log(client, work["id"], message="by header")
        assert texts(await messages(ws, 1)) == ["by header"]


# -- resume ------------------------------------------------------------------------------


async def test_resume_replays_what_was_missed_then_continues_live(
    server: Server,
    client: Client,
    people: People,
    work: dict[str, Any],
    db: asyncpg.Connection,
    protocol: str,
) -> None:
    async with connect(server, people.alice, protocol) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        await ws.ready()
        for i in range(2):
            await insert_log(db, work, f"before {i}")
        seen = await messages(ws, 2)
    for i in range(3):
        await insert_log(db, work, f"missed {i}")

    async with connect(server, people.alice, protocol) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"], "after": seen[-1]["cursor"]})
        replayed = await messages(ws, 3)
        await insert_log(db, work, "live")
        live = await messages(ws, 1)
        await ws.nothing()

    assert texts(seen) == ["before 0", "before 1"]
    assert texts(replayed) == ["missed 0", "missed 1", "missed 2"]
    assert texts(live) == ["live"]


async def test_resume_is_exact_when_transactions_commit_out_of_order(
    server: Server, people: People, work: dict[str, Any], database: str
) -> None:
    # Given two transactions: the first to start commits last.
    early, late = await asyncpg.connect(database), await asyncpg.connect(database)
    try:
        async with connect(server, people.alice) as ws:
            await ws.subscribe("1", LOGS, {"taskId": work["id"]})
            await ws.ready()
            first = early.transaction()
            await first.start()
            await insert_log(early, work, "started first")
            await insert_log(late, work, "started second")  # autocommit
            seen = await messages(ws, 1)
            # When the client goes away right after it, and the first one commits late
        await first.commit()
        # Then resuming after the second one's cursor still brings the first.
        async with connect(server, people.alice) as ws:
            await ws.subscribe("1", LOGS, {"taskId": work["id"], "after": seen[-1]["cursor"]})
            replayed = await messages(ws, 1)
            await ws.nothing()
    finally:
        await early.close()
        await late.close()
    assert texts(seen) == ["started second"]
    assert texts(replayed) == ["started first"]


async def test_hand_over_from_replay_to_live_has_no_gap_and_no_duplicate(
    server: Server, people: People, work: dict[str, Any], database: str, db: asyncpg.Connection
) -> None:
    await insert_log(db, work, "origin")
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"], "after": "0"})
        origin = await messages(ws, 1)

    count, first = 150, 50
    writers = [await asyncpg.connect(database) for _ in range(3)]
    subscribing = asyncio.Event()

    async def write(conn: asyncpg.Connection, lane: int) -> None:
        for i in range(lane, count, len(writers)):
            if i >= first:  # the rest is committed while the subscription starts
                await subscribing.wait()
            await insert_log(conn, work, f"line {i:03}")

    async def first_lines_committed() -> bool:
        sql = "SELECT count(*) FROM execution_logs WHERE task_id = $1"
        return int(await db.fetchval(sql, work["id"])) >= 1 + first  # and the origin

    try:
        async with connect(server, people.alice) as ws:
            # The first lines are there to replay; commits keep coming while the
            # subscription replays and goes live.
            writing = asyncio.gather(*(write(c, n) for n, c in enumerate(writers)))
            await until(first_lines_committed, "the first lines to commit")
            subscribing.set()
            await ws.subscribe("1", LOGS, {"taskId": work["id"], "after": origin[0]["cursor"]})
            received = await messages(ws, count)
            await writing
            await ws.nothing()
    finally:
        for conn in writers:
            await conn.close()
    assert sorted(texts(received)) == [f"line {i:03}" for i in range(count)]
    cursors = [int(m["cursor"]) for m in received]
    assert cursors == sorted(set(cursors))  # in stream order, each once


async def test_cursors_older_than_the_retention_expire(
    server: Server, people: People, work: dict[str, Any], db: asyncpg.Connection
) -> None:
    await insert_log(db, work, "old")
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"], "after": "0"})
        old = await messages(ws, 1)
    await insert_log(db, work, "newer")
    await db.execute(
        "UPDATE aura.stream SET committed_at = now() - interval '30 days' WHERE seq <= $1",
        int(old[0]["cursor"]) + 1,
    )

    removed = await server.app.state.hub.prune()

    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"], "after": old[0]["cursor"]})
        expired = await first_error(ws)
        await ws.subscribe(
            "2", LOGS, {"taskId": work["id"], "after": str(int(old[0]["cursor"]) + 1)}
        )
        await ws.nothing()
    assert removed >= 2
    assert expired["extensions"]["code"] == "CURSOR_EXPIRED"


async def test_bad_cursor_and_unknown_rows_are_refused(
    server: Server, people: People, work: dict[str, Any]
) -> None:
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"], "after": "yesterday"})
        bad_cursor = await first_error(ws)
        await ws.subscribe("2", LOGS, {"taskId": "00000000-0000-0000-0000-000000000000"})
        unknown = await first_error(ws)
        await ws.subscribe("3", LOGS, {"taskId": work["id"], "levels": ["LOUD"]})
        bad_variable = await first_error(ws)
    assert bad_cursor["extensions"]["code"] == "BAD_USER_INPUT"
    assert unknown["extensions"]["code"] == "NOT_FOUND"
    assert bad_variable["extensions"]["code"] == "BAD_USER_INPUT"


# -- faults -------------------------------------------------------------------------------


async def test_killed_listener_reconnects_and_nothing_is_lost(
    server: Server, people: People, work: dict[str, Any], db: asyncpg.Connection
) -> None:
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        await ws.ready()
        killed = await db.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()",
            LISTENER_NAME,
        )
        # Written while the listener is gone and reconnecting.
        for i in range(5):
            await insert_log(db, work, f"during {i}")
        received = await messages(ws, 5)
        await insert_log(db, work, "after")
        received += await messages(ws, 1)
        reconnected = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 "
            "AND datname = current_database()",
            LISTENER_NAME,
        )
    assert killed == 1
    assert reconnected == 1
    assert texts(received) == [f"during {i}" for i in range(5)] + ["after"]


async def test_after_a_database_restart_the_hub_reconnects_and_nothing_is_lost(
    server: Server, people: People, work: dict[str, Any], database: str, pg_cluster: Any
) -> None:
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        await ws.ready()
        await asyncio.to_thread(pg_cluster.restart)
        conn = await asyncpg.connect(database)
        try:
            # Committed before the hub has reconnected (it backs off up to 2 s).
            for i in range(3):
                await insert_log(conn, work, f"after restart {i}")
            received = await messages(ws, 3)
        finally:
            await conn.close()
    assert texts(received) == [f"after restart {i}" for i in range(3)]


async def test_rows_larger_than_a_notification_arrive_whole(
    server: Server, people: People, work: dict[str, Any], db: asyncpg.Connection
) -> None:
    big = "x" * 200_000  # NOTIFY payloads stop at 8000 bytes
    async with connect(server, people.alice) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        await ws.ready()
        await insert_log(db, work, big)
        received = await messages(ws, 1)
    assert texts(received) == [big]


async def test_slow_subscriber_is_ended_with_its_cursor_and_others_keep_up() -> None:
    """A websocket whose client stops reading blocks its writer: the subscription's
    backlog reaches its limit, it is ended with the cursor of the last message the
    client was sent, and a subscription on another connection gets everything."""
    stuck, sent_slow, sent_fast = asyncio.Event(), [], []

    async def send_slow(text: str) -> None:
        sent_slow.append(text)
        if len(sent_slow) == 2:
            await stuck.wait()  # the client stopped reading after two messages

    async def send_fast(text: str) -> None:
        sent_fast.append(text)

    def outbox(send: Any) -> Outbox:
        return Outbox(send, TransportProtocol.frame, TransportProtocol.ended)

    slow_box, fast_box = outbox(send_slow), outbox(send_fast)
    principal = Principal(user_id="u")
    flt = EXECUTION_LOGS.filter({"taskId": "t"})
    slow = Subscription("s", flt, principal, "USER", slow_box, limit=3, after=None)
    fast = Subscription("f", flt, principal, "USER", fast_box, limit=3, after=None)
    try:
        for seq in range(1, 11):
            change = Change(seq, "execution_logs", "INSERT", "p", "t", "u", {})
            for subscription in (slow, fast):
                subscription.deliver(change, f'{{"n":{seq}}}')
            await asyncio.sleep(0)  # the writers run between commits
        stuck.set()
        await asyncio.wait_for(slow_box.flushed(), 5)
        await asyncio.wait_for(fast_box.flushed(), 5)
    finally:
        slow_box.close()
        fast_box.close()
    assert [orjson.loads(t)["payload"]["n"] for t in sent_fast] == list(range(1, 11))
    assert slow.state == "ended"
    *data, last = [orjson.loads(t) for t in sent_slow]
    assert [m["payload"]["n"] for m in data] == [1, 2]
    assert last["type"] == "error"
    assert last["payload"][0]["extensions"] == {"code": "SUBSCRIBER_TOO_SLOW", "cursor": "2"}


# -- authorization -------------------------------------------------------------------------


async def test_another_tenant_never_receives_the_rows(
    server: Server, client: Client, people: People, work: dict[str, Any]
) -> None:
    bob = client.as_(people.bob)
    bobs_task = await factories.task(bob, (await factories.project(bob, "bobs"))["id"])
    async with (
        connect(server, people.alice) as alice_ws,
        connect(server, people.bob) as bob_ws,
        connect(server, people.pending) as pending_ws,
    ):
        await alice_ws.subscribe("events", EVENTS)
        await alice_ws.subscribe("tasks", TASKS)
        await pending_ws.subscribe("events", EVENTS)
        # Bob cannot name Alice's rows.
        await bob_ws.subscribe("1", LOGS, {"taskId": work["id"]})
        refused_task = await first_error(bob_ws)
        await bob_ws.subscribe("2", EVENTS, {"projectId": work["projectId"]})
        refused_project = await first_error(bob_ws)
        await bob_ws.subscribe("3", TASKS)
        for ws in (alice_ws, bob_ws, pending_ws):
            await ws.ready()

        # Bob's changes reach Bob, never Alice nor a pending user.
        await bob.gql(
            'mutation($id: ID!) { updateTask(id: $id, input: {title: "bob\'s"}) { id } }',
            {"id": bobs_task["id"]},
        )
        await factories.execution_log(bob, bobs_task["id"], message="bob's secret")
        bobs_change = (await bob_ws.next())["taskChanged"]
        await alice_ws.nothing()
        await pending_ws.nothing()

        # Alice's own change reaches her.
        await client.gql(
            'mutation($id: ID!) { updateTask(id: $id, input: {title: "alice\'s"}) { id } }',
            {"id": work["id"]},
        )
        alice_got = {m["id"] for m in [await alice_ws.recv(), await alice_ws.recv()]}
        await bob_ws.nothing()
        await pending_ws.nothing()
    assert refused_task["extensions"]["code"] == "NOT_FOUND"
    assert refused_project["extensions"]["code"] == "NOT_FOUND"
    assert bobs_change["node"]["title"] == "bob's"
    assert alice_got == {"events", "tasks"}


async def test_anonymous_cannot_subscribe(server: Server, work: dict[str, Any]) -> None:
    async with connect(server, None) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        error = await first_error(ws)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_bad_token_is_refused_at_connection_init(server: Server) -> None:
    url = server.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=[Subprotocol(TRANSPORT)]) as ws:
        await ws.send('{"type":"connection_init","payload":{"Authorization":"Bearer nope"}}')
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_an_expiring_token_ends_the_subscription(
    server: Server, people: People, work: dict[str, Any]
) -> None:
    token = mint(JWT_SECRET, people.alice.id, ttl_seconds=2)
    async with connect(server, None, payload={"Authorization": f"Bearer {token}"}) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        error = await first_error(ws)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_the_visibility_rule_agrees_with_row_level_security(
    client: Client, people: People, work: dict[str, Any], db: asyncpg.Connection
) -> None:
    """The hub checks visibility in Python; the database's policies are the reference."""
    bob = client.as_(people.bob)
    await factories.task(bob, (await factories.project(bob, "bobs"))["id"])
    await factories.workflow(client)  # an event without a project
    rows = await db.fetch("SELECT seq, project_id, task_id, user_id FROM aura.stream")
    owners = dict(await db.fetch("SELECT id, owner_id FROM projects"))
    assert len(rows) >= 4
    for user in (people.alice, people.bob, people.admin, people.pending):
        async with db.transaction():
            await db.execute(f"SELECT aura.begin_request('{user.id}'::uuid, 5000)")
            visible = {r[0] for r in await db.fetch("SELECT seq FROM aura.stream")}
            await db.execute("RESET ROLE")
            role = await db.fetchval("SELECT role FROM users WHERE id = $1", user.id)
        for row in rows:
            change = Change(row[0], "events", "INSERT", row[1], row[2], row[3], {})
            assert can_see(role, user.id, change, owners) == (row[0] in visible), (user, row)


# -- several processes -------------------------------------------------------------------


@pytest.fixture
async def second_process(database: str, server: Server, tmp_path: Path) -> AsyncIterator[str]:
    """Another Aura process (``aura serve``) on the same database (and the same home,
    so the same master key)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "AURA_JWT_SECRET": JWT_SECRET,
        "AURA_PORT": str(port),
        "AURA_HOME": str(server.settings.home),
        "AURA_RATE_LIMIT_PER_MINUTE": "0",
    }
    log = (tmp_path / "second.log").open("wb")
    process = subprocess.Popen(  # noqa: ASYNC220  (started once, waited for below)
        [sys.executable, "-m", "aura.cli", "serve"], env=env, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:

            async def healthy() -> bool:
                assert process.poll() is None, (tmp_path / "second.log").read_text()
                try:
                    return (await http.get(url + "/health")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(healthy, "the second process to be healthy", within=30)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


async def test_a_row_written_through_one_process_reaches_subscribers_of_another(
    server: Server,
    second_process: str,
    client: Client,
    people: People,
    work: dict[str, Any],
) -> None:
    other = Server(url=second_process, settings=server.settings)
    async with httpx.AsyncClient(base_url=second_process, timeout=30) as http:
        through_other = Client(http, people.alice)
        async with connect(server, people.alice) as here, connect(other, people.alice) as there:
            await here.subscribe("1", LOGS, {"taskId": work["id"]})
            await there.subscribe("1", LOGS, {"taskId": work["id"]})
            await here.ready()
            await there.ready()
            await factories.execution_log(through_other, work["id"], message="via the other")
            await factories.execution_log(client, work["id"], message="via this one")
            assert texts(await messages(here, 2)) == ["via the other", "via this one"]
            assert texts(await messages(there, 2)) == ["via the other", "via this one"]


@pytest.mark.parametrize("how", ["revoke", "disable"])
async def test_revoking_the_token_or_disabling_the_user_ends_the_subscription(
    server: Server, client: Client, people: People, work: dict[str, Any], how: str
) -> None:
    issued = (
        await client.gql(
            'mutation { issueAccessToken(input: {name: "ui", scopes: ["read"]}) '
            "{ accessToken token { id } } }"
        )
    ).ok()["issueAccessToken"]
    init = {"Authorization": f"Bearer {issued['accessToken']}"}
    async with connect(server, None, payload=init) as ws:
        await ws.subscribe("1", LOGS, {"taskId": work["id"]})
        await ws.ready()
        if how == "revoke":
            response = await client.gql(
                "mutation($id: ID!) { revokeAccessToken(id: $id) { id } }",
                {"id": issued["token"]["id"]},
            )
        else:
            response = await client.as_(people.admin).gql(
                "mutation($id: ID!) { disableUser(id: $id) { id } }", {"id": people.alice.id}
            )
        response.ok()
        error = await first_error(ws)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"


class TestCompression:
    """Every browser offers permessage-deflate; accepting it costs about 130 KiB of zlib
    state per connection, so Aura declines unless AURA_WS_COMPRESSION is set."""

    @pytest.fixture(params=[False, True], ids=["default", "configured"])
    def settings(self, settings: Settings, request: pytest.FixtureRequest) -> Settings:
        return dataclasses.replace(settings, ws_compression=request.param)

    async def test_per_message_deflate_is_off_unless_configured(self, server: Server) -> None:
        url = server.url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(url, subprotocols=[Subprotocol(TRANSPORT)]) as ws:
            assert ws.response is not None
            extensions = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
        assert ("permessage-deflate" in extensions) is server.settings.ws_compression
