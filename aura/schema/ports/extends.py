"""What the ports domain adds to work's ``Project`` (its relations are added in
``aura.db.mapping.ports``)."""

from __future__ import annotations

from aura.engine.relay import connection_field, extend_type
from aura.schema.common import lazy
from aura.schema.ports.shared import HERE
from aura.schema.work import Project


@extend_type(Project)
class ProjectPorts:
    """The ports fields of ``Project``."""

    port_allocations = connection_field(
        "port_allocations",
        via="projects.port_allocations",
        node=lazy("PortAllocation", HERE),
        filter=lazy("PortAllocationFilter", HERE),
        order=lazy("PortAllocationOrderBy", HERE),
        description="Ports allocated to the project (released ones included).",
    )
    port_reservations = connection_field(
        "port_reservations",
        via="projects.port_reservations",
        node=lazy("PortReservation", HERE),
        filter=lazy("PortReservationFilter", HERE),
        order=lazy("PortReservationOrderBy", HERE),
        description="Ports reserved for the project's services (expired ones included).",
    )
