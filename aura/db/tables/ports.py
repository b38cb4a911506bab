"""Ports domain (seed 002, migration 003): port ranges, the ports allocated from them,
their health checks and reservations; the seed's two views.

Tenancy: ranges are shared infrastructure (administrators write them, members read
them); allocations and reservations belong to a project; health checks belong to
their allocation (and so to its project).

Invariants the database keeps (revision 0010_ports): at most one allocation that is
not released per ``(port_number, hostname, protocol)`` (a partial unique index, so a
released port can be handed out again), ports within 1-65535 and within their range,
and no two active ranges overlapping (an exclusion constraint over ``int4range`` created
by the migration's SQL, since Alembic does not compare exclusion constraints).
"""

from enum import StrEnum

import sqlalchemy as sa

from aura.db.enums import MEANINGS
from aura.db.tables.base import (
    enum_check,
    enum_column,
    fk,
    id_column,
    json_column,
    metadata,
    timestamps,
)

TIMESTAMP = sa.DateTime(timezone=True)
NOW = sa.text("now()")


class PortStatus(StrEnum):
    ALLOCATED = "ALLOCATED"
    IN_USE = "IN_USE"
    RELEASED = "RELEASED"


class PortProtocol(StrEnum):
    TCP = "TCP"
    UDP = "UDP"


class PortHealth(StrEnum):
    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"
    TIMEOUT = "TIMEOUT"


MEANINGS.update(
    {
        PortStatus.ALLOCATED: "Handed out by `allocatePort`, not yet seen in use (the default).",
        PortStatus.IN_USE: "The service is known to be listening on it.",
        PortStatus.RELEASED: "Given back (`releasePort`); the port may be allocated again.",
        PortProtocol.TCP: "TCP (the default).",
        PortProtocol.UDP: "UDP.",
        PortHealth.HEALTHY: "The check succeeded; sets the allocation's `lastUsedAt`.",
        PortHealth.UNHEALTHY: "The check reached the port and failed.",
        PortHealth.TIMEOUT: "The check got no answer in time.",
    }
)

# The partial unique index the allocator's INSERT ... ON CONFLICT names as its arbiter.
ACTIVE_PORT = "uq_port_allocations_active_port"
NOT_RELEASED = "status <> 'RELEASED'"


def _not_blank(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"length(btrim({column})) > 0", name=f"{column}_not_blank")


def _port(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} BETWEEN 1 AND 65535", name=f"{column}_valid")


port_ranges = sa.Table(
    "port_ranges",
    metadata,
    id_column(),
    sa.Column("range_name", sa.Text, nullable=False),
    sa.Column("start_port", sa.Integer, nullable=False),
    sa.Column("end_port", sa.Integer, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    json_column("metadata"),
    *timestamps(),
    _not_blank("range_name"),
    _port("start_port"),
    _port("end_port"),
    sa.CheckConstraint("start_port <= end_port", name="end_port_valid_order"),
    sa.UniqueConstraint("range_name"),
    sa.Index(None, "is_active"),
    sa.Index(None, "start_port", "end_port"),
)

port_allocations = sa.Table(
    "port_allocations",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    fk("port_range_id", "port_ranges.id", ondelete="RESTRICT", nullable=False),
    sa.Column("port_number", sa.Integer, nullable=False),
    sa.Column("service_name", sa.Text, nullable=False),
    sa.Column("service_type", sa.Text),
    enum_column("status", PortStatus, default=PortStatus.ALLOCATED),
    sa.Column("process_id", sa.Integer),
    sa.Column("hostname", sa.Text, nullable=False, server_default=sa.text("'localhost'")),
    enum_column("protocol", PortProtocol, default=PortProtocol.TCP),
    json_column("metadata"),
    sa.Column("allocated_at", TIMESTAMP, nullable=False, server_default=NOW),
    sa.Column("last_used_at", TIMESTAMP),
    sa.Column("released_at", TIMESTAMP),
    *timestamps(),
    enum_check("status", PortStatus),
    enum_check("protocol", PortProtocol),
    _port("port_number"),
    _not_blank("service_name"),
    _not_blank("hostname"),
    sa.CheckConstraint(
        "(status = 'RELEASED') = (released_at IS NOT NULL)", name="released_at_valid"
    ),
    sa.CheckConstraint("process_id IS NULL OR process_id > 0", name="process_id_positive"),
    sa.Index(
        ACTIVE_PORT,
        "port_number",
        "hostname",
        "protocol",
        unique=True,
        postgresql_where=sa.text(NOT_RELEASED),
    ),
    # The allocator's frontier: the highest port held on a host, one probe.
    sa.Index(
        "ix_port_allocations_active_host_port",
        "hostname",
        "protocol",
        "port_number",
        postgresql_where=sa.text(NOT_RELEASED),
    ),
    sa.Index(None, "project_id"),
    sa.Index(None, "port_range_id"),
    sa.Index(None, "port_number"),
    sa.Index(None, "service_name"),
    sa.Index(None, "status"),
    sa.Index(None, "hostname"),
)

port_health_checks = sa.Table(
    "port_health_checks",
    metadata,
    id_column(),
    fk("port_allocation_id", "port_allocations.id", ondelete="CASCADE", nullable=False),
    sa.Column("check_type", sa.Text, nullable=False, server_default=sa.text("'tcp'")),
    enum_column("status", PortHealth),
    sa.Column("response_time_ms", sa.Integer),
    sa.Column("error_message", sa.Text),
    json_column("metadata"),
    sa.Column("checked_at", TIMESTAMP, nullable=False, server_default=NOW),
    enum_check("status", PortHealth),
    _not_blank("check_type"),
    sa.CheckConstraint(
        "response_time_ms IS NULL OR response_time_ms >= 0", name="response_time_ms_positive"
    ),
    sa.Index(None, "port_allocation_id"),
    sa.Index(None, "status"),
    sa.Index(None, "checked_at"),
)

port_reservations = sa.Table(
    "port_reservations",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    fk("port_range_id", "port_ranges.id", ondelete="CASCADE", nullable=False),
    sa.Column("port_number", sa.Integer, nullable=False),
    sa.Column("service_name", sa.Text, nullable=False),
    sa.Column("reserved_by", sa.Text),
    sa.Column("expires_at", TIMESTAMP, nullable=False),
    json_column("metadata"),
    *timestamps(),
    _port("port_number"),
    _not_blank("service_name"),
    sa.Index(None, "project_id"),
    sa.Index(None, "port_range_id"),
    sa.Index(None, "port_number"),
    sa.Index(None, "expires_at"),
)

# -- views (seed 002), created by the migration's SQL ---------------------------------

port_range_utilization = sa.Table(
    "port_range_utilization",
    metadata,
    sa.Column("range_id", sa.UUID(as_uuid=False), primary_key=True),
    sa.Column("range_name", sa.Text),
    sa.Column("start_port", sa.Integer),
    sa.Column("end_port", sa.Integer),
    sa.Column("is_active", sa.Boolean),
    sa.Column("total_ports", sa.Integer),
    sa.Column("allocated_ports", sa.Integer),
    sa.Column("released_ports", sa.Integer),
    sa.Column("reserved_ports", sa.Integer),
    sa.Column("utilization_percent", sa.Float),
    info={"view": True},
)

active_port_allocations = sa.Table(
    "active_port_allocations",
    metadata,
    sa.Column("id", sa.UUID(as_uuid=False), primary_key=True),
    sa.Column("project_id", sa.UUID(as_uuid=False)),
    sa.Column("port_range_id", sa.UUID(as_uuid=False)),
    sa.Column("port_number", sa.Integer),
    sa.Column("service_name", sa.Text),
    sa.Column("service_type", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("hostname", sa.Text),
    sa.Column("protocol", sa.Text),
    sa.Column("allocated_at", TIMESTAMP),
    sa.Column("last_used_at", TIMESTAMP),
    sa.Column("project_name", sa.Text),
    sa.Column("range_name", sa.Text),
    info={"view": True},
)
