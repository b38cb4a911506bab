"""The port allocator (seed 002): ranges, allocations, reservations, health checks and
the views, through the API, with the rows checked in the database.

Concurrency (several processes, full ranges under contention) is in
tests/test_ports_concurrency.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from aura.db.errors import translate
from tests import factories
from tests.conftest import Client, People
from tests.ports import ALLOCATION, allocate, allocated, port_range, reserve

LATER = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
EARLIER = (datetime.now(UTC) - timedelta(hours=1)).isoformat()


async def rows(db: asyncpg.Connection, table: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(f"SELECT * FROM {table} ORDER BY created_at")]


async def active_ports(db: asyncpg.Connection) -> list[int]:
    return [
        r[0]
        for r in await db.fetch(
            "SELECT port_number FROM port_allocations WHERE status <> 'RELEASED' ORDER BY 1"
        )
    ]


# -- ranges ------------------------------------------------------------------------------


async def test_admins_write_ranges_and_members_read_them(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    web = await port_range(admin, "web", 3000, 3999, description="web servers")
    assert web == {
        "id": web["id"],
        "rangeName": "web",
        "startPort": 3000,
        "endPort": 3999,
        "isActive": True,
    }
    listed = (await client.gql("{ portRanges { totalCount nodes { id rangeName } } }")).ok()
    assert listed["portRanges"]["nodes"] == [{"id": web["id"], "rangeName": "web"}]
    create = "mutation($input: CreatePortRangeInput!) { createPortRange(input: $input) { id } }"
    refused = await client.gql(
        create, {"input": {"rangeName": "mine", "startPort": 5000, "endPort": 5010}}
    )
    assert refused.codes == ["FORBIDDEN"], refused.errors
    pending = await client.as_(people.pending).gql("{ portRanges { totalCount } }")
    assert pending.ok()["portRanges"]["totalCount"] == 0
    assert [r["range_name"] for r in await rows(db, "port_ranges")] == ["web"]


async def test_bad_ranges_are_refused_and_nothing_is_written(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    web = await port_range(admin, "web", 3000, 3999)
    create = "mutation($input: CreatePortRangeInput!) { createPortRange(input: $input) { id } }"
    cases = [
        ({"rangeName": "down", "startPort": 5000, "endPort": 4999}, "BAD_USER_INPUT", "below"),
        ({"rangeName": "zero", "startPort": 0, "endPort": 10}, "BAD_USER_INPUT", "65535"),
        ({"rangeName": "huge", "startPort": 65000, "endPort": 70000}, "BAD_USER_INPUT", "65535"),
        ({"rangeName": "over", "startPort": 3500, "endPort": 4500}, "CONFLICT", '"web"'),
        ({"rangeName": "web", "startPort": 6000, "endPort": 6010}, "CONFLICT", "rangeName"),
    ]
    for values, code, text in cases:
        response = await admin.gql(create, {"input": values})
        assert response.codes == [code], (values, response.errors)
        assert text in response.errors[0]["message"], response.errors
    update = (
        "mutation($id: ID!, $input: UpdatePortRangeInput!) "
        "{ updatePortRange(id: $id, input: $input) { id } }"
    )
    shrunk = await admin.gql(update, {"id": web["id"], "input": {"endPort": 2999}})
    assert shrunk.codes == ["BAD_USER_INPUT"]
    assert "below" in shrunk.errors[0]["message"]
    assert [
        (r["range_name"], r["start_port"], r["end_port"]) for r in await rows(db, "port_ranges")
    ] == [("web", 3000, 3999)]
    # an inactive range may overlap; activating it is then refused
    spare = await port_range(admin, "spare", 3500, 3600, isActive=False)
    activate = await admin.gql(update, {"id": spare["id"], "input": {"isActive": True}})
    assert activate.codes == ["CONFLICT"], activate.errors
    assert (
        await db.fetchval("SELECT is_active FROM port_ranges WHERE id = $1", spare["id"]) is False
    )


async def test_the_exclusion_constraint_guards_overlaps_the_trigger_cannot_see(
    db: asyncpg.Connection,
) -> None:
    # Two concurrent inserts cannot see each other in the trigger; the constraint can.
    await db.execute("ALTER TABLE port_ranges DISABLE TRIGGER t10_check_port_range")
    await db.execute(
        "INSERT INTO port_ranges (range_name, start_port, end_port) VALUES ('a', 1, 10)"
    )
    with pytest.raises(asyncpg.ExclusionViolationError) as refused:
        await db.execute(
            "INSERT INTO port_ranges (range_name, start_port, end_port) VALUES ('b', 10, 20)"
        )
    error = translate(refused.value)
    assert error is not None
    assert error.code == "CONFLICT"
    assert await db.fetchval("SELECT count(*) FROM port_ranges") == 1


# -- allocation ----------------------------------------------------------------------------


async def test_allocate_hands_out_the_lowest_free_port_and_release_frees_it(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    web = await port_range(admin, "web", 3000, 3009)
    project = await factories.project(client, "apollo")
    first = (await allocate(client, project["id"], web["id"], "api")).ok()["allocatePort"]
    assert first == {
        "id": first["id"],
        "projectId": project["id"],
        "portRangeId": web["id"],
        "portNumber": 3000,
        "serviceName": "api",
        "status": "ALLOCATED",
        "hostname": "localhost",
        "protocol": "TCP",
        "releasedAt": None,
    }
    assert await allocated(client, project["id"], web["id"], "worker") == 3001
    # the same port on another host is another port
    elsewhere = await allocate(client, project["id"], web["id"], "api", hostname="box-2")
    assert elsewhere.ok()["allocatePort"]["portNumber"] == 3000
    hint = "query($r: ID!) { findAvailablePort(rangeId: $r) }"
    assert (await client.gql(hint, {"r": web["id"]})).ok()["findAvailablePort"] == 3002

    release = f"mutation {{ releasePort(portNumber: 3000) {{ {ALLOCATION} }} }}"
    released = (await client.gql(release)).ok()["releasePort"]
    assert released["id"] == first["id"]
    assert released["status"] == "RELEASED"
    assert released["releasedAt"] is not None
    row = await db.fetchrow(
        "SELECT status, released_at FROM port_allocations WHERE id = $1", first["id"]
    )
    assert row["status"] == "RELEASED"
    assert row["released_at"] is not None
    again = (await client.gql(release)).codes
    assert again == ["NOT_FOUND"]
    # the released port is handed out again, as a new allocation
    reused = (await allocate(client, project["id"], web["id"], "api")).ok()["allocatePort"]
    assert reused["portNumber"] == 3000
    assert reused["id"] != first["id"]
    assert await db.fetchval("SELECT count(*) FROM port_allocations WHERE port_number = 3000") == 3

    by_id = f"mutation($id: ID!) {{ releasePortAllocation(id: $id) {{ {ALLOCATION} }} }}"
    done = (await client.gql(by_id, {"id": reused["id"]})).ok()["releasePortAllocation"]
    assert done["status"] == "RELEASED"
    twice = (await client.gql(by_id, {"id": reused["id"]})).ok()["releasePortAllocation"]
    assert twice["releasedAt"] == done["releasedAt"]  # idempotent: already released
    revive = await client.gql(
        "mutation($id: ID!) { updatePortAllocation(id: $id, input: {status: IN_USE}) { id } }",
        {"id": reused["id"]},
    )
    assert revive.codes == ["CONFLICT"], revive.errors


async def test_a_full_range_is_a_conflict_naming_it(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    tiny = await port_range(admin, "tiny", 4000, 4001)
    project = await factories.project(client, "apollo")
    assert [await allocated(client, project["id"], tiny["id"]) for _ in range(2)] == [4000, 4001]
    full = await allocate(client, project["id"], tiny["id"])
    assert full.codes == ["CONFLICT"]
    assert '"tiny"' in full.errors[0]["message"]
    assert "4000-4001" in full.errors[0]["message"]
    hint = "query($r: ID!) { findAvailablePort(rangeId: $r) }"
    assert (await client.gql(hint, {"r": tiny["id"]})).ok()["findAvailablePort"] is None
    assert await active_ports(db) == [4000, 4001]


async def test_bad_allocations_are_refused_and_nothing_is_written(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    web = await port_range(admin, "web", 3000, 3009)
    closed = await port_range(admin, "closed", 7000, 7009, isActive=False)
    mine = await factories.project(client, "apollo")
    theirs = await factories.project(client.as_(people.bob), "zeus")
    cases = [
        (
            {"projectId": mine["id"], "rangeId": web["id"], "port": 4000},
            "BAD_USER_INPUT",
            "outside",
        ),
        ({"projectId": mine["id"], "rangeId": web["id"], "port": 0}, "BAD_USER_INPUT", "65535"),
        (
            {"projectId": mine["id"], "rangeId": "00000000-0000-4000-8000-000000000000"},
            "BAD_USER_INPUT",
            "no such port range",
        ),
        ({"projectId": mine["id"], "rangeId": closed["id"]}, "CONFLICT", "not active"),
        ({"projectId": theirs["id"], "rangeId": web["id"]}, "BAD_USER_INPUT", "no such project"),
        (
            {"projectId": mine["id"], "rangeId": web["id"], "service": "  "},
            "BAD_USER_INPUT",
            "blank",
        ),
    ]
    for values, code, text in cases:
        variables = {"service": "api", **values}
        response = await client.gql(
            "mutation($projectId: ID!, $rangeId: ID!, $service: String!, $port: Int) {"
            " allocatePort(projectId: $projectId, rangeId: $rangeId, serviceName: $service,"
            " portNumber: $port) { id } }",
            variables,
        )
        assert response.codes == [code], (values, response.errors)
        assert text in response.errors[0]["message"], response.errors
    pending = await allocate(client.as_(people.pending), mine["id"], web["id"])
    assert pending.codes == ["BAD_USER_INPUT"], pending.errors
    assert await rows(db, "port_allocations") == []
    # a specific port that is taken
    assert (await allocate(client, mine["id"], web["id"], port=3005)).ok()["allocatePort"][
        "portNumber"
    ] == 3005
    taken = await allocate(client.as_(people.bob), theirs["id"], web["id"], port=3005)
    assert taken.codes == ["CONFLICT"], taken.errors
    assert await active_ports(db) == [3005]


# -- reservations ----------------------------------------------------------------------------


async def test_reservations_hold_ports_for_their_project_and_service_until_they_expire(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    bob = client.as_(people.bob)
    web = await port_range(admin, "web", 3000, 3004)
    mine = await factories.project(client, "apollo")
    theirs = await factories.project(bob, "zeus")
    held = (await reserve(bob, theirs["id"], web["id"], 3000, LATER, "db")).ok()["reservePort"]
    assert held["portNumber"] == 3000
    lapsed = await db.fetchval(
        "INSERT INTO port_reservations (project_id, port_range_id, port_number, service_name,"
        " expires_at) VALUES ($1, $2, 3001, 'db', now() - interval '1 minute') RETURNING id",
        theirs["id"],
        web["id"],
    )
    # another project's reservation is never handed out; an expired one is
    assert await allocated(client, mine["id"], web["id"]) == 3001
    assert await allocated(client, mine["id"], web["id"]) == 3002
    # the owner's own reservation for the service comes first, and is used up
    assert await allocated(bob, theirs["id"], web["id"], "db") == 3000
    assert (
        await db.fetchval("SELECT count(*) FROM port_reservations WHERE id = $1", held["id"]) == 0
    )
    # reserved for another service of the same project: not for this one
    await reserve(bob, theirs["id"], web["id"], 3003, LATER, "cache")
    assert await allocated(bob, theirs["id"], web["id"], "db") == 3004
    refused = await reserve(client, mine["id"], web["id"], 3003, LATER)
    assert refused.codes == ["CONFLICT"], refused.errors
    taken = await reserve(client, mine["id"], web["id"], 3001, LATER)
    assert taken.codes == ["CONFLICT"]
    assert "allocated" in taken.errors[0]["message"]
    for port, until, code in ((3009, LATER, "BAD_USER_INPUT"), (3003, EARLIER, "BAD_USER_INPUT")):
        response = await reserve(client, mine["id"], web["id"], port, until)
        assert response.codes == [code], response.errors
    full = await allocate(client, mine["id"], web["id"])
    assert full.codes == ["CONFLICT"]

    # cleanup deletes what the caller may see: bob's expired one, for bob
    cleanup = "mutation { cleanupExpiredReservations }"
    assert (await client.gql(cleanup)).ok()["cleanupExpiredReservations"] == 0
    assert (await bob.gql(cleanup)).ok()["cleanupExpiredReservations"] == 1
    assert await db.fetchval("SELECT count(*) FROM port_reservations WHERE id = $1", lapsed) == 0
    assert await db.fetchval("SELECT count(*) FROM port_reservations") == 1
    listed = (await bob.gql("{ portReservations { nodes { portNumber serviceName } } }")).ok()
    assert listed["portReservations"]["nodes"] == [{"portNumber": 3003, "serviceName": "cache"}]


# -- health checks and views -----------------------------------------------------------------


async def test_a_healthy_check_sets_last_used_at_and_the_views_show_the_range(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    web = await port_range(admin, "web", 3000, 3009)
    project = await factories.project(client, "apollo")
    allocation = (await allocate(client, project["id"], web["id"])).ok()["allocatePort"]
    await allocated(client.as_(people.admin), project["id"], web["id"], "admin-svc")
    record = """
    mutation($id: ID!, $status: PortHealth!, $ms: Int) {
      recordPortHealthCheck(allocationId: $id, status: $status, responseTimeMs: $ms) {
        id status responseTimeMs checkedAt allocation { id lastUsedAt }
      }
    }"""
    failed = (await client.gql(record, {"id": allocation["id"], "status": "UNHEALTHY"})).ok()
    assert failed["recordPortHealthCheck"]["allocation"]["lastUsedAt"] is None
    ok = (await client.gql(record, {"id": allocation["id"], "status": "HEALTHY", "ms": 12})).ok()
    check = ok["recordPortHealthCheck"]
    assert check["allocation"]["lastUsedAt"] == check["checkedAt"]
    assert await db.fetchval(
        "SELECT last_used_at = (SELECT max(checked_at) FROM port_health_checks"
        " WHERE status = 'HEALTHY') FROM port_allocations WHERE id = $1",
        allocation["id"],
    )
    negative = await client.gql(record, {"id": allocation["id"], "status": "HEALTHY", "ms": -1})
    assert negative.codes == ["BAD_USER_INPUT"]
    assert await db.fetchval("SELECT count(*) FROM port_health_checks") == 2

    views = (
        await client.gql(
            "{ portRangeUtilization { nodes { rangeName totalPorts allocatedPorts releasedPorts"
            " reservedPorts utilizationPercent portRange { id } } }"
            " activePortAllocations { nodes { portNumber serviceName projectName rangeName } } }"
        )
    ).ok()
    assert views["portRangeUtilization"]["nodes"] == [
        {
            "rangeName": "web",
            "totalPorts": 10,
            "allocatedPorts": 2,  # counted over every project: the range is shared
            "releasedPorts": 0,
            "reservedPorts": 0,
            "utilizationPercent": 20.0,
            "portRange": {"id": web["id"]},
        }
    ]
    assert views["activePortAllocations"]["nodes"] == [
        {"portNumber": 3000, "serviceName": "api", "projectName": "apollo", "rangeName": "web"},
        {
            "portNumber": 3001,
            "serviceName": "admin-svc",
            "projectName": "apollo",
            "rangeName": "web",
        },
    ]
    bob = await client.as_(people.bob).gql("{ activePortAllocations { totalCount } }")
    assert bob.ok()["activePortAllocations"]["totalCount"] == 0
    released = await client.gql(
        "mutation($id: ID!) { releasePortAllocation(id: $id) { status } }", {"id": allocation["id"]}
    )
    released.ok()
    late = await client.gql(record, {"id": allocation["id"], "status": "HEALTHY"})
    assert late.codes == ["CONFLICT"]


async def test_connections_filter_order_and_nest(client: Client, people: People) -> None:
    admin = client.as_(people.admin)
    web = await port_range(admin, "web", 3000, 3009)
    project = await factories.project(client, "apollo")
    for service in ("a", "b", "c"):
        await allocated(client, project["id"], web["id"], service)
    query = """
    query($p: ID!) {
      project(id: $p) {
        portAllocations(
          filter: {portNumber: {gte: 3001}}
          orderBy: [{field: PORT_NUMBER, direction: DESC}]
          first: 1
        ) {
          totalCount nodes { portNumber portRange { rangeName } } pageInfo { hasNextPage }
        }
      }
      portRanges(filter: {rangeName: {eq: "web"}}) { nodes { allocations { totalCount } } }
    }"""
    data = (await client.gql(query, {"p": project["id"]})).ok()
    connection = data["project"]["portAllocations"]
    assert connection["totalCount"] == 2
    assert connection["nodes"] == [{"portNumber": 3002, "portRange": {"rangeName": "web"}}]
    assert connection["pageInfo"]["hasNextPage"] is True
    assert data["portRanges"]["nodes"] == [{"allocations": {"totalCount": 3}}]


async def test_a_released_port_taken_by_number_is_not_handed_out_twice(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    web = await port_range(client.as_(people.admin), "web", 3000, 3009)
    project = await factories.project(client, "apollo")
    assert [await allocated(client, project["id"], web["id"]) for _ in range(2)] == [3000, 3001]
    (await client.gql("mutation { releasePort(portNumber: 3000) { id } }")).ok()
    assert await db.fetchval("SELECT count(*) FROM aura.port_holes") == 1
    taken = await allocate(client, project["id"], web["id"], port=3000)
    assert taken.ok()["allocatePort"]["portNumber"] == 3000
    # the hole is stale now: the next allocation skips it, and forgets it
    assert await allocated(client, project["id"], web["id"]) == 3002
    assert await db.fetchval("SELECT count(*) FROM aura.port_holes") == 0
    assert await active_ports(db) == [3000, 3001, 3002]


async def test_a_range_in_use_cannot_shrink_past_its_ports_or_be_deleted(
    client: Client, people: People, db: asyncpg.Connection
) -> None:
    admin = client.as_(people.admin)
    web = await port_range(admin, "web", 3000, 3009)
    project = await factories.project(client, "apollo")
    await reserve(client, project["id"], web["id"], 3008, LATER, "db")
    assert [await allocated(client, project["id"], web["id"]) for _ in range(3)] == [
        3000,
        3001,
        3002,
    ]
    update = (
        "mutation($id: ID!, $input: UpdatePortRangeInput!) "
        "{ updatePortRange(id: $id, input: $input) { id endPort } }"
    )
    shrunk = await admin.gql(update, {"id": web["id"], "input": {"endPort": 3001}})
    assert shrunk.codes == ["CONFLICT"], shrunk.errors
    fits = await admin.gql(update, {"id": web["id"], "input": {"endPort": 3005}})
    assert fits.ok()["updatePortRange"]["endPort"] == 3005
    delete = "mutation($id: ID!) { deletePortRange(id: $id) }"
    refused = await admin.gql(delete, {"id": web["id"]})
    assert refused.codes == ["CONFLICT"], refused.errors
    assert "port allocation" in refused.errors[0]["message"], refused.errors
    assert await db.fetchval("SELECT end_port FROM port_ranges WHERE id = $1", web["id"]) == 3005
    assert await db.fetchval("SELECT count(*) FROM port_reservations") == 1
    member = await client.gql(delete, {"id": web["id"]})
    assert member.codes, member.data
    assert await db.fetchval("SELECT count(*) FROM port_ranges") == 1
