"""allocatePort under real concurrency: two Aura processes on one database (the test's
own server and an ``aura serve`` subprocess), many callers at once on one range.

What must hold whatever the interleaving: no two allocations that are not released share
a port (the database is asked, not only the responses), a full range answers CONFLICT
naming it and writes nothing, and another project's reservation is never handed out.

The tests through two processes each start their own ``aura serve`` (several seconds of
the test's time, marked slow): a second process is the point. The last ones hold
transactions open on purpose to show who waits for whom.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests import factories
from tests.conftest import JWT_SECRET, Client, People, Response, Server, _free_port
from tests.ports import allocate, port_range, reserve
from tests.waiting import until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def other_process(database: str, server: Server, tmp_path: Path) -> AsyncIterator[str]:
    """A second Aura process (``aura serve``) on the same database; its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "AURA_JWT_SECRET": JWT_SECRET,
        "AURA_PORT": str(port),
        "AURA_HOME": str(server.settings.home),
        "AURA_RATE_LIMIT_PER_MINUTE": "0",
        "AURA_POOL_MAX_SIZE": "25",
    }
    log_path = tmp_path / "other.log"
    log = log_path.open("wb")
    process = subprocess.Popen(  # noqa: ASYNC220  (started once, waited for below)
        [sys.executable, "-m", "aura.cli", "serve"], env=env, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as http:

            async def healthy() -> bool:
                assert process.poll() is None, log_path.read_text()
                try:
                    return (await http.get(url + "/health")).status_code == 200
                except httpx.TransportError:
                    return False

            await until(healthy, "the other process to be healthy", within=30)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


@pytest.fixture
async def there(other_process: str, people: People) -> AsyncIterator[Client]:
    """Alice, talking to the other process."""
    async with httpx.AsyncClient(base_url=other_process, timeout=60) as http:
        yield Client(http, people.alice)


async def both(here: Client, there: Client, calls: int, *args: object) -> list[Response]:
    """``calls`` concurrent allocatePort requests, alternating between the two processes."""
    clients = [here if n % 2 == 0 else there for n in range(calls)]
    return list(await asyncio.gather(*(allocate(c, *args) for c in clients)))  # type: ignore[arg-type]


async def active(db: asyncpg.Connection) -> list[int]:
    return [
        r[0]
        for r in await db.fetch(
            "SELECT port_number FROM port_allocations WHERE status <> 'RELEASED' ORDER BY 1"
        )
    ]


@pytest.mark.slow
async def test_fifty_concurrent_allocations_over_two_processes_get_fifty_ports(
    client: Client, there: Client, people: People, db: asyncpg.Connection
) -> None:
    web = await port_range(client.as_(people.admin), "web", 3000, 3999)
    project = await factories.project(client, "apollo")
    responses = await both(client, there, 50, project["id"], web["id"], "api")
    ports = [r.ok()["allocatePort"]["portNumber"] for r in responses]
    assert len(set(ports)) == 50, Counter(ports).most_common(3)
    # skip-locked: every caller got one of the lowest free ports
    assert sorted(ports) == list(range(3000, 3050))
    assert await active(db) == sorted(ports)


@pytest.mark.slow
async def test_twenty_callers_on_a_range_of_ten_get_ten_ports_and_ten_conflicts(
    client: Client, there: Client, people: People, db: asyncpg.Connection
) -> None:
    small = await port_range(client.as_(people.admin), "small", 5000, 5009)
    project = await factories.project(client, "apollo")
    responses = await both(client, there, 20, project["id"], small["id"], "api")
    won = [r.ok()["allocatePort"]["portNumber"] for r in responses if not r.errors]
    lost = [r for r in responses if r.errors]
    assert sorted(won) == list(range(5000, 5010))
    assert len(lost) == 10
    for response in lost:
        assert response.codes == ["CONFLICT"], response.errors
        assert '"small"' in response.errors[0]["message"], response.errors
        assert response.data is None
    assert await active(db) == list(range(5000, 5010))
    assert await db.fetchval("SELECT count(*) FROM port_allocations") == 10


@pytest.mark.slow
async def test_reservations_made_during_allocations_are_never_handed_to_another_project(
    client: Client, there: Client, people: People, db: asyncpg.Connection
) -> None:
    web = await port_range(client.as_(people.admin), "web", 6000, 6029)
    bob = client.as_(people.bob)
    mine = await factories.project(client, "apollo")
    theirs = await factories.project(bob, "zeus")
    until_later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    reservations = [
        reserve(bob, theirs["id"], web["id"], port, until_later, "db")
        for port in range(6000, 6020, 2)
    ]
    allocations = [
        allocate(client if n % 2 else there, mine["id"], web["id"], "api") for n in range(15)
    ]
    answers = await asyncio.gather(*reservations, *allocations)
    reserved = {a.ok()["reservePort"]["portNumber"] for a in answers[:10] if not a.errors}
    for refused in (a for a in answers[:10] if a.errors):
        assert refused.codes == ["CONFLICT"], refused.errors
    ports = {a.ok()["allocatePort"]["portNumber"] for a in answers[10:]}
    assert len(ports) == 15
    assert not ports & reserved
    clash = await db.fetchval(
        "SELECT count(*) FROM port_allocations a JOIN port_reservations r"
        " ON r.port_number = a.port_number AND r.project_id <> a.project_id"
        " WHERE a.status <> 'RELEASED' AND r.expires_at > now()"
    )
    assert clash == 0


# -- the locks, one transaction at a time ------------------------------------------------


async def as_member(database: str, user_id: str) -> asyncpg.Connection:
    """A connection in an open request transaction of ``user_id`` (as the API runs them)."""
    conn = await asyncpg.connect(database)
    await conn.execute(f"BEGIN; SELECT aura.begin_request('{user_id}'::uuid, 5000)")
    return conn


async def allocate_in(conn: asyncpg.Connection, project: str, range_id: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT port_number FROM aura.allocate_port($1::uuid, $2::uuid, 'api', NULL,"
            " 'localhost', 'TCP', NULL, NULL, NULL)",
            project,
            range_id,
        )
    )


async def test_a_caller_never_waits_for_another_callers_uncommitted_allocation(
    database: str, client: Client, people: People, db: asyncpg.Connection
) -> None:
    web = await port_range(client.as_(people.admin), "web", 3000, 3009)
    project = await factories.project(client, "apollo")
    first = await as_member(database, people.alice.id)
    second = await as_member(database, people.alice.id)
    try:
        assert await allocate_in(first, project["id"], web["id"]) == 3000
        # the first has not committed: the second skips its port instead of waiting
        await second.execute("SET LOCAL lock_timeout = '1s'")
        assert await asyncio.wait_for(allocate_in(second, project["id"], web["id"]), 5) == 3001
        await second.execute("COMMIT")
        await first.execute("COMMIT")
    finally:
        await first.close()
        await second.close()
    assert await active(db) == [3000, 3001]


@pytest.mark.parametrize("outcome", ["ROLLBACK", "COMMIT"])
async def test_the_last_free_port_waits_for_its_taker_and_then_is_free_or_full(
    database: str, client: Client, people: People, db: asyncpg.Connection, outcome: str
) -> None:
    one = await port_range(client.as_(people.admin), "one", 4000, 4000)
    project = await factories.project(client, "apollo")
    first = await as_member(database, people.alice.id)
    second = await as_member(database, people.alice.id)
    try:
        assert await allocate_in(first, project["id"], one["id"]) == 4000
        waiting = asyncio.create_task(allocate_in(second, project["id"], one["id"]))

        async def blocked() -> bool:
            return bool(
                await db.fetchval(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                )
            )

        await until(blocked, "the second caller to wait for the first")
        await first.execute(outcome)
        if outcome == "ROLLBACK":
            assert await asyncio.wait_for(waiting, 5) == 4000
        else:
            with pytest.raises(asyncpg.PostgresError, match='"one"') as full:
                await asyncio.wait_for(waiting, 5)
            assert full.value.sqlstate == "AU409"
        await second.execute("ROLLBACK" if outcome == "COMMIT" else "COMMIT")
    finally:
        await first.close()
        await second.close()
    assert await active(db) == [4000]


async def test_a_port_given_back_by_a_rolled_back_allocation_is_found_before_full(
    database: str, client: Client, people: People, db: asyncpg.Connection
) -> None:
    small = await port_range(client.as_(people.admin), "small", 4000, 4002)
    project = await factories.project(client, "apollo")
    first = await as_member(database, people.alice.id)
    second = await as_member(database, people.alice.id)
    try:
        assert await allocate_in(first, project["id"], small["id"]) == 4000
        assert await allocate_in(second, project["id"], small["id"]) == 4001
        await second.execute("COMMIT")
        await first.execute("ROLLBACK")  # 4000 is free again, below the highest port held
    finally:
        await first.close()
        await second.close()
    assert (await allocate(client, project["id"], small["id"])).ok()["allocatePort"][
        "portNumber"
    ] == 4002
    # the top of the range is reached: the whole range is looked at before "full"
    assert (await allocate(client, project["id"], small["id"])).ok()["allocatePort"][
        "portNumber"
    ] == 4000
    full = await allocate(client, project["id"], small["id"])
    assert full.codes == ["CONFLICT"]
    assert await active(db) == [4000, 4001, 4002]


async def test_ports_of_a_deleted_project_are_handed_out_again_lowest_first(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    web = await port_range(client.as_(people.admin), "web", 3000, 3099)
    doomed = await factories.project(client, "doomed")
    kept = await factories.project(client, "kept")
    for project in (doomed, kept, doomed, kept):
        await allocate(client, project["id"], web["id"])
    (await client.gql("mutation($id: ID!) { deleteProject(id: $id) }", {"id": doomed["id"]})).ok()
    assert await active(db) == [3001, 3003]
    ports = [
        (await allocate(client, kept["id"], web["id"])).ok()["allocatePort"]["portNumber"]
        for _ in range(3)
    ]
    assert ports == [3000, 3002, 3004]
