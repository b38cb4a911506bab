"""Ports domain contract (seed 002): port ranges, allocations with their health checks,
reservations, and the utilization and active-allocation views.

One module per concept; this package re-exports every type, so ``lazy`` references name
``aura.schema.ports``. Importing it adds the ports fields to ``Project`` (``extends``).
"""

from __future__ import annotations

from aura.schema.ports import extends as extends
from aura.schema.ports.allocations import (
    ActivePortAllocation,
    ActivePortAllocationFilter,
    ActivePortAllocationOrderBy,
    ActivePortAllocationOrderField,
    PortAllocation,
    PortAllocationFilter,
    PortAllocationOrderBy,
    PortAllocationOrderField,
    PortHealthCheck,
    PortHealthCheckFilter,
    PortHealthCheckOrderBy,
    PortHealthCheckOrderField,
    UpdatePortAllocationInput,
)
from aura.schema.ports.ranges import (
    CreatePortRangeInput,
    PortRange,
    PortRangeFilter,
    PortRangeOrderBy,
    PortRangeOrderField,
    PortRangeUtilization,
    PortRangeUtilizationFilter,
    PortRangeUtilizationOrderBy,
    PortRangeUtilizationOrderField,
    UpdatePortRangeInput,
)
from aura.schema.ports.reservations import (
    PortReservation,
    PortReservationFilter,
    PortReservationOrderBy,
    PortReservationOrderField,
    UpdatePortReservationInput,
)
from aura.schema.ports.shared import PortHealth, PortProtocol, PortStatus

__all__ = [
    "ActivePortAllocation",
    "ActivePortAllocationFilter",
    "ActivePortAllocationOrderBy",
    "ActivePortAllocationOrderField",
    "CreatePortRangeInput",
    "PortAllocation",
    "PortAllocationFilter",
    "PortAllocationOrderBy",
    "PortAllocationOrderField",
    "PortHealth",
    "PortHealthCheck",
    "PortHealthCheckFilter",
    "PortHealthCheckOrderBy",
    "PortHealthCheckOrderField",
    "PortProtocol",
    "PortRange",
    "PortRangeFilter",
    "PortRangeOrderBy",
    "PortRangeOrderField",
    "PortRangeUtilization",
    "PortRangeUtilizationFilter",
    "PortRangeUtilizationOrderBy",
    "PortRangeUtilizationOrderField",
    "PortReservation",
    "PortReservationFilter",
    "PortReservationOrderBy",
    "PortReservationOrderField",
    "PortStatus",
    "UpdatePortAllocationInput",
    "UpdatePortRangeInput",
    "UpdatePortReservationInput",
]
