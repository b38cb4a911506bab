"""SELECT statements for pages, counts and key lookups, at the root or per parent.

Nested pages use one LATERAL subquery per parent key inside a single statement: every
parent gets its own ORDER BY … LIMIT (served by the foreign-key index), and a whole
level of the GraphQL tree costs one statement whatever the number of parents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aura.db.mapping import Entity, Relation
from aura.db.sql import filters, search
from aura.db.sql.pagination import OrderKey, Window, boundary, order_sql
from aura.db.sql.params import Params

ALIAS = "t"
PARENT = "__parent"


@dataclass(frozen=True)
class PageRequest:
    """What one connection field asks for, independent of its parents."""

    entity: Entity
    columns: tuple[str, ...]
    filter: Any
    keys: tuple[OrderKey, ...]
    window: Window
    # A full-text query (``websearch_to_tsquery`` syntax) the rows' document must match.
    search: str | None = None


def column_list(columns: tuple[str, ...], alias: str = ALIAS) -> str:
    return ", ".join(f"{alias}.{c}" for c in columns)


def _selected(request: PageRequest) -> str:
    """The requested columns, and the computed order keys that cursors are made of."""
    computed = [f"{k.expression} AS {k.column}" for k in request.keys if k.expression]
    return ", ".join([column_list(request.columns), *computed])


def _conditions(request: PageRequest, params: Params, *, cursors: bool) -> list[str]:
    conditions = []
    if request.search is not None:
        conditions.append(search.matches(request.entity.table.name, ALIAS))
    condition = filters.where(request.entity, ALIAS, request.filter, params)
    if condition:
        conditions.append(condition)
    if cursors and request.window.after is not None:
        conditions.append(
            boundary(request.entity, ALIAS, request.keys, request.window.after, params, after=True)
        )
    if cursors and request.window.before is not None:
        conditions.append(
            boundary(
                request.entity, ALIAS, request.keys, request.window.before, params, after=False
            )
        )
    return conditions


def _from(entity: Entity, relation: Relation | None) -> str:
    """FROM clause and the expression that holds each row's parent key."""
    table = entity.table.name
    if relation is None or relation.through is None:
        return f"{table} {ALIAS}"
    through = relation.through
    return (
        f"{through.table.name} j JOIN {table} {ALIAS} "
        f"ON {ALIAS}.{relation.remote} = j.{through.target}"
    )


def _source(request: PageRequest, relation: Relation | None, params: Params) -> str:
    """``_from``, joined with the request's full-text query when it has one."""
    source = _from(request.entity, relation)
    if request.search is None:
        return source
    return f"{source} CROSS JOIN {search.query(request.search, params)}"


def _parent_ref(relation: Relation) -> str:
    if relation.through is not None:
        return f"j.{relation.through.source}"
    return f"{ALIAS}.{relation.remote}"


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def page(request: PageRequest) -> tuple[str, list[Any]]:
    """One page at the root: fetches limit + 1 rows to learn whether more follow."""
    params = Params()
    conditions = _conditions(request, params, cursors=True)
    sql = (
        f"SELECT {_selected(request)} FROM {_source(request, None, params)}"
        f"{_where(conditions)}"
        f" ORDER BY {order_sql(ALIAS, request.keys, reverse=request.window.backward)}"
        f" LIMIT {request.window.limit + 1}"
    )
    return sql, params.values


def nested_page(request: PageRequest, relation: Relation, key_type: str) -> tuple[str, list[Any]]:
    """One page per parent; the parent keys are parameter $1."""
    params = Params(None)
    conditions = [f"{_parent_ref(relation)} = p.{PARENT}"]
    conditions += _conditions(request, params, cursors=True)
    sql = (
        f"SELECT p.{PARENT}, c.* FROM unnest($1::{key_type}[]) AS p({PARENT}) "
        f"CROSS JOIN LATERAL (SELECT {_selected(request)} "
        f"FROM {_source(request, relation, params)}{_where(conditions)}"
        f" ORDER BY {order_sql(ALIAS, request.keys, reverse=request.window.backward)}"
        f" LIMIT {request.window.limit + 1}) c"
    )
    return sql, params.values


def count(request: PageRequest) -> tuple[str, list[Any]]:
    params = Params()
    conditions = _conditions(request, params, cursors=False)
    return (
        f"SELECT count(*) FROM {_source(request, None, params)}{_where(conditions)}",
        params.values,
    )


def nested_count(request: PageRequest, relation: Relation, key_type: str) -> tuple[str, list[Any]]:
    params = Params(None)
    parent = _parent_ref(relation)
    conditions = [f"{parent} = ANY($1::{key_type}[])"]
    conditions += _conditions(request, params, cursors=False)
    sql = (
        f"SELECT {parent} AS {PARENT}, count(*) FROM {_source(request, relation, params)}"
        f"{_where(conditions)} GROUP BY 1"
    )
    return sql, params.values


def by_keys(entity: Entity, columns: tuple[str, ...], key: str) -> str:
    """Rows whose ``key`` is in parameter $1 (an array)."""
    return (
        f"SELECT {column_list(columns)} FROM {entity.table.name} {ALIAS} "
        f"WHERE {ALIAS}.{key} = ANY($1::{entity.sql_types[key]}[])"
    )
