"""Port allocations, their health checks and the active allocations view."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, connection_field, entity_type
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    DateTimeFilter,
    EnumFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
)
from aura.schema.ports.shared import (
    HERE,
    PortHealth,
    PortProtocol,
    PortStatus,
    allocation_field,
    project_field,
    range_field,
)

# -- allocations ----------------------------------------------------------------------


@entity_type("port_allocations", domain="ports")
@strawberry.type(
    description=(
        "A port handed to a project's service by `allocatePort`. No two allocations that "
        "are not released share a port number, hostname and protocol; once released "
        "(`releasePort`) the port can be allocated again and this row stays as history."
    )
)
class PortAllocation:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    port_range_id: strawberry.ID = strawberry.field(
        description="ID of the range it was taken from (see `portRange`)."
    )
    port_number: int = strawberry.field(description="The port.")
    service_name: str = strawberry.field(description="The service using it, e.g. `api`.")
    service_type: str | None = strawberry.field(
        description="Kind of service, e.g. `web`, `database`."
    )
    status: PortStatus = strawberry.field(description="Where it is in its lifecycle.")
    process_id: int | None = strawberry.field(description="OS process ID of the service, if known.")
    hostname: str = strawberry.field(description="The host the port is on.")
    protocol: PortProtocol = strawberry.field(description="TCP or UDP.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    allocated_at: datetime = strawberry.field(description="When it was allocated.")
    last_used_at: datetime | None = strawberry.field(
        description="Time of the last successful (HEALTHY) health check."
    )
    released_at: datetime | None = strawberry.field(
        description="When it was released; null while allocated."
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("port_allocations.project")
    port_range = range_field("port_allocations.port_range")
    health_checks = connection_field(
        "port_health_checks",
        via="port_allocations.health_checks",
        node=lazy("PortHealthCheck", HERE),
        filter=lazy("PortHealthCheckFilter", HERE),
        order=lazy("PortHealthCheckOrderBy", HERE),
        description="Its health checks, oldest first.",
    )


@strawberry.input(description="Conditions on port allocations; all given fields must match.")
class PortAllocationFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    port_range_id: IDFilter | None = None
    port_number: IntFilter | None = None
    service_name: StringFilter | None = None
    service_type: StringFilter | None = None
    status: EnumFilter[PortStatus] | None = None
    hostname: StringFilter | None = None
    protocol: EnumFilter[PortProtocol] | None = None
    metadata: JSONFilter | None = None
    allocated_at: DateTimeFilter | None = None
    last_used_at: DateTimeFilter | None = None
    released_at: DateTimeFilter | None = None
    and_: list[PortAllocationFilter] | None = strawberry.field(default=None, name="and")
    or_: list[PortAllocationFilter] | None = strawberry.field(default=None, name="or")
    not_: PortAllocationFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields port allocations can be ordered by.")
class PortAllocationOrderField(Enum):
    PORT_NUMBER = "port_number"
    SERVICE_NAME = "service_name"
    STATUS = "status"
    ALLOCATED_AT = "allocated_at"
    LAST_USED_AT = "last_used_at"


@strawberry.input(description="One ordering term for port allocations.")
class PortAllocationOrderBy(OrderBy[PortAllocationOrderField]):
    pass


@strawberry.input(
    description=(
        "Changes to a port allocation; omitted fields stay. Its port, host, protocol, "
        "range and project never change; status RELEASED releases it (final)."
    )
)
class UpdatePortAllocationInput:
    service_name: str | None = strawberry.UNSET
    service_type: str | None = strawberry.UNSET
    status: PortStatus | None = strawberry.UNSET
    process_id: int | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- health checks --------------------------------------------------------------------


@entity_type("port_health_checks", domain="ports")
@strawberry.type(
    description=(
        "One health check of an allocated port (`recordPortHealthCheck`), never changed "
        "afterwards. A HEALTHY check sets the allocation's `lastUsedAt`."
    )
)
class PortHealthCheck:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    port_allocation_id: strawberry.ID = strawberry.field(
        description="ID of the allocation checked (see `allocation`)."
    )
    check_type: str = strawberry.field(description="How it was checked, e.g. `tcp`, `http`.")
    status: PortHealth = strawberry.field(description="The outcome.")
    response_time_ms: int | None = strawberry.field(
        description="How long the answer took, in milliseconds."
    )
    error_message: str | None = strawberry.field(description="What went wrong, if anything.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    checked_at: datetime = strawberry.field(description="When the check ran.")

    allocation = allocation_field("port_health_checks.allocation")


@strawberry.input(description="Conditions on port health checks.")
class PortHealthCheckFilter:
    id: IDFilter | None = None
    port_allocation_id: IDFilter | None = None
    check_type: StringFilter | None = None
    status: EnumFilter[PortHealth] | None = None
    response_time_ms: IntFilter | None = None
    checked_at: DateTimeFilter | None = None
    and_: list[PortHealthCheckFilter] | None = strawberry.field(default=None, name="and")
    or_: list[PortHealthCheckFilter] | None = strawberry.field(default=None, name="or")
    not_: PortHealthCheckFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields port health checks can be ordered by.")
class PortHealthCheckOrderField(Enum):
    CHECKED_AT = "checked_at"
    RESPONSE_TIME_MS = "response_time_ms"
    STATUS = "status"


@strawberry.input(description="One ordering term for port health checks.")
class PortHealthCheckOrderBy(OrderBy[PortHealthCheckOrderField]):
    pass


# -- the active allocations view --------------------------------------------------------


@entity_type("active_port_allocations", domain="ports")
@strawberry.type(
    description="A port allocation that is not released, with its project and range names (view)."
)
class ActivePortAllocation:
    id: strawberry.ID = strawberry.field(description="The allocation's ID.")
    project_id: strawberry.ID = strawberry.field(description="ID of the allocation's project.")
    port_range_id: strawberry.ID = strawberry.field(description="ID of the allocation's range.")
    port_number: int = strawberry.field(description="The port.")
    service_name: str = strawberry.field(description="The service using it.")
    service_type: str | None = strawberry.field(description="Kind of service.")
    status: PortStatus = strawberry.field(description="ALLOCATED or IN_USE.")
    hostname: str = strawberry.field(description="The host the port is on.")
    protocol: PortProtocol = strawberry.field(description="TCP or UDP.")
    allocated_at: datetime = strawberry.field(description="When it was allocated.")
    last_used_at: datetime | None = strawberry.field(
        description="Time of the last successful health check."
    )
    project_name: str = strawberry.field(description="Name of the allocation's project.")
    range_name: str = strawberry.field(description="Name of the allocation's range.")

    allocation = allocation_field("active_port_allocations.allocation")
    project = project_field("active_port_allocations.project")
    port_range = range_field("active_port_allocations.port_range")


@strawberry.input(description="Conditions on active port allocations.")
class ActivePortAllocationFilter:
    project_id: IDFilter | None = None
    port_range_id: IDFilter | None = None
    port_number: IntFilter | None = None
    service_name: StringFilter | None = None
    service_type: StringFilter | None = None
    hostname: StringFilter | None = None
    protocol: EnumFilter[PortProtocol] | None = None
    range_name: StringFilter | None = None
    and_: list[ActivePortAllocationFilter] | None = strawberry.field(default=None, name="and")
    or_: list[ActivePortAllocationFilter] | None = strawberry.field(default=None, name="or")
    not_: ActivePortAllocationFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields active port allocations can be ordered by.")
class ActivePortAllocationOrderField(Enum):
    PORT_NUMBER = "port_number"
    ALLOCATED_AT = "allocated_at"
    SERVICE_NAME = "service_name"


@strawberry.input(description="One ordering term for active port allocations.")
class ActivePortAllocationOrderBy(OrderBy[ActivePortAllocationOrderField]):
    pass
