"""Connections, ordering, and the field factories that tie entity types to the loaders.

Each entity's type lists its relationship fields explicitly, e.g.::

    dependencies: Connection[Task] = connection_field(
        "tasks", via="tasks.dependencies", filter=TaskFilter, order=TaskOrderBy,
        description="Tasks that must be completed before this one.")

and the factories give every such field the same arguments (filter, orderBy,
first/after/last/before) and the same batched resolver.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated, Any, Generic, Optional, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from aura.db.loaders import PageResult
from aura.db.mapping import Entity, Relation, entity
from aura.db.sql import search as text_search
from aura.db.sql.pagination import OrderKey, encode_cursor, order_keys, window
from aura.db.sql.select import ALIAS, PageRequest
from aura.db.sql.values import check_id
from aura.engine.aggregates import connection_type
from aura.engine.node import implement, instantiate
from aura.engine.scopes import declare
from aura.engine.selection import columns_for, node_fields

T = TypeVar("T")
F = TypeVar("F", bound=Enum)

# entity name → the Strawberry type that represents its rows
TYPES: dict[str, type] = {}


def entity_type(name: str, *, domain: str) -> Callable[[type[T]], type[T]]:
    """Register a Strawberry type as the representation of an entity's rows, declare
    the scope domain whose data it is (``aura.engine.scopes``), and make it a Relay
    ``Node`` (``aura.engine.node``)."""

    def register(cls: type[T]) -> type[T]:
        TYPES[name] = cls
        declare(cls, domain)
        implement(cls, name)
        return cls

    return register


def extend_type(target: type) -> Callable[[type[T]], type[T]]:
    """Add the fields declared on the decorated class to ``target``'s GraphQL type.

    A domain adds its reverse relations (``Project.plans``) from its own module, so the
    type it extends never lists another domain's fields::

        @extend_type(Project)
        class ProjectOrchestration:
            plans = related_connection("plans", "Plan", "projects.plans", "...")

    Strawberry collects a type's fields when it decorates the class; the schema reads
    ``__strawberry_definition__.fields`` only when it is built, so fields appended here
    before then are fields like any other (``accelerate`` and the description pass see
    them). Only resolver fields (the relay factories) can be added: a plain field would
    need a dataclass attribute of the target.
    """

    def apply(contribution: type[T]) -> type[T]:
        definition = target.__strawberry_definition__  # type: ignore[attr-defined]
        taken = {f.python_name for f in definition.fields}
        for name, value in vars(contribution).items():
            if not isinstance(value, StrawberryField):
                continue
            if value.base_resolver is None:
                raise TypeError(f"{contribution.__name__}.{name}: only resolver fields extend")
            if name in taken:
                raise TypeError(f"{definition.name} already has a field {name}")
            value.python_name = name
            value.origin = target
            definition.fields.append(value)
            taken.add(name)
        return contribution

    return apply


@strawberry.enum(description="Sort direction. Nulls always sort last.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending: smallest or earliest first.")
    DESC = strawberry.enum_value("DESC", description="Descending: largest or latest first.")


@strawberry.input
class OrderBy(Generic[F]):
    field: F = strawberry.field(description="The field to sort by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="Ascending (default) or descending."
    )


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Items precede this page (known when paging with `after` or `last`)."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")


@strawberry.type(description="An item with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Opaque position of this item; pass it as `after` or `before`."
    )
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items. Ask for `totalCount` only when you need it.")
class Connection(Generic[T]):
    nodes: list[T] = strawberry.field(description="The items of this page, in order.")
    _result: strawberry.Private[PageResult]
    _count: strawberry.Private[Callable[[], Awaitable[int]]]
    # What ``aggregate`` and ``groupBy`` read (``aura.engine.aggregates``): the request,
    # and for a nested connection (parent entity, relation, parent key).
    _result_request: strawberry.Private[PageRequest]
    _parent: strawberry.Private[tuple[Entity, Relation, Any] | None]

    @strawberry.field(description="The items of this page with their cursors.")
    def edges(self) -> list[Edge[T]]:
        keys = self._result.keys
        return [
            Edge(cursor=encode_cursor(row, keys), node=node)
            for row, node in zip(self._result.rows, self.nodes, strict=True)
        ]

    @strawberry.field(description="Pagination state of this page.")
    def page_info(self) -> PageInfo:
        rows, keys = self._result.rows, self._result.keys
        return PageInfo(
            has_next_page=self._result.has_next,
            has_previous_page=self._result.has_previous,
            start_cursor=encode_cursor(rows[0], keys) if rows else None,
            end_cursor=encode_cursor(rows[-1], keys) if rows else None,
        )

    @strawberry.field(
        description="Number of items matching the filter, across all pages (one more query)."
    )
    async def total_count(self) -> int:
        return await self._count()


def _connection(
    cls: type,
    result: PageResult,
    count: Callable[[], Awaitable[int]],
    request: PageRequest,
    parent: tuple[Entity, Relation, Any] | None = None,
) -> Connection[Any]:
    connection: Connection[Any] = Connection.__new__(Connection)
    connection.nodes = [instantiate(cls, row) for row in result.rows]
    connection._result = result
    connection._count = count
    connection._result_request = request
    connection._parent = parent
    return connection


def _page_request(
    info: Info,
    target: Entity,
    filter_: Any,
    order_by: Any,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    search: str | None = None,
) -> PageRequest:
    settings = info.context.settings
    keys = order_keys(
        target, [(o.field.value, o.direction is OrderDirection.DESC) for o in order_by or []]
    )
    if search is not None:
        search = text_search.check(search)
        if not order_by:
            # Best match first; the ID keeps the order total (and the cursors stable).
            rank = text_search.rank(target.table.name, ALIAS)
            keys = (
                OrderKey(text_search.RANK, True, rank, "float8"),
                OrderKey(target.primary_key),
            )
    page_window = window(
        first=first,
        last=last,
        after=after,
        before=before,
        keys=keys,
        default_size=settings.default_page_size,
        max_size=settings.max_page_size,
    )
    fields = node_fields(info, connection=True)
    columns = columns_for(target, fields, *(k.column for k in keys))
    return PageRequest(target, columns, filter_, keys, page_window, search)


def split_relation(via: str) -> tuple[Entity, Relation]:
    parent_name, relation_name = via.split(".")
    parent = entity(parent_name)
    return parent, parent.relations[relation_name]


# Metadata key marking fields whose graphql-core resolver ``accelerate`` replaces.
FAST_RESOLVER = "aura.fast_resolver"
# Metadata key of root fields the query compiler (``aura.engine.compiler``) may serve.
COMPILED_ROOT = "aura.compiled_root"

_PAGE_ARGS = ("filter", "order_by", "first", "after", "last", "before", "search")

# The arguments every connection field shares, described once.
_ARGUMENT_DESCRIPTIONS = {
    "filter": "Only items matching these conditions; all items when omitted.",
    "order_by": ("Sort terms, applied in order; ties are broken by ID, so the order is total."),
    "first": (
        "Page size, counted from the start (or from `after`): 0 to the server's maximum "
        "page size (100 by default). The default page size (20 by default) applies when "
        "neither `first` nor `last` is given. Not together with `last`."
    ),
    "after": (
        "Cursor (`endCursor` or an edge's `cursor`) of the item after which the page "
        "starts; valid only with the same `orderBy`."
    ),
    "last": (
        "Page size, counted back from the end (or from `before`): 0 to the server's "
        "maximum page size. Not together with `first`."
    ),
    "before": (
        "Cursor (`startCursor` or an edge's `cursor`) of the item before which the page "
        "ends; valid only with the same `orderBy`."
    ),
    "search": (
        'Only items whose text matches this full-text query (words, "quoted phrases", '
        "-excluded, `or`; English stemming), together with `filter`. Without `orderBy`, "
        "best matches come first. At most 1,000 characters, not blank."
    ),
}


def _argument(annotation: Any, name: str) -> Any:
    return Annotated[annotation, strawberry.argument(description=_ARGUMENT_DESCRIPTIONS[name])]


def _connection_loader(target: str, via: str | None) -> Callable[..., Awaitable[Any]]:
    """Resolve one connection from a page request (the same for every parent)."""

    async def load(root: Any, info: Any, request: PageRequest) -> Connection[Any]:
        loaders = info.context.loaders
        cls = TYPES[target]
        if via is None:
            return _connection(
                cls, await loaders.page(request), lambda: loaders.count(request), request
            )
        parent, relation = split_relation(via)
        key = getattr(root, relation.local)
        scope = (parent, relation, key)
        if key is None:
            return _connection(
                cls, PageResult((), request.keys, False, False), _zero, request, scope
            )
        result = await loaders.nested_page(parent, relation, request).load(key)
        return _connection(
            cls,
            result,
            lambda: loaders.nested_count(parent, relation, request).load(key),
            request,
            scope,
        )

    return load


def request_from(info: Any, target: str, args: dict[str, Any]) -> PageRequest:
    return _page_request(info, entity(target), *(args.get(a) for a in _PAGE_ARGS))


def connection_field(
    target: str, *, node: Any, filter: type, order: type, description: str, via: str | None = None
) -> Any:
    """A paginated list of ``target`` rows: at the root, or along relation ``via``."""
    load = _connection_loader(target, via)

    async def resolve(
        root: Any,
        info: Info,
        filter: Any = None,
        order_by: Any = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: str | None = None,
    ) -> Connection[Any]:
        args = dict(
            filter=filter,
            order_by=order_by,
            first=first,
            after=after,
            last=last,
            before=before,
            search=search,
        )
        return await load(root, info, request_from(info, target, args))

    resolve.__annotations__ = {
        "info": Info,
        "filter": _argument(Optional[filter], "filter"),  # noqa: UP045 - built at run time
        "order_by": _argument(
            Optional[list[order]],  # type: ignore[valid-type]  # noqa: UP045
            "order_by",
        ),
        "first": _argument(Optional[int], "first"),  # noqa: UP045
        "after": _argument(Optional[str], "after"),  # noqa: UP045
        "last": _argument(Optional[int], "last"),  # noqa: UP045
        "before": _argument(Optional[str], "before"),  # noqa: UP045
        "search": _argument(Optional[str], "search"),  # noqa: UP045
        "return": connection_type(target, node, Connection[node], TYPES),
    }
    if not text_search.searchable(entity(target).table.name):
        # Only tables with a full-text document take ``search``.
        del resolve.__annotations__["search"]
        signature = inspect.signature(resolve)
        resolve.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p for p in signature.parameters.values() if p.name != "search"]
        )
    return strawberry.field(
        resolver=resolve,
        description=description,
        metadata={FAST_RESOLVER: ("connection", target, via, load)},
    )


async def _zero() -> int:
    return 0


def _related_loader(via: str) -> Callable[..., Awaitable[Any]]:
    async def load(root: Any, info: Any, columns: tuple[str, ...] | None = None) -> Any:
        _, relation = split_relation(via)
        key = getattr(root, relation.local)
        if key is None:
            return None
        if columns is None:
            target = entity(relation.target)
            columns = columns_for(target, node_fields(info, connection=False), relation.remote)
        row = await info.context.loaders.by_key(relation.target, columns, relation.remote).load(key)
        return None if row is None else instantiate(TYPES[relation.target], row)

    return load


def related_field(via: str, *, node: Any, description: str, required: bool = False) -> Any:
    """The single row a relation points at (``task.project``)."""
    load = _related_loader(via)

    async def resolve(root: Any, info: Info) -> Any:
        return await load(root, info)

    resolve.__annotations__ = {"info": Info, "return": node if required else Optional[node]}  # noqa: UP045
    return strawberry.field(
        resolver=resolve, description=description, metadata={FAST_RESOLVER: ("related", via, load)}
    )


# The ``id`` argument of by-ID queries and of update and delete mutations.
ID_ARGUMENT = Annotated[strawberry.ID, strawberry.argument(description="The item's ID (a UUID).")]


def by_id_field(target: str, *, node: Any, description: str) -> Any:
    """One row by ID at the root; null when it does not exist or is not yours."""

    async def resolve(root: Any, info: Info, id: strawberry.ID) -> Any:
        target_entity = entity(target)
        key = check_id(id)
        columns = columns_for(target_entity, node_fields(info, connection=False))
        loader = info.context.loaders.by_key(target, columns, target_entity.primary_key)
        row = await loader.load(key)
        return None if row is None else instantiate(TYPES[target], row)

    resolve.__annotations__ = {"info": Info, "id": ID_ARGUMENT, "return": Optional[node]}  # noqa: UP045
    return strawberry.field(
        resolver=resolve, description=description, metadata={COMPILED_ROOT: ("by_id", target)}
    )
