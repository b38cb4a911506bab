"""Aggregates and groups over a connection's rows: the same FROM and WHERE as its pages.

A connection's ``aggregate`` and ``groupBy`` read the rows its filter matches (cursors
and page size do not apply, as for ``totalCount``), so they use the page request's
filter and, nested, the parent keys of a whole level as parameter $1: one statement
per level, like the pages. Row-level security applies as to any statement of the
request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aura.db.mapping import Relation
from aura.db.sql import select
from aura.db.sql.params import Params
from aura.db.sql.select import ALIAS, PARENT, PageRequest

# aggregate function → SQL template over the column reference {c}
_FUNCTIONS = {
    "count_distinct": "count(DISTINCT {c})",
    "sum": "sum({c})",
    "avg": "avg({c})::float8",
    "min": "min({c})",
    "max": "max({c})",
}
ROW_NUMBER = "__n"


@dataclass(frozen=True, slots=True)
class Measure:
    """One aggregate value: ``function`` over ``column`` (``count`` needs none), cast
    to ``cast`` when the function's own result type is not what the field promises."""

    function: str
    column: str | None = None
    cast: str | None = None

    @property
    def alias(self) -> str:
        return f"{self.function}__{self.column}" if self.column else self.function

    def sql(self, alias: str = ALIAS) -> str:
        """The aggregate over the rows of ``alias``."""
        if self.function == "count":
            return "count(*)"
        expression = _FUNCTIONS[self.function].format(c=f"{alias}.{self.column}")
        return f"({expression})::{self.cast}" if self.cast else expression


def _measures(measures: tuple[Measure, ...]) -> str:
    return ", ".join(f"{m.sql()} AS {m.alias}" for m in measures)


def _conditions(request: PageRequest, params: Params) -> list[str]:
    return select._conditions(request, params, cursors=False)


def aggregate(request: PageRequest, measures: tuple[Measure, ...]) -> tuple[str, list[Any]]:
    """One row of ``measures`` over the rows the request's filter matches (root)."""
    params = Params()
    conditions = _conditions(request, params)
    sql = (
        f"SELECT {_measures(measures)} FROM {select._source(request, None, params)}"
        f"{select._where(conditions)}"
    )
    return sql, params.values


def nested_aggregate(
    request: PageRequest, measures: tuple[Measure, ...], relation: Relation, key_type: str
) -> tuple[str, list[Any]]:
    """One row of ``measures`` per parent key in $1 that has matching rows."""
    params = Params(None)
    parent = select._parent_ref(relation)
    conditions = [f"{parent} = ANY($1::{key_type}[])", *_conditions(request, params)]
    sql = (
        f"SELECT {parent} AS {PARENT}, {_measures(measures)} "
        f"FROM {select._source(request, relation, params)}{select._where(conditions)} GROUP BY 1"
    )
    return sql, params.values


def groups(
    request: PageRequest,
    by: tuple[str, ...],
    measures: tuple[Measure, ...],
    limit: int,
    relation: Relation | None = None,
    key_type: str | None = None,
) -> tuple[str, list[Any]]:
    """The first ``limit`` groups of the matching rows by the columns ``by`` (ordered by
    their values, nulls last), each with its ``measures``; per parent key in $1 when
    ``relation`` is given."""
    params = Params() if relation is None else Params(None)
    keys = [f"{ALIAS}.{c}" for c in by]
    conditions = _conditions(request, params)
    selected = [f"{ALIAS}.{c} AS {c}" for c in by]
    partition = ""
    if relation is not None:
        parent = select._parent_ref(relation)
        conditions.insert(0, f"{parent} = ANY($1::{key_type}[])")
        selected.insert(0, f"{parent} AS {PARENT}")
        keys.insert(0, parent)
        partition = f"PARTITION BY {parent} "
    order = ", ".join(f"{k} ASC NULLS LAST" for k in keys[1 if relation else 0 :])
    selected.append(_measures(measures))
    selected.append(f"row_number() OVER ({partition}ORDER BY {order}) AS {ROW_NUMBER}")
    sql = (
        f"SELECT * FROM (SELECT {', '.join(selected)} "
        f"FROM {select._source(request, relation, params)}{select._where(conditions)} "
        f"GROUP BY {', '.join(keys)}) g WHERE {ROW_NUMBER} <= {int(limit)} "
        f"ORDER BY {f'{PARENT}, ' if relation else ''}{ROW_NUMBER}"
    )
    return sql, params.values
