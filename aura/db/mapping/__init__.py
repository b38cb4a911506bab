"""Declarative mapping from GraphQL entities to tables: fields, keys and relationships.

This is the one place that says which column a field reads and how entities join. The
SQL builders, the loaders and the selection analysis read it; nothing else hard-codes
a join. It is deliberately plain data, so that a query compiler can later turn a
whole GraphQL document into one SQL statement from the same description.

Each domain's module (``aura.db.mapping.<domain>``) registers its entities when it is
imported, and adds its reverse relations to other domains' entities with ``extend``
(``projects.plans`` is declared by orchestration, not by work). ``aura.domains`` imports
every domain's module, so the registry is complete wherever the schema is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from aura.inflection import camel

_DIALECT = postgresql.dialect()


@dataclass(frozen=True)
class Through:
    """A join table for many-to-many relations: ``source`` points at the parent row,
    ``target`` at the related row."""

    table: sa.Table
    source: str
    target: str


@dataclass(frozen=True)
class Relation:
    """A navigable relationship.

    ``local`` is the column on the parent whose value identifies the related rows;
    ``remote`` is the matching column on the target (or on the join table when
    ``through`` is set). ``many`` relations are paginated connections.
    """

    name: str
    target: str
    local: str
    remote: str
    many: bool
    through: Through | None = None


@dataclass
class Entity:
    """A table (or view) exposed as a GraphQL type."""

    name: str
    table: sa.Table
    relations: dict[str, Relation] = field(default_factory=dict)
    default_order: tuple[str, ...] = ("created_at", "id")
    primary_key: str = "id"
    # Columns clients may not write through the generic create/update mutations.
    read_only: frozenset[str] = frozenset({"id", "created_at", "updated_at"})

    def __post_init__(self) -> None:
        self.columns: dict[str, sa.Column] = {c.name: c for c in self.table.columns}
        self.sql_types: dict[str, str] = {
            name: column.type.compile(dialect=_DIALECT) for name, column in self.columns.items()
        }
        # GraphQL field name → the columns the parent row must carry to resolve it.
        self.field_columns: dict[str, tuple[str, ...]] = {
            camel(name): (name,) for name in self.columns
        }
        for relation in self.relations.values():
            self.field_columns[camel(relation.name)] = (relation.local,)

    def add_relations(self, relations: Iterable[Relation]) -> None:
        for relation in relations:
            if relation.name in self.relations or camel(relation.name) in self.field_columns:
                raise ValueError(f"{self.name} already has a field {relation.name}")
            self.relations[relation.name] = relation
            self.field_columns[camel(relation.name)] = (relation.local,)

    @property
    def is_view(self) -> bool:
        return bool(self.table.info.get("view"))

    def column(self, name: str) -> str:
        if name not in self.columns:
            raise KeyError(f"{self.name} has no column {name}")
        return name


REGISTRY: dict[str, Entity] = {}
# Relations added to entities not registered yet (whichever domain module loads first).
_PENDING: dict[str, list[Relation]] = {}


def register(*entities: Entity) -> None:
    for entity in entities:
        REGISTRY[entity.name] = entity
        entity.add_relations(_PENDING.pop(entity.name, ()))


def extend(name: str, *relations: Relation) -> None:
    """Add a domain's relations to another domain's entity (``extend("projects",
    many("plans", "plans", remote="project_id"))``): its reverse relations."""
    target = REGISTRY.get(name)
    if target is None:
        _PENDING.setdefault(name, []).extend(relations)
    else:
        target.add_relations(relations)


def unresolved() -> list[str]:
    """Entities relations were added to that no domain registered (a misspelt name)."""
    return sorted(_PENDING)


def entity(name: str) -> Entity:
    return REGISTRY[name]


def one(name: str, target: str, local: str, remote: str = "id") -> Relation:
    """The row this one points at (``task.project``)."""
    return Relation(name, target, local, remote, many=False)


def many(name: str, target: str, remote: str, local: str = "id") -> Relation:
    """The rows that point at this one (``project.tasks``)."""
    return Relation(name, target, local, remote, many=True)


def relations(*items: Relation) -> dict[str, Relation]:
    """An entity's relations by name."""
    return {r.name: r for r in items}


def many_through(name: str, target: str, through: Through) -> Relation:
    """Rows related through a join table (``task.dependencies``)."""
    return Relation(name, target, "id", "id", many=True, through=through)
