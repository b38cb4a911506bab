"""Ports domain mapping: ranges with their allocations and reservations, allocations
with their project, range and health checks, and the seed 002 views."""

from aura.db.mapping import Entity, Relation, extend, many, one, register
from aura.db.mapping import relations as _relations
from aura.db.tables import ports as t


def _project() -> Relation:
    return one("project", "projects", local="project_id")


def _range(local: str = "port_range_id") -> Relation:
    return one("port_range", "port_ranges", local=local)


_BASE = frozenset({"id", "created_at", "updated_at"})

register(
    Entity(
        "port_ranges",
        t.port_ranges,
        relations=_relations(
            many("allocations", "port_allocations", remote="port_range_id"),
            many("reservations", "port_reservations", remote="port_range_id"),
        ),
        default_order=("start_port", "id"),
    ),
    Entity(
        "port_allocations",
        t.port_allocations,
        relations=_relations(
            _project(),
            _range(),
            many("health_checks", "port_health_checks", remote="port_allocation_id"),
        ),
        default_order=("allocated_at", "id"),
        # Where and what a port is never changes: release it and allocate another.
        read_only=_BASE
        | {"project_id", "port_range_id", "port_number", "hostname", "protocol"}
        | {"allocated_at", "released_at", "last_used_at"},
    ),
    Entity(
        "port_health_checks",
        t.port_health_checks,
        relations=_relations(one("allocation", "port_allocations", local="port_allocation_id")),
        default_order=("checked_at", "id"),
        read_only=frozenset(c.name for c in t.port_health_checks.columns),
    ),
    Entity(
        "port_reservations",
        t.port_reservations,
        relations=_relations(_project(), _range()),
        default_order=("expires_at", "id"),
        read_only=_BASE | {"project_id", "port_range_id", "port_number"},
    ),
    Entity(
        "port_range_utilization",
        t.port_range_utilization,
        relations=_relations(_range("range_id")),
        default_order=("start_port", "range_id"),
        primary_key="range_id",
    ),
    Entity(
        "active_port_allocations",
        t.active_port_allocations,
        relations=_relations(
            one("allocation", "port_allocations", local="id"), _project(), _range()
        ),
        default_order=("allocated_at", "id"),
    ),
)

# The ports domain's reverse relation on work's projects.
extend(
    "projects",
    many("port_allocations", "port_allocations", remote="project_id"),
    many("port_reservations", "port_reservations", remote="project_id"),
)
