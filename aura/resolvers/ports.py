"""Ports domain: root queries and mutations for port ranges, allocations, health checks
and reservations, and seed 002's allocator functions as API.

The allocator itself lives in the database (``aura.allocate_port``, revision
0010_ports): one statement per call, atomic across any number of Aura processes, with
per-port advisory locks taken with skip-locked semantics so that concurrent callers on
one range never wait for each other's commit. Everything runs in the request's
transaction with the caller's rights; the database's refusals (AU400 / AU409 raised by
the functions, check and exclusion constraints) become coded errors in
``aura.db.errors``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from aura import errors
from aura.db.sql.values import check_id
from aura.engine import crud
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field
from aura.schema.ports import (
    ActivePortAllocation,
    ActivePortAllocationFilter,
    ActivePortAllocationOrderBy,
    CreatePortRangeInput,
    PortAllocation,
    PortAllocationFilter,
    PortAllocationOrderBy,
    PortHealth,
    PortHealthCheck,
    PortHealthCheckFilter,
    PortHealthCheckOrderBy,
    PortProtocol,
    PortRange,
    PortRangeFilter,
    PortRangeOrderBy,
    PortRangeUtilization,
    PortRangeUtilizationFilter,
    PortRangeUtilizationOrderBy,
    PortReservation,
    PortReservationFilter,
    PortReservationOrderBy,
    UpdatePortAllocationInput,
    UpdatePortRangeInput,
    UpdatePortReservationInput,
)

MAX_NAME = 200

_FIND = "SELECT aura.find_available_port($1::uuid, $2, $3, $4::uuid)"
_ALLOCATE = (
    "SELECT * FROM aura.allocate_port($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8, $9::jsonb)"
)
_RESERVE = "SELECT * FROM aura.reserve_port($1::uuid, $2::uuid, $3, $4, $5, $6, $7::jsonb)"
_RELEASE_PORT = """
UPDATE port_allocations SET status = 'RELEASED'
WHERE port_number = $1 AND hostname = $2 AND protocol = $3 AND status <> 'RELEASED'
RETURNING *"""
_RELEASE_ID = """
UPDATE port_allocations SET status = 'RELEASED'
WHERE id = $1::uuid AND status <> 'RELEASED'
RETURNING *"""
_CLEANUP = "WITH gone AS (DELETE FROM port_reservations WHERE expires_at <= now() RETURNING 1) "
_CLEANUP += "SELECT count(*) FROM gone"
_CHECK = """
INSERT INTO port_health_checks (port_allocation_id, check_type, status, response_time_ms,
                                error_message, metadata, checked_at)
VALUES ($1::uuid, $2, $3, $4, $5, $6::jsonb, coalesce($7, now()))
RETURNING *"""

# Arguments the allocator's fields share, described once.
PROJECT_ARG = Annotated[
    strawberry.ID, strawberry.argument(description="One of your projects (any, for admins).")
]
RANGE_ARG = Annotated[strawberry.ID, strawberry.argument(description="The port range to use.")]
HOST_ARG = Annotated[
    str, strawberry.argument(description="The host the port is on (`localhost` by default).")
]
PROTOCOL_ARG = Annotated[PortProtocol, strawberry.argument(description="TCP (the default) or UDP.")]
SERVICE_ARG = Annotated[str, strawberry.argument(description="The service the port is for.")]


def _name(value: str, field: str) -> str:
    text = value.strip()
    if not text:
        raise errors.BadUserInput(f"{field} must not be blank")
    if len(text) > MAX_NAME:
        raise errors.BadUserInput(f"{field} is longer than {MAX_NAME} characters")
    return text


def _port(value: int | None, field: str = "portNumber") -> int | None:
    if value is not None and not 1 <= value <= 65535:
        raise errors.BadUserInput(f"{field} must be between 1 and 65535 (got {value})")
    return value


def _protocol(protocol: PortProtocol) -> str:
    return str(protocol.value)


# -- queries -----------------------------------------------------------------------------


@strawberry.type
class PortsQuery:
    port_range = by_id_field("port_ranges", node=PortRange, description="A port range by ID.")
    port_ranges = connection_field(
        "port_ranges",
        node=PortRange,
        filter=PortRangeFilter,
        order=PortRangeOrderBy,
        description="Port ranges (every member reads them), lowest ports first.",
    )
    port_allocation = by_id_field(
        "port_allocations", node=PortAllocation, description="A port allocation by ID."
    )
    port_allocations = connection_field(
        "port_allocations",
        node=PortAllocation,
        filter=PortAllocationFilter,
        order=PortAllocationOrderBy,
        description="Port allocations of your projects (all for admins), released ones too.",
    )
    port_health_check = by_id_field(
        "port_health_checks", node=PortHealthCheck, description="A port health check by ID."
    )
    port_health_checks = connection_field(
        "port_health_checks",
        node=PortHealthCheck,
        filter=PortHealthCheckFilter,
        order=PortHealthCheckOrderBy,
        description="Health checks of your projects' allocations, oldest first.",
    )
    port_reservation = by_id_field(
        "port_reservations", node=PortReservation, description="A port reservation by ID."
    )
    port_reservations = connection_field(
        "port_reservations",
        node=PortReservation,
        filter=PortReservationFilter,
        order=PortReservationOrderBy,
        description="Port reservations of your projects, soonest to expire first.",
    )
    port_range_utilization = connection_field(
        "port_range_utilization",
        node=PortRangeUtilization,
        filter=PortRangeUtilizationFilter,
        order=PortRangeUtilizationOrderBy,
        description="How full each port range is (counted over every project), by start port.",
    )
    active_port_allocations = connection_field(
        "active_port_allocations",
        node=ActivePortAllocation,
        filter=ActivePortAllocationFilter,
        order=ActivePortAllocationOrderBy,
        description="Your projects' allocations that are not released, oldest first.",
    )

    @strawberry.field(
        description=(
            "The lowest port of the range that is neither allocated on that host and "
            "protocol nor reserved (unexpired) by another project; null when there is none. "
            "Only a hint: `allocatePort` is what takes a port."
        )
    )
    async def find_available_port(
        self,
        info: Info,
        range_id: RANGE_ARG,
        hostname: HOST_ARG = "localhost",
        protocol: PROTOCOL_ARG = PortProtocol.TCP,
        project_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Count this project's own reservations as available."),
        ] = None,
    ) -> int | None:
        project = check_id(project_id, "projectId") if project_id is not None else None
        port: int | None = await info.context.session.fetchval(
            _FIND,
            check_id(range_id, "rangeId"),
            _name(hostname, "hostname"),
            _protocol(protocol),
            project,
        )
        return port


# -- mutations ---------------------------------------------------------------------------


@strawberry.type
class PortsMutation:
    # -- ranges --------------------------------------------------------------------------

    create_port_range = crud.create_field(
        "port_ranges",
        input=CreatePortRangeInput,
        node=PortRange,
        description=(
            "Create a port range (administrators only). Ports are 1-65535, `endPort` is not "
            "below `startPort`, and an active range overlapping another active one is a "
            "CONFLICT naming it."
        ),
    )
    update_port_range = crud.update_field(
        "port_ranges",
        input=UpdatePortRangeInput,
        node=PortRange,
        description="Change a port range (administrators only), with the same checks.",
    )
    delete_port_range = crud.delete_field(
        "port_ranges",
        description=(
            "Delete a port range (administrators only) with its reservations; CONFLICT while "
            "allocations (released ones included) refer to it. Returns its ID."
        ),
    )

    # -- allocations ---------------------------------------------------------------------

    @strawberry.mutation(
        description=(
            "Allocate a port to a service of one of your projects, atomically: of any number "
            "of concurrent callers, in any number of Aura processes, no two get the same "
            "port. The project's own unexpired reservation for the service is used first "
            "(and used up), else a released port (lowest first), else the next port above "
            "those held, else any free port left; a port another caller is taking at that "
            "moment is skipped. A full range is CONFLICT naming it; `portNumber` asks for "
            "one port exactly (CONFLICT when taken)."
        )
    )
    async def allocate_port(
        self,
        info: Info,
        project_id: PROJECT_ARG,
        range_id: RANGE_ARG,
        service_name: SERVICE_ARG,
        service_type: Annotated[
            str | None, strawberry.argument(description="Kind of service, e.g. `web`.")
        ] = None,
        hostname: HOST_ARG = "localhost",
        protocol: PROTOCOL_ARG = PortProtocol.TCP,
        port_number: Annotated[
            int | None,
            strawberry.argument(description="This port exactly, instead of the lowest free one."),
        ] = None,
        process_id: Annotated[
            int | None, strawberry.argument(description="OS process ID of the service.")
        ] = None,
        metadata: Annotated[
            JSON | None, strawberry.argument(description="Free-form JSON kept with it.")
        ] = None,
    ) -> PortAllocation:
        row = await info.context.session.fetchrow(
            _ALLOCATE,
            check_id(project_id, "projectId"),
            check_id(range_id, "rangeId"),
            _name(service_name, "serviceName"),
            service_type,
            _name(hostname, "hostname"),
            _protocol(protocol),
            _port(port_number),
            process_id,
            metadata,
        )
        return crud.as_object("port_allocations", row)

    @strawberry.mutation(
        description=(
            "Release the allocated port `portNumber` on `hostname`: it becomes RELEASED "
            "(`releasedAt` set) and may be allocated again. NOT_FOUND when none of your "
            "allocations holds it."
        )
    )
    async def release_port(
        self,
        info: Info,
        port_number: Annotated[int, strawberry.argument(description="The port to release.")],
        hostname: HOST_ARG = "localhost",
        protocol: PROTOCOL_ARG = PortProtocol.TCP,
    ) -> PortAllocation:
        host = _name(hostname, "hostname")
        row = await info.context.session.fetchrow(
            _RELEASE_PORT, _port(port_number), host, _protocol(protocol)
        )
        if row is None:
            raise errors.NotFound(
                f"none of your allocations holds port {port_number} on {host} ({protocol.value})"
            )
        return crud.as_object("port_allocations", row)

    @strawberry.mutation(
        description=(
            "Release a port allocation by ID (see `releasePort`); an allocation already "
            "released is returned as it is."
        )
    )
    async def release_port_allocation(self, info: Info, id: ID_ARGUMENT) -> PortAllocation:
        key = check_id(id)
        row = await info.context.session.fetchrow(_RELEASE_ID, key)
        if row is None:
            row = await crud.update(info, "port_allocations", key, {})
        return crud.as_object("port_allocations", row)

    update_port_allocation = crud.update_field(
        "port_allocations",
        input=UpdatePortAllocationInput,
        node=PortAllocation,
        description=(
            "Change a port allocation's service fields or status; status RELEASED releases "
            "it, and a released allocation cannot change (CONFLICT)."
        ),
    )

    # -- health checks -------------------------------------------------------------------

    @strawberry.mutation(
        description=(
            "Record a health check of an allocated port. A HEALTHY one also sets the "
            "allocation's `lastUsedAt` to `checkedAt`. CONFLICT for a released allocation."
        )
    )
    async def record_port_health_check(
        self,
        info: Info,
        allocation_id: Annotated[
            strawberry.ID, strawberry.argument(description="The allocation checked.")
        ],
        status: Annotated[PortHealth, strawberry.argument(description="The outcome.")],
        check_type: Annotated[
            str, strawberry.argument(description="How it was checked (`tcp`, `http`, …).")
        ] = "tcp",
        response_time_ms: Annotated[
            int | None, strawberry.argument(description="Answer time in milliseconds (≥ 0).")
        ] = None,
        error_message: Annotated[
            str | None, strawberry.argument(description="What went wrong, if anything.")
        ] = None,
        checked_at: Annotated[
            datetime | None, strawberry.argument(description="When it ran; now by default.")
        ] = None,
        metadata: Annotated[
            JSON | None, strawberry.argument(description="Free-form JSON kept with it.")
        ] = None,
    ) -> PortHealthCheck:
        if response_time_ms is not None and response_time_ms < 0:
            raise errors.BadUserInput("responseTimeMs must not be negative")
        row = await info.context.session.fetchrow(
            _CHECK,
            check_id(allocation_id, "allocationId"),
            _name(check_type, "checkType"),
            status.value,
            response_time_ms,
            error_message,
            metadata if metadata is not None else {},
            checked_at,
        )
        return crud.as_object("port_health_checks", row)

    # -- reservations --------------------------------------------------------------------

    @strawberry.mutation(
        description=(
            "Reserve a port of a range for one of your project's services until "
            "`expiresAt` (in the future): nobody else is allocated it meanwhile, and the "
            "project's next `allocatePort` for that service uses it. CONFLICT when the port "
            "is allocated or has an unexpired reservation; BAD_USER_INPUT when it is "
            "outside the range."
        )
    )
    async def reserve_port(
        self,
        info: Info,
        project_id: PROJECT_ARG,
        range_id: RANGE_ARG,
        port_number: Annotated[int, strawberry.argument(description="The port to reserve.")],
        service_name: SERVICE_ARG,
        expires_at: Annotated[
            datetime, strawberry.argument(description="When the reservation stops holding.")
        ],
        reserved_by: Annotated[
            str | None, strawberry.argument(description="Who reserves it (free text).")
        ] = None,
        metadata: Annotated[
            JSON | None, strawberry.argument(description="Free-form JSON kept with it.")
        ] = None,
    ) -> PortReservation:
        row = await info.context.session.fetchrow(
            _RESERVE,
            check_id(project_id, "projectId"),
            check_id(range_id, "rangeId"),
            _port(port_number),
            _name(service_name, "serviceName"),
            reserved_by,
            expires_at,
            metadata,
        )
        return crud.as_object("port_reservations", row)

    update_port_reservation = crud.update_field(
        "port_reservations",
        input=UpdatePortReservationInput,
        node=PortReservation,
        description="Change a port reservation (e.g. extend `expiresAt`); its port stays.",
    )
    delete_port_reservation = crud.delete_field(
        "port_reservations", description="Cancel a port reservation. Returns its ID."
    )

    @strawberry.mutation(
        description=(
            "Delete the expired reservations you may see (your projects'; every project's "
            "for administrators) and return how many. Expired reservations hold nothing "
            "even before this runs; it only tidies up."
        )
    )
    async def cleanup_expired_reservations(self, info: Info) -> int:
        count: int = await info.context.session.fetchval(_CLEANUP)
        return count


__all__ = ["PortsMutation", "PortsQuery"]
