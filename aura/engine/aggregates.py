"""``aggregate`` and ``groupBy`` on every connection, generated from the mapping.

Every entity's connection type (``TaskConnection``) carries::

    aggregate: TaskAggregates!            # count, countDistinct, sum, avg, min, max
    groupBy(by: [TaskGroupField!]!, limit: Int = 100): [TaskGroup!]!

over the rows its ``filter`` matches (all pages, like ``totalCount``), under row-level
security like every statement. The per-entity types are made here, once, from the
entity's plain fields (a column of the table that the entity type exposes as is):
numbers give ``sum``/``avg``, numbers and dates ``min``/``max``, and every scalar
column ``countDistinct`` and a ``groupBy`` key. Columns the type does not expose (a
sealed secret, a password hash) are never aggregated. Each generated field's
description names the entity field it reads. The types are built when the schema is
(``_Generated`` resolves like a ``strawberry.lazy`` reference), because a connection
may be declared before the entity type it lists.

Selecting a generated type needs the entity's scope domain (``aura.engine.scopes``),
and a foreign column of a view (``RecentEvent.projectName``) the foreign domain, as
selecting the column itself does. A nested connection's aggregates take one statement
per level for all parents (``aura.db.sql.aggregate``).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Any, ForwardRef, Optional, cast, get_args

import sqlalchemy as sa
import strawberry
from strawberry.types import Info
from strawberry.types.base import StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType, StrawberryLazyReference

from aura import errors
from aura.db.mapping import Entity, entity
from aura.db.sql import aggregate as sql
from aura.db.sql.aggregate import Measure
from aura.db.sql.select import PARENT
from aura.engine.scalars import BigInt
from aura.engine.scopes import DECLARED, FOREIGN, declare
from aura.engine.selection import sub_fields
from aura.inflection import camel

# The most groups one ``groupBy`` returns unless told otherwise (and its largest limit
# is the server's maximum page size).
DEFAULT_GROUPS = 100

# Aggregates field → (generated type suffix, which columns, description template)
_FUNCTIONS: dict[str, tuple[str, str, str, str]] = {
    "count_distinct": (
        "DistinctCounts",
        "groupable",
        "Numbers of distinct non-null values of `{t}` fields among the matching items.",
        "Number of distinct non-null values of `{t}.{f}` among the matching items.",
    ),
    "sum": (
        "Sums",
        "numeric",
        "Sums of `{t}` number fields over the matching items.",
        "Sum of `{t}.{f}` over the matching items; null when none has a value.",
    ),
    "avg": (
        "Averages",
        "numeric",
        "Means of `{t}` number fields over the matching items.",
        "Mean of `{t}.{f}` over the matching items that have one; null when none has.",
    ),
    "min": (
        "Minima",
        "ordered",
        "Smallest values of `{t}` number and date fields among the matching items.",
        "Smallest `{t}.{f}` among the matching items; null when none has a value.",
    ),
    "max": (
        "Maxima",
        "ordered",
        "Largest values of `{t}` number and date fields among the matching items.",
        "Largest `{t}.{f}` among the matching items; null when none has a value.",
    ),
}


# ``…Aggregates`` field names that are not their function's name.
_FIELD_FUNCTIONS = {"countDistinct": "count_distinct"}


def function_of(field: str) -> str | None:
    """The aggregate function an ``…Aggregates`` part names (``countDistinct`` →
    ``count_distinct``), None for another field (``count``, ``__typename``)."""
    function = _FIELD_FUNCTIONS.get(field, field)
    return function if function in _FUNCTIONS else None


# GraphQL node type name → entity name, for the connections declared so far.
_TARGETS: dict[str, str] = {}
# Generated type name → its class.
_MADE: dict[str, Any] = {}
# Entity name → the Strawberry type of its rows (``aura.engine.relay.TYPES``, which
# hands it over: relay builds on this module, not the other way round).
_NODES: dict[str, type] = {}


class _Generated(LazyType):
    """A lazy reference to a type this module generates when the schema is built."""

    def resolve_type(self) -> type[Any]:
        if self.type_name not in _MADE:
            for name in _TARGETS:
                if self.type_name.startswith(name):
                    _generate(name)
        return _MADE[self.type_name]


class _Reference(StrawberryLazyReference):
    """``strawberry.lazy`` for the generated types: resolves to a ``_Generated``."""

    def resolve_forward_ref(self, forward_ref: ForwardRef) -> LazyType:
        return _Generated(forward_ref.__forward_arg__, self.module)


def _ref(name: str) -> Any:
    return Annotated[name, _Reference(__name__)]


# -- which columns -----------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    name: str
    field: StrawberryField
    numeric: bool
    ordered: bool
    float_sum: bool


def sum_cast(column: sa.Column) -> str:
    """The type of a number column's sum: ``bigint`` for 32-bit integers (their sum can
    pass 2^31), ``float8`` for the others (a 64-bit sum can pass 2^63)."""
    is_small = isinstance(column.type, sa.Integer) and not isinstance(column.type, sa.BigInteger)
    return "bigint" if is_small else "float8"


def _kind(column: sa.Column) -> tuple[bool, bool, bool] | None:
    """(numeric, ordered, summed as a float) for a groupable column, None for another
    (lists, JSON, vectors)."""
    column_type = column.type
    if isinstance(column_type, sa.Integer | sa.Numeric):
        return True, True, sum_cast(column) == "float8"
    if isinstance(column_type, sa.DateTime | sa.Date):
        return False, True, False
    if isinstance(column_type, sa.String | sa.Boolean | sa.Uuid):
        return False, False, False
    return None


def _columns(node: type, target: Entity) -> list[_Column]:
    found = []
    for field in node.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        column = target.columns.get(field.python_name)
        if field.base_resolver is not None or column is None:
            continue
        kind = _kind(column)
        if kind is not None:
            found.append(_Column(field.python_name, field, *kind))
    return found


def _optional(field: StrawberryField) -> Any:
    field_type = field.type
    return field_type if isinstance(field_type, StrawberryOptional) else Optional[field_type]  # noqa: UP045


# -- the generated types -----------------------------------------------------------


def _object(name: str, description: str, fields: dict[str, tuple[Any, str]], domain: str) -> Any:
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": {}}
    for field_name, (annotation, text) in fields.items():
        namespace["__annotations__"][field_name] = annotation
        namespace[field_name] = strawberry.field(description=text)
    cls = strawberry.type(type(name, (), namespace), name=name, description=description)
    declare(cls, domain)
    _MADE[name] = cls
    return cls


def _generate(type_name: str) -> None:
    target = entity(_TARGETS[type_name])
    node = _NODES[target.name]
    domain = DECLARED[node]
    columns = _columns(node, target)
    foreign = {f: d for (t, f), d in FOREIGN.items() if t == type_name}
    aggregates: dict[str, tuple[Any, str]] = {
        "count": (int, "Number of matching items."),
    }
    for function, (suffix, kind, type_text, field_text) in _FUNCTIONS.items():
        chosen = [c for c in columns if kind == "groupable" or getattr(c, kind)]
        if not chosen:
            continue
        fields: dict[str, tuple[Any, str]] = {}
        for column in chosen:
            if function == "count_distinct":
                annotation: Any = int
            elif function == "avg":
                annotation = Optional[float]  # noqa: UP045
            elif function == "sum":
                annotation = Optional[float if column.float_sum else BigInt]  # noqa: UP045
            else:
                annotation = _optional(column.field)
            fields[column.name] = (annotation, field_text.format(t=type_name, f=camel(column.name)))
        name = f"{type_name}{suffix}"
        _object(name, type_text.format(t=type_name), fields, domain)
        _foreign(name, foreign, fields)
        aggregates[function] = (_ref(name), type_text.format(t=type_name))
    _object(
        f"{type_name}Aggregates",
        f"Aggregates over the `{type_name}` items a connection's `filter` matches (all "
        "pages, as for `totalCount`), or over one group of them.",
        aggregates,
        domain,
    )
    if not columns:
        return
    _object(
        f"{type_name}GroupKey",
        f"The values a group of `{type_name}` items shares: one field per `groupBy` field; "
        "the fields not grouped by are null.",
        {
            c.name: (
                _optional(c.field),
                f"The group's `{type_name}.{camel(c.name)}` (null for the items without one).",
            )
            for c in columns
        },
        domain,
    )
    _foreign(f"{type_name}GroupKey", foreign, (c.name for c in columns))
    members = {
        c.name.upper(): strawberry.enum_value(
            c.name, description=f"Group by `{type_name}.{camel(c.name)}`."
        )
        for c in columns
    }
    enum = strawberry.enum(
        cast(Any, Enum(f"{type_name}GroupField", members)),
        name=f"{type_name}GroupField",
        description=f"Fields `{type_name}` items can be grouped by.",
    )
    _MADE[f"{type_name}GroupField"] = enum
    grouped = {camel(c.name) for c in columns}
    for field, domain_of in foreign.items():
        if field in grouped:
            FOREIGN[(f"{type_name}GroupField", field_upper(field))] = domain_of
    _object(
        f"{type_name}Group",
        f"A group of `{type_name}` items that share the values of the `groupBy` fields.",
        {
            "key": (_ref(f"{type_name}GroupKey"), "The values the group's items share."),
            "aggregate": (_ref(f"{type_name}Aggregates"), "Aggregates over the group's items."),
        },
        domain,
    )


def field_upper(field: str) -> str:
    """``projectName`` → ``PROJECT_NAME``: a column's enum value name."""
    return "".join(f"_{ch}" if ch.isupper() else ch for ch in field).upper()


def _foreign(type_name: str, foreign: dict[str, str], columns: Iterable[str]) -> None:
    """The foreign view columns among a generated type's fields need their domain too."""
    present = {camel(c) for c in columns}
    for field, domain in foreign.items():
        if field in present:
            FOREIGN[(type_name, field)] = domain


# -- resolving ---------------------------------------------------------------------


def _measures(target: Entity, nodes: list[Any], fragments: dict[str, Any]) -> tuple[Measure, ...]:
    """The measures an ``aggregate`` selection (``nodes``) asks for, in a stable order."""
    wanted: set[Measure] = set()
    for selected in sub_fields(nodes, fragments):
        name = selected.name.value
        if name == "count":
            wanted.add(Measure("count"))
            continue
        function = function_of(name)
        if function is None:
            continue
        for column_field in sub_fields([selected], fragments):
            columns = target.field_columns.get(column_field.name.value)
            if not columns:
                continue
            column = target.columns[columns[0]]
            sql_cast = sum_cast(column) if function == "sum" else None
            wanted.add(Measure(function, columns[0], sql_cast))
    return tuple(sorted(wanted, key=lambda m: m.alias))


def _values(row: Any, measures: tuple[Measure, ...]) -> SimpleNamespace:
    """The Aggregates object of one row (None for a parent without matching rows): the
    attributes the generated types' plain fields read. Counts of no rows are 0."""
    parts: dict[str, SimpleNamespace] = {f: SimpleNamespace() for f in _FUNCTIONS}
    result = SimpleNamespace(count=0, **parts)
    for measure in measures:
        value = None if row is None else row[measure.alias]
        if measure.function == "count":
            result.count = value or 0
        else:
            if measure.function == "count_distinct" and value is None:
                value = 0
            setattr(parts[measure.function], measure.column or "", value)
    return result


def _raw(info: Any) -> Any:
    return getattr(info, "_raw_info", info)


async def _rows(
    connection: Any,
    info: Any,
    kind: str,
    build: Callable[..., tuple[str, list[Any]]],
    *args: Any,
) -> Any:
    """Rows of an aggregate statement: for the root, or this connection's parent."""
    loaders = info.context.loaders
    request = connection._result_request
    parent = connection._parent
    if parent is None:
        statement, params = build(request, *args)
        return await loaders.session.fetch(statement, *params)
    parent_entity, relation, key = parent
    if key is None:
        return []
    key_type = parent_entity.sql_types[relation.local]
    statement, params = build(request, *args, relation, key_type)

    async def batch(keys: list[Any]) -> list[list[Any]]:
        rows = await loaders.session.fetch(statement, keys, *params[1:])
        grouped: dict[Any, list[Any]] = {}
        for row in rows:
            grouped.setdefault(row[PARENT], []).append(row)
        return [grouped.get(k, []) for k in keys]

    loader = loaders.batched((kind, statement, repr(params[1:])), batch)
    return await loader.load(key)


async def resolve_aggregate(connection: Any, info: Info) -> Any:
    raw = _raw(info)
    target = connection._result_request.entity
    measures = _measures(target, list(raw.field_nodes), raw.fragments) or (Measure("count"),)

    def build(request: Any, *rest: Any) -> tuple[str, list[Any]]:
        if rest:
            return sql.nested_aggregate(request, measures, *rest)
        return sql.aggregate(request, measures)

    rows = await _rows(connection, info, "aggregate", build)
    return _values(rows[0] if rows else None, measures)


async def resolve_groups(connection: Any, info: Info, by: list[Any], limit: int) -> list[Any]:
    settings = info.context.settings
    if not by:
        raise errors.BadUserInput("groupBy needs at least one field in `by`")
    if limit < 0 or limit > settings.max_page_size:
        raise errors.BadUserInput(f"groupBy limit must be 0 to {settings.max_page_size}")
    raw = _raw(info)
    target = connection._result_request.entity
    columns = tuple(dict.fromkeys(b.value for b in by))
    nodes = sub_fields(list(raw.field_nodes), raw.fragments)
    aggregate_nodes = [n for n in nodes if n.name.value == "aggregate"]
    measures = _measures(target, aggregate_nodes, raw.fragments) or (Measure("count"),)

    def build(request: Any, *rest: Any) -> tuple[str, list[Any]]:
        return sql.groups(request, columns, measures, limit, *rest)

    rows = await _rows(connection, info, "groups", build)
    groups = []
    for row in rows:
        key = SimpleNamespace(**{c: row[c] if c in columns else None for c in target.columns})
        groups.append(SimpleNamespace(key=key, aggregate=_values(row, measures)))
    return groups


# -- the connection types ------------------------------------------------------------


def connection_type(target: str, node: Any, base: Any, nodes: dict[str, type]) -> Any:
    """The connection type of ``target`` rows: ``base`` (relay's ``Connection[node]``)
    with ``aggregate`` and ``groupBy``; one per entity, whichever fields list it.
    ``nodes`` is relay's registry of entity types, read when the schema is built."""
    global _NODES
    _NODES = nodes
    args = get_args(node)
    if args:
        type_name = args[0] if isinstance(args[0], str) else args[0].__forward_arg__
    else:
        type_name = node.__strawberry_definition__.name
    name = f"{type_name}Connection"
    if name in _MADE:
        return _MADE[name]
    _TARGETS[type_name] = target

    async def aggregate(self: Any, info: Info) -> Any:
        return await resolve_aggregate(self, info)

    aggregate.__annotations__ = {"info": Info, "return": _ref(f"{type_name}Aggregates")}

    async def group_by(self: Any, info: Info, by: Any, limit: int = DEFAULT_GROUPS) -> Any:
        return await resolve_groups(self, info, by, limit)

    group_by.__annotations__ = {
        "info": Info,
        "by": Annotated[
            list[_ref(f"{type_name}GroupField")],  # type: ignore[misc]
            strawberry.argument(
                description="The fields whose values form the groups (at least one)."
            ),
        ],
        "limit": Annotated[
            int,
            strawberry.argument(
                description=(
                    "The most groups to return, 0 to the server's maximum page size "
                    "(100 by default); groups come ordered by their key values, nulls last."
                )
            ),
        ],
        "return": list[_ref(f"{type_name}Group")],  # type: ignore[misc]
    }
    namespace = {
        "__module__": __name__,
        "aggregate": strawberry.field(
            resolver=aggregate,
            description=(
                "Count, distinct counts, sums, means, minima and maxima over all the "
                "items matching the filter (one more query)."
            ),
        ),
        "group_by": strawberry.field(
            resolver=group_by,
            description=(
                "The items matching the filter in groups sharing the values of the `by` "
                "fields, each with its aggregates (one more query)."
            ),
        ),
    }
    cls = strawberry.type(
        types.new_class(name, (base,), exec_body=lambda body: body.update(namespace)),
        name=name,
        description=(
            f"A page of `{type_name}` items. Ask for `totalCount`, `aggregate` or `groupBy` "
            "only when you need them."
        ),
    )
    _MADE[name] = cls
    return cls
