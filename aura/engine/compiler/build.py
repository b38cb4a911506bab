"""One query operation as one SQL statement whose single value is the ``data`` JSON.

Objects are ``row_to_json((SELECT x FROM (SELECT <value> AS "<response key>", …) x))``,
which keeps the requested key order and writes compact JSON; lists are
``array_to_json(array_agg(…))`` (compact, unlike ``json_agg``). A connection reads its
page as the loaders do (``aura.db.sql.select``: the same filter and cursor SQL, ORDER BY
… LIMIT n + 1, correlated to its parent row, where the loaders unnest a batch of parent
keys) and aggregates that page once into its nodes, edges, cursors and page flags;
totalCount is a correlated count. Fields are collected with graphql-core's own
``collect_fields`` (fragments, ``@skip``/``@include``, merging of equal response keys),
so the shape of the answer is graphql-core's.

Anything outside ``Catalog`` raises ``Unsupported``: the caller then runs the
operation the resolved way.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
)
from graphql.execution.collect_fields import (
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.types.arguments import convert_arguments

from aura.db.mapping import Entity, Relation
from aura.db.sql import filters
from aura.db.sql.aggregate import Measure
from aura.db.sql.pagination import OrderKey, Window, boundary, order_keys, order_sql, window
from aura.db.sql.params import Params
from aura.db.sql.values import check_id
from aura.engine.aggregates import function_of, sum_cast
from aura.engine.compiler import formats
from aura.engine.compiler.catalog import (
    AGGREGATE_FIELD,
    UNCOMPILED_ARGUMENTS,
    ById,
    Catalog,
    Leaf,
    NodeKey,
    Paged,
    Related,
    value_leaf,
)
from aura.engine.compiler.formats import (
    FALLBACK,
    json_string,
    leaf_json,
    node_id_json,
    non_null,
    value_json,
)

# PostgreSQL truncates longer names (NAMEDATALEN), which would change a response key.
_MAX_KEY = 63
_ORD = "__ord"
_TIMESTAMP = "TIMESTAMP WITH TIME ZONE"
# The SQL type of a function's (or a cast's) result; min and max keep the column's.
_MEASURE_TYPES = {
    "count_distinct": "BIGINT",
    "avg": "DOUBLE PRECISION",
    "bigint": "BIGINT",
    "float8": "DOUBLE PRECISION",
}


class Unsupported(Exception):
    """The operation needs something the compiler does not do: resolve it instead."""


class _Measures:
    """The aggregates one ``aggregate`` selection reads: computed over the rows of
    ``over`` as columns of the row ``row``, each once."""

    def __init__(self, row: str, over: str) -> None:
        self.row, self.over = row, over
        self._sql: dict[str, str] = {}

    def json(self, field_type: Any, measure: Measure, sql_type: str) -> str:
        leaf = value_leaf(field_type, sql_type)
        if leaf is None:
            raise Unsupported(f"an aggregate of type {sql_type}")
        self._sql[measure.alias] = measure.sql(self.over)
        return value_json(leaf, f"{self.row}.{measure.alias}")

    def columns(self) -> str:
        return ", ".join(f"{sql} AS {name}" for name, sql in self._sql.items()) or "1"


def _obj(pairs: list[tuple[str, str]]) -> str:
    # No pairs (every field skipped): ``SELECT`` with no columns, written as ``{}``.
    columns = ", ".join(f'{value} AS "{key}"' for key, value in pairs)
    return f"row_to_json((SELECT x FROM (SELECT {columns}) x))"


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?\+00:00")


def _castable(value: str | None, sql_type: str) -> bool:
    """Will ``value::sql_type`` succeed? A cursor value that would fail the statement
    (aborting the request's transaction) is left to the resolved path."""
    if value is None:
        return True
    if "\x00" in value:
        return False
    if sql_type == "TEXT":
        return True
    if sql_type == "UUID":
        return bool(_UUID.fullmatch(value.lower()))
    if sql_type in ("INTEGER", "SMALLINT", "BIGINT"):
        if not _INTEGER.fullmatch(value):
            return False
        bound = {"INTEGER": 2**31, "SMALLINT": 2**15, "BIGINT": 2**63}[sql_type]
        return -bound <= int(value) < bound
    if sql_type == "BOOLEAN":
        return value in ("true", "false")
    if sql_type == _TIMESTAMP:
        if not _ISO.fullmatch(value):
            return False
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return True
    return False


def _item_type(graphql_type: Any) -> GraphQLObjectType:
    while hasattr(graphql_type, "of_type"):
        graphql_type = graphql_type.of_type
    if not isinstance(graphql_type, GraphQLObjectType):
        raise Unsupported(f"{graphql_type} is not an object type")
    return graphql_type


class Builder:
    """Builds the statement of one operation (one use: it holds the parameters)."""

    def __init__(
        self,
        catalog: Catalog,
        document: Any,
        operation: OperationDefinitionNode,
        raw_variables: dict[str, Any] | None,
        converter: Any,
        default_page_size: int,
        max_page_size: int,
    ) -> None:
        self.catalog = catalog
        self.schema: GraphQLSchema = catalog.schema
        self.operation = operation
        self.converter = converter
        self.default_page_size = default_page_size
        self.max_page_size = max_page_size
        self.params = Params()
        self._aliases = itertools.count()
        # Columns read from each row alias: a page selects only those (as the loaders
        # do), since a role may lack the privilege on others.
        self._used: dict[str, set[str]] = {}
        self.fragments: dict[str, FragmentDetails] = {}
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                if definition.variable_definitions:
                    raise Unsupported("fragment variables")
                self.fragments[definition.name.value] = FragmentDetails(definition)
        coerced = get_variable_values(
            self.schema, operation.variable_definitions or (), raw_variables or {}
        )
        if isinstance(coerced, list):
            raise Unsupported("variables that do not coerce")
        self.variables: VariableValues = coerced

    def _ref(self, alias: str, column: str) -> str:
        self._used.setdefault(alias, set()).add(column)
        return f"{alias}.{column}"

    def _alias(self) -> str:
        return f"c{next(self._aliases)}"

    def _check(self, collected: Any) -> dict[str, list[FieldDetails]]:
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            raise Unsupported("@defer")
        fields: dict[str, list[FieldDetails]] = collected.grouped_field_set
        for key, details in fields.items():
            if len(key) > _MAX_KEY:
                raise Unsupported("a response key longer than PostgreSQL's names")
            for detail in details:
                if detail.fragment_variable_values is not None:
                    raise Unsupported("fragment variables")
                for directive in detail.node.directives or ():
                    if directive.name.value not in ("skip", "include"):
                        raise Unsupported(f"@{directive.name.value}")
        return fields

    def _subfields(
        self, graphql_type: GraphQLObjectType, details: list[FieldDetails]
    ) -> dict[str, list[FieldDetails]]:
        return self._check(
            collect_subfields(
                self.schema, self.fragments, self.variables, self.operation, graphql_type, details
            )
        )

    def _named(self, type_name: str) -> GraphQLObjectType:
        graphql_type = self.schema.type_map[type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        return graphql_type

    def _arguments(self, parent: GraphQLObjectType, node: FieldNode, field: Any) -> dict[str, Any]:
        field_def = parent.fields[node.name.value]
        raw = get_argument_values(field_def, node, self.variables)
        return convert_arguments(
            raw,
            field.arguments,
            scalar_registry=self.converter.scalar_registry,
            config=self.converter.config,
        )

    # -- the operation -------------------------------------------------------------------

    def statement(self) -> tuple[str, list[Any]]:
        if self.operation.operation.value != "query":
            raise Unsupported("not a query")
        root = self.schema.query_type
        assert root is not None
        fields = self._check(
            collect_fields(self.schema, self.fragments, self.variables, root, self.operation)
        )
        specs = self.catalog.fields.get(root.name, {})
        pairs = []
        for key, details in fields.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                pairs.append((key, json_string(root.name)))
                continue
            spec = specs.get(name)
            if isinstance(spec, ById):
                pairs.append((key, self._by_id(spec, root, details)))
            elif isinstance(spec, Paged):
                pairs.append((key, self._connection(spec, root, details, None)))
            else:
                raise Unsupported(f"Query.{name}")
        if all(details[0].node.name.value == "__typename" for details in fields.values()):
            # The resolved path answers without the database (no transaction, no
            # principal check): so does it here.
            raise Unsupported("nothing to read")
        return f"SELECT {_obj(pairs)}::text", self.params.values

    # -- objects ---------------------------------------------------------------------

    def _object(
        self, entity: Entity, type_name: str, details: list[FieldDetails], alias: str
    ) -> str:
        graphql_type = self._named(type_name)
        if self.catalog.entities.get(type_name) is not entity:
            raise Unsupported(f"{type_name} is not {entity.name}")
        specs = self.catalog.fields[type_name]
        pairs = []
        for key, sub in self._subfields(graphql_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                pairs.append((key, json_string(type_name)))
                continue
            spec = specs.get(name)
            if isinstance(spec, Leaf):
                self._ref(alias, spec.column)
                pairs.append((key, leaf_json(spec, alias)))
            elif isinstance(spec, NodeKey):
                self._ref(alias, spec.column)
                pairs.append((key, node_id_json(spec, alias)))
            elif isinstance(spec, Related):
                pairs.append((key, self._related(spec, sub, alias)))
            elif isinstance(spec, Paged):
                pairs.append((key, self._connection(spec, graphql_type, sub, alias)))
            else:
                raise Unsupported(f"{type_name}.{name}")
        return _obj(pairs)

    def _by_id(self, spec: ById, root: GraphQLObjectType, details: list[FieldDetails]) -> str:
        args = self._arguments(root, details[0].node, spec.field)
        try:
            key = check_id(args["id"])
        except Exception as exc:
            raise Unsupported("a malformed ID") from exc
        target = spec.target
        alias = self._alias()
        type_name = self._node_type(root, details[0].node)
        pk = target.primary_key
        placeholder = self.params.add(key, target.sql_types[pk])
        body = self._object(target, type_name, details, alias)
        return (
            f"(SELECT {body} FROM {target.table.name} {alias} WHERE {alias}.{pk} = {placeholder})"
        )

    def _related(self, spec: Related, details: list[FieldDetails], parent: str) -> str:
        target, relation = spec.target, spec.relation
        alias = self._alias()
        type_name = self._type_name_of(target)
        body = self._object(target, type_name, details, alias)
        value = (
            f"(SELECT {body} FROM {target.table.name} {alias} "
            f"WHERE {alias}.{relation.remote} = {self._ref(parent, relation.local)})"
        )
        return non_null(value) if spec.non_null else value

    def _type_name_of(self, target: Entity) -> str:
        for type_name, entity in self.catalog.entities.items():
            if entity is target:
                return type_name
        raise Unsupported(f"no type for {target.name}")

    def _node_type(self, parent: GraphQLObjectType, node: FieldNode) -> str:
        graphql_type: Any = parent.fields[node.name.value].type
        while hasattr(graphql_type, "of_type"):
            graphql_type = graphql_type.of_type
        return str(graphql_type.name)

    # -- connections -------------------------------------------------------------------

    def _page(self, spec: Paged, args: dict[str, Any]) -> tuple[tuple[OrderKey, ...], Window]:
        target = spec.target
        try:
            keys = order_keys(
                target,
                [(o.field.value, o.direction.value == "DESC") for o in args.get("order_by") or []],
            )
            page_window = window(
                first=args.get("first"),
                last=args.get("last"),
                after=args.get("after"),
                before=args.get("before"),
                keys=keys,
                default_size=self.default_page_size,
                max_size=self.max_page_size,
            )
        except Exception as exc:  # the resolved path reports it
            raise Unsupported("page arguments the resolved path refuses") from exc
        for key in keys:
            if target.sql_types[key.column] not in formats.CURSOR_TYPES:
                raise Unsupported(f"ordering by {key.column}")
        for values in (page_window.after, page_window.before):
            for key, value in zip(keys, values or (), strict=False):
                if not _castable(value, target.sql_types[key.column]):
                    raise Unsupported("a cursor value the database would refuse")
        return keys, page_window

    def _source(
        self, target: Entity, relation: Relation | None, parent: str | None, alias: str
    ) -> tuple[str, list[str]]:
        """FROM clause and the parent condition, as ``aura.db.sql.select`` has them."""
        table = target.table.name
        if relation is None or parent is None:
            return f"{table} {alias}", []
        if relation.through is None:
            local = self._ref(parent, relation.local)
            return f"{table} {alias}", [f"{alias}.{relation.remote} = {local}"]
        through = relation.through
        join = f"j{alias}"
        return (
            f"{through.table.name} {join} JOIN {table} {alias} "
            f"ON {alias}.{relation.remote} = {join}.{through.target}",
            [f"{join}.{through.source} = {self._ref(parent, relation.local)}"],
        )

    def _filter(self, target: Entity, alias: str, filter_: Any) -> list[str]:
        try:
            condition = filters.where(target, alias, filter_, self.params)
        except Exception as exc:
            raise Unsupported("a filter the resolved path refuses") from exc
        return [condition] if condition else []

    def _connection(
        self,
        spec: Paged,
        parent_type: GraphQLObjectType,
        details: list[FieldDetails],
        parent: str | None,
    ) -> str:
        target, relation = spec.target, spec.relation
        args = self._arguments(parent_type, details[0].node, spec.field)
        for name in UNCOMPILED_ARGUMENTS:
            if args.get(name) is not None:
                raise Unsupported(f"{spec.type_name} with {name}")
        keys, page_window = self._page(spec, args)
        limit = page_window.limit
        connection_type = self._named(spec.type_name)
        fields = self._subfields(connection_type, details)
        node_type = self._type_name_of(target)

        row = self._alias()  # a row of the page
        page = self._alias()  # the page's aggregate
        aggregates: list[str] = ["count(*) AS n"]
        display = f"{row}.{_ORD} {'DESC' if page_window.backward else 'ASC'}"
        in_page = f"FILTER (WHERE {row}.{_ORD} <= {limit})"
        cursor = formats.cursor_text(keys, target.sql_types, row)
        for order_key in keys:
            self._ref(row, order_key.column)
        self._ref(row, target.primary_key)

        def aggregate(expression: str) -> str:
            name = f"a{len(aggregates)}"
            aggregates.append(
                f"array_to_json(array_agg({expression} ORDER BY {display}) {in_page}) AS {name}"
            )
            return f"coalesce({page}.{name}, '[]'::json)"

        def cursors() -> str:
            name = "cursors"
            if not any(a.endswith(f" AS {name}") for a in aggregates):
                aggregates.append(f"array_agg({cursor} ORDER BY {display}) {in_page} AS {name}")
            return f"{page}.{name}"

        has_parent = (
            "TRUE"
            if parent is None or relation is None
            else f"({self._ref(parent, relation.local)} IS NOT NULL)"
        )
        more = f"({page}.n > {limit})"
        if page_window.backward:
            has_next = f"({has_parent} AND {page_window.before is not None})"
            has_previous = more
        else:
            has_next = more
            has_previous = f"({has_parent} AND {page_window.after is not None})"

        pairs: list[tuple[str, str]] = []
        for key, sub in fields.items():
            name = sub[0].node.name.value
            if name == "__typename":
                pairs.append((key, json_string(spec.type_name)))
            elif name == "nodes":
                pairs.append((key, aggregate(self._object(target, node_type, sub, row))))
            elif name == "edges":
                pairs.append(
                    (
                        key,
                        aggregate(self._edge(connection_type, target, node_type, sub, row, cursor)),
                    )
                )
            elif name == "pageInfo":
                pairs.append(
                    (key, self._page_info(connection_type, sub, has_next, has_previous, cursors))
                )
            elif name == "totalCount":
                pairs.append((key, self._count(target, relation, parent, args.get("filter"))))
            elif name == AGGREGATE_FIELD and spec.aggregates:
                aggregates_type = _item_type(connection_type.fields[name].type)
                pairs.append(
                    (key, self._aggregate(aggregates_type, sub, spec, parent, args.get("filter")))
                )
            else:
                raise Unsupported(f"{spec.type_name}.{name}")

        source, conditions = self._source(target, relation, parent, row)
        conditions += self._filter(target, row, args.get("filter"))
        if page_window.after is not None:
            conditions.append(
                boundary(target, row, keys, page_window.after, self.params, after=True)
            )
        if page_window.before is not None:
            conditions.append(
                boundary(target, row, keys, page_window.before, self.params, after=False)
            )
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        order = order_sql(row, keys, reverse=page_window.backward)
        used = self._used.get(row, set())
        columns = ", ".join(f"{row}.{c}" for c in target.columns if c in used)
        # The resolved path reads every column it selects from every row it fetches (the
        # extra one too): an instant with no DateTime there fails the whole page.
        timestamps = [c for c in target.columns if c in used and target.sql_types[c] == _TIMESTAMP]
        if timestamps:
            checks = " AND ".join(formats.representable(f"{row}.{c}") for c in timestamps)
            aggregates.append(f"bool_and({checks}) AS valid")
        rows = (
            f"SELECT {columns}, row_number() OVER (ORDER BY {order}) AS {_ORD} "
            f"FROM {source}{where} ORDER BY {order} LIMIT {limit + 1}"
        )
        body = _obj(pairs)
        if timestamps:
            body = f"CASE WHEN {page}.valid IS FALSE THEN {FALLBACK} ELSE {body} END"
        return f"(SELECT {body} FROM (SELECT {', '.join(aggregates)} FROM ({rows}) {row}) {page})"

    def _edge(
        self,
        connection_type: GraphQLObjectType,
        target: Entity,
        node_type: str,
        details: list[FieldDetails],
        row: str,
        cursor: str,
    ) -> str:
        edge_type = _item_type(connection_type.fields["edges"].type)
        pairs = []
        for key, sub in self._subfields(edge_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                pairs.append((key, json_string(edge_type.name)))
            elif name == "cursor":
                pairs.append((key, f"to_json({cursor})"))
            elif name == "node":
                pairs.append((key, self._object(target, node_type, sub, row)))
            else:
                raise Unsupported(f"{edge_type.name}.{name}")
        return _obj(pairs)

    def _page_info(
        self,
        connection_type: GraphQLObjectType,
        details: list[FieldDetails],
        has_next: str,
        has_previous: str,
        cursors: Any,
    ) -> str:
        info_type = _item_type(connection_type.fields["pageInfo"].type)
        pairs = []
        for key, sub in self._subfields(info_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                pairs.append((key, json_string(info_type.name)))
            elif name == "hasNextPage":
                pairs.append((key, f"to_json({has_next})"))
            elif name == "hasPreviousPage":
                pairs.append((key, f"to_json({has_previous})"))
            elif name == "startCursor":
                pairs.append((key, f"to_json(({cursors()})[1])"))
            elif name == "endCursor":
                found = cursors()
                pairs.append((key, f"to_json(({found})[array_length({found}, 1)])"))
            else:
                raise Unsupported(f"PageInfo.{name}")
        return _obj(pairs)

    def _matching(
        self, target: Entity, relation: Relation | None, parent: str | None, filter_: Any
    ) -> tuple[str, str]:
        """An alias and the FROM … WHERE of the rows a connection's filter matches (all
        pages), which ``totalCount`` and ``aggregate`` read."""
        alias = self._alias()
        source, conditions = self._source(target, relation, parent, alias)
        conditions += self._filter(target, alias, filter_)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return alias, f"FROM {source}{where}"

    def _count(
        self, target: Entity, relation: Relation | None, parent: str | None, filter_: Any
    ) -> str:
        _, rows = self._matching(target, relation, parent, filter_)
        return f"(SELECT to_json(count(*)) {rows})"

    def _aggregate(
        self,
        aggregates_type: GraphQLObjectType,
        details: list[FieldDetails],
        spec: Paged,
        parent: str | None,
        filter_: Any,
    ) -> str:
        """``aggregate`` (``aura.engine.aggregates``): one row of aggregates over the
        matching rows; with none, counts are 0 and the other values null, as there."""
        target = spec.target
        alias, rows = self._matching(target, spec.relation, parent, filter_)
        # The aggregates are computed over the rows and read by name: written inside the
        # object's own SELECT, ``count(*)`` would count that SELECT's single row.
        measures = _Measures(self._alias(), alias)
        pairs = []
        for key, sub in self._subfields(aggregates_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                pairs.append((key, json_string(aggregates_type.name)))
            elif name == "count":
                field_type = aggregates_type.fields[name].type
                pairs.append((key, measures.json(field_type, Measure("count"), "BIGINT")))
            elif (function := function_of(name)) is not None:
                part_type = _item_type(aggregates_type.fields[name].type)
                pairs.append((key, self._part(part_type, sub, target, function, measures)))
            else:
                raise Unsupported(f"{aggregates_type.name}.{name}")
        return f"(SELECT {_obj(pairs)} FROM (SELECT {measures.columns()} {rows}) {measures.row})"

    def _part(
        self,
        part_type: GraphQLObjectType,
        details: list[FieldDetails],
        target: Entity,
        function: str,
        measures: _Measures,
    ) -> str:
        """One of ``aggregate``'s parts (``sum { estimatedHours }``): a column each."""
        pairs = []
        for key, sub in self._subfields(part_type, details).items():
            name = sub[0].node.name.value
            if name == "__typename":
                pairs.append((key, json_string(part_type.name)))
                continue
            columns = target.field_columns.get(name)
            if not columns or columns[0] not in target.columns:
                raise Unsupported(f"{part_type.name}.{name}")
            column = columns[0]
            cast = sum_cast(target.columns[column]) if function == "sum" else None
            result_type = _MEASURE_TYPES.get(cast or function) or target.sql_types[column]
            field_type = part_type.fields[name].type
            pairs.append(
                (key, measures.json(field_type, Measure(function, column, cast), result_type))
            )
        return _obj(pairs)
