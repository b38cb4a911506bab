"""Port reservations: a port of a range held for a project's service until it expires."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from aura.engine.relay import OrderBy, entity_type
from aura.schema import docs
from aura.schema.filters import DateTimeFilter, IDFilter, IntFilter, StringFilter
from aura.schema.ports.shared import project_field, range_field


@entity_type("port_reservations", domain="ports")
@strawberry.type(
    description=(
        "A port of a range held for one of a project's services until `expiresAt` "
        "(`reservePort`). Nobody else is allocated it meanwhile; the project's next "
        "`allocatePort` for that service uses it (and the reservation is used up). An "
        "expired reservation holds nothing, even before `cleanupExpiredReservations` "
        "deletes it."
    )
)
class PortReservation:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    port_range_id: strawberry.ID = strawberry.field(
        description="ID of the range the port is in (see `portRange`)."
    )
    port_number: int = strawberry.field(description="The reserved port.")
    service_name: str = strawberry.field(description="The service it is held for.")
    reserved_by: str | None = strawberry.field(
        description="Who reserved it (an agent or a person), free text."
    )
    expires_at: datetime = strawberry.field(description="When the reservation stops holding.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    project = project_field("port_reservations.project")
    port_range = range_field("port_reservations.port_range")


@strawberry.input(description="Conditions on port reservations; all given fields must match.")
class PortReservationFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    port_range_id: IDFilter | None = None
    port_number: IntFilter | None = None
    service_name: StringFilter | None = None
    expires_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[PortReservationFilter] | None = strawberry.field(default=None, name="and")
    or_: list[PortReservationFilter] | None = strawberry.field(default=None, name="or")
    not_: PortReservationFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields port reservations can be ordered by.")
class PortReservationOrderField(Enum):
    EXPIRES_AT = "expires_at"
    PORT_NUMBER = "port_number"
    CREATED_AT = "created_at"


@strawberry.input(description="One ordering term for port reservations.")
class PortReservationOrderBy(OrderBy[PortReservationOrderField]):
    pass


@strawberry.input(description="Changes to a port reservation; omitted fields stay.")
class UpdatePortReservationInput:
    service_name: str | None = strawberry.UNSET
    reserved_by: str | None = strawberry.UNSET
    expires_at: datetime | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
