"""Port ranges (shared infrastructure) and their utilization view."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, connection_field, entity_type
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    FloatFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
)
from aura.schema.ports.shared import HERE, range_field


@entity_type("port_ranges", domain="ports")
@strawberry.type(
    description=(
        "A span of ports services are allocated from (`allocatePort`), e.g. `web` 3000-3999. "
        "Shared by all projects: administrators create and change ranges, every member "
        "reads them. Active ranges never overlap."
    )
)
class PortRange:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    range_name: str = strawberry.field(description="Unique name, e.g. `web` or `database`.")
    start_port: int = strawberry.field(description="First port of the range (1-65535).")
    end_port: int = strawberry.field(
        description="Last port of the range, included (1-65535, not below `startPort`)."
    )
    description: str | None = strawberry.field(description="What the range is for.")
    is_active: bool = strawberry.field(
        description="Ports are allocated and reserved only from active ranges."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    allocations = connection_field(
        "port_allocations",
        via="port_ranges.allocations",
        node=lazy("PortAllocation", HERE),
        filter=lazy("PortAllocationFilter", HERE),
        order=lazy("PortAllocationOrderBy", HERE),
        description="Your projects' allocations from this range (released ones included).",
    )
    reservations = connection_field(
        "port_reservations",
        via="port_ranges.reservations",
        node=lazy("PortReservation", HERE),
        filter=lazy("PortReservationFilter", HERE),
        order=lazy("PortReservationOrderBy", HERE),
        description="Your projects' reservations in this range (expired ones included).",
    )


@strawberry.input(description="Conditions on port ranges; all given fields must match.")
class PortRangeFilter:
    id: IDFilter | None = None
    range_name: StringFilter | None = None
    start_port: IntFilter | None = None
    end_port: IntFilter | None = None
    is_active: BooleanFilter | None = None
    metadata: JSONFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[PortRangeFilter] | None = strawberry.field(default=None, name="and")
    or_: list[PortRangeFilter] | None = strawberry.field(default=None, name="or")
    not_: PortRangeFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields port ranges can be ordered by.")
class PortRangeOrderField(Enum):
    RANGE_NAME = "range_name"
    START_PORT = "start_port"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for port ranges.")
class PortRangeOrderBy(OrderBy[PortRangeOrderField]):
    pass


@strawberry.input(description="A new port range (administrators only).")
class CreatePortRangeInput:
    range_name: str
    start_port: int
    end_port: int
    description: str | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(
    description=(
        "Changes to a port range (administrators only); omitted fields stay. A range "
        "cannot shrink past ports allocated from it."
    )
)
class UpdatePortRangeInput:
    range_name: str | None = strawberry.UNSET
    start_port: int | None = strawberry.UNSET
    end_port: int | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- the utilization view ---------------------------------------------------------------


@entity_type("port_range_utilization", domain="ports")
@strawberry.type(
    description=(
        "How much of a port range is used (view), counted over every project since a "
        "range is shared: `utilizationPercent` = 100 x `allocatedPorts` / `totalPorts`, "
        "rounded to 2 decimals."
    )
)
class PortRangeUtilization:
    range_id: strawberry.ID = strawberry.field(description="The range's ID (see `portRange`).")
    range_name: str = strawberry.field(description="The range's name.")
    start_port: int = strawberry.field(description="First port of the range.")
    end_port: int = strawberry.field(description="Last port of the range, included.")
    is_active: bool = strawberry.field(description="Whether ports are handed out from it.")
    total_ports: int = strawberry.field(description="`endPort` - `startPort` + 1.")
    allocated_ports: int = strawberry.field(description="Allocations that are not released.")
    released_ports: int = strawberry.field(
        description="Allocations of the range that were released (its history)."
    )
    reserved_ports: int = strawberry.field(
        description="Distinct ports with an unexpired reservation."
    )
    utilization_percent: float = strawberry.field(
        description="100 x allocatedPorts / totalPorts, rounded to 2 decimals."
    )

    port_range = range_field("port_range_utilization.port_range")


@strawberry.input(description="Conditions on port range utilization rows.")
class PortRangeUtilizationFilter:
    range_id: IDFilter | None = None
    range_name: StringFilter | None = None
    is_active: BooleanFilter | None = None
    allocated_ports: IntFilter | None = None
    utilization_percent: FloatFilter | None = None
    and_: list[PortRangeUtilizationFilter] | None = strawberry.field(default=None, name="and")
    or_: list[PortRangeUtilizationFilter] | None = strawberry.field(default=None, name="or")
    not_: PortRangeUtilizationFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields port range utilization rows can be ordered by.")
class PortRangeUtilizationOrderField(Enum):
    START_PORT = "start_port"
    RANGE_NAME = "range_name"
    UTILIZATION_PERCENT = "utilization_percent"


@strawberry.input(description="One ordering term for port range utilization rows.")
class PortRangeUtilizationOrderBy(OrderBy[PortRangeUtilizationOrderField]):
    pass
