"""Batched loading: one SQL statement per level of the GraphQL tree.

graphql-core resolves the fields of all siblings concurrently, so every parent at one
level asks its loader in the same tick; the loader then runs one statement for all of
them. Loaders are keyed by the statement they run (same SQL, same parameters), so two
differently-filtered uses of one relation never share results. They live for one
request (or one subscription event), never longer: rows they hold are only valid
under that request's principal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from strawberry.dataloader import DataLoader

from aura.db.mapping import Entity, Relation, entity
from aura.db.session import Session
from aura.db.sql import select
from aura.db.sql.pagination import OrderKey
from aura.db.sql.select import PARENT, PageRequest


@dataclass(frozen=True, slots=True)
class PageResult:
    rows: Sequence[Any]
    keys: tuple[OrderKey, ...]
    has_next: bool
    has_previous: bool


def _page_result(request: PageRequest, rows: list[Any]) -> PageResult:
    window = request.window
    more = len(rows) > window.limit
    rows = rows[: window.limit]
    if window.backward:
        rows.reverse()
        return PageResult(rows, request.keys, has_next=window.before is not None, has_previous=more)
    return PageResult(rows, request.keys, has_next=more, has_previous=window.after is not None)


def _statement_key(kind: str, sql: str, params: list[Any]) -> Hashable:
    return (kind, sql, orjson.dumps(params, default=str))


class Loaders:
    """The per-request registry of DataLoaders."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}
        # Per-request plans of resolvers that every parent at a level shares.
        self.memo: dict[Hashable, Any] = {}

    def _get(
        self, key: Hashable, batch: Callable[[list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = DataLoader(load_fn=batch)
        return loader

    def batched(
        self, key: Hashable, batch: Callable[[list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader for ``key``, made with ``batch`` on first use (for
        per-parent statements built elsewhere, such as aggregates)."""
        return self._get(key, batch)

    # -- root -------------------------------------------------------------------------

    async def page(self, request: PageRequest) -> PageResult:
        sql, params = select.page(request)
        return _page_result(request, await self.session.fetch(sql, *params))

    async def count(self, request: PageRequest) -> int:
        sql, params = select.count(request)
        return int(await self.session.fetchval(sql, *params))

    # -- per parent ---------------------------------------------------------------------

    def _planned(
        self, kind: str, relation: Relation, request: PageRequest
    ) -> DataLoader[Any, Any] | None:
        # Siblings pass the very same PageRequest object: skip rebuilding the SQL.
        # The request is kept with the loader so a recycled id() can never match.
        cached = self.memo.get((kind, relation.name, id(request)))
        return cached[1] if cached is not None and cached[0] is request else None

    def _plan(
        self, kind: str, relation: Relation, request: PageRequest, loader: DataLoader[Any, Any]
    ) -> DataLoader[Any, Any]:
        self.memo[(kind, relation.name, id(request))] = (request, loader)
        return loader

    def nested_page(
        self, parent: Entity, relation: Relation, request: PageRequest
    ) -> DataLoader[Any, PageResult]:
        planned = self._planned("page", relation, request)
        if planned is not None:
            return planned
        key_type = parent.sql_types[relation.local]
        sql, params = select.nested_page(request, relation, key_type)

        async def batch(keys: list[Any]) -> list[PageResult]:
            rows = await self.session.fetch(sql, keys, *params[1:])
            grouped: dict[Any, list[Any]] = defaultdict(list)
            for row in rows:
                grouped[row[PARENT]].append(row)
            return [_page_result(request, grouped.get(k, [])) for k in keys]

        return self._plan(
            "page", relation, request, self._get(_statement_key("page", sql, params[1:]), batch)
        )

    def nested_count(
        self, parent: Entity, relation: Relation, request: PageRequest
    ) -> DataLoader[Any, int]:
        planned = self._planned("count", relation, request)
        if planned is not None:
            return planned
        key_type = parent.sql_types[relation.local]
        sql, params = select.nested_count(request, relation, key_type)

        async def batch(keys: list[Any]) -> list[int]:
            rows = await self.session.fetch(sql, keys, *params[1:])
            counts = {row[PARENT]: row["count"] for row in rows}
            return [int(counts.get(k, 0)) for k in keys]

        return self._plan(
            "count", relation, request, self._get(_statement_key("count", sql, params[1:]), batch)
        )

    def by_key(
        self, target: str, columns: tuple[str, ...], key: str
    ) -> DataLoader[Any, Any | None]:
        """Rows of ``target`` by the value of column ``key`` (unique), None when unseen."""
        target_entity = entity(target)
        sql = select.by_keys(target_entity, columns, key)

        async def batch(keys: list[Any]) -> list[Any | None]:
            rows = await self.session.fetch(sql, keys)
            found = {row[key]: row for row in rows}
            return [found.get(k) for k in keys]

        return self._get(("key", sql), batch)
