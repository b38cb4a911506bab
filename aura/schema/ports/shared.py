"""The ports domain's enums and the relationship fields its types share."""

from __future__ import annotations

from typing import Any

import strawberry

from aura.db.tables.ports import PortHealth, PortProtocol, PortStatus
from aura.engine.relay import related_field
from aura.schema.common import lazy

HERE = "aura.schema.ports"
WORK = "aura.schema.work"

# strawberry.enum marks the database's enums in place: the classes stay plain Python
# enums for type checkers and for the values written.
strawberry.enum(PortStatus, description="Lifecycle of a port allocation.")
strawberry.enum(PortProtocol, description="Transport protocol of a port.")
strawberry.enum(PortHealth, description="Outcome of a port health check.")

__all__ = ["PortHealth", "PortProtocol", "PortStatus"]


def project_field(via: str) -> Any:
    return related_field(
        via, node=lazy("Project", WORK), required=True, description="The project it belongs to."
    )


def range_field(via: str) -> Any:
    return related_field(
        via,
        node=lazy("PortRange", HERE),
        required=True,
        description="The port range it is taken from.",
    )


def allocation_field(via: str) -> Any:
    return related_field(
        via,
        node=lazy("PortAllocation", HERE),
        required=True,
        description="The port allocation.",
    )
