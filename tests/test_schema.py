"""The committed schema.graphql is the schema the code serves."""

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    specified_scalar_types,
)
from graphql import build_schema as graphql_build_schema

from aura.api import build_schema, printed_schema
from aura.config import Settings

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_schema_graphql_is_current() -> None:
    assert SCHEMA_FILE.read_text() == printed_schema(), (
        "schema.graphql is stale: run `make schema` and commit the result"
    )


def _undocumented(schema: GraphQLSchema) -> list[str]:
    """Every type, field, input field, argument and enum value without a description."""
    missing: list[str] = []
    for name, graphql_type in sorted(schema.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue  # GraphQL's own introspection types and scalars
        if not graphql_type.description:
            missing.append(f"type {name}")
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"field {name}.{field_name}")
                missing += [
                    f"argument {name}.{field_name}({arg})"
                    for arg, argument in field.args.items()
                    if not argument.description
                ]
        elif isinstance(graphql_type, GraphQLInputObjectType):
            missing += [
                f"input field {name}.{field_name}"
                for field_name, field in graphql_type.fields.items()
                if not field.description
            ]
        elif isinstance(graphql_type, GraphQLEnumType):
            missing += [
                f"enum value {name}.{value_name}"
                for value_name, value in graphql_type.values.items()
                if not value.description
            ]
    return missing


def test_everything_public_is_documented() -> None:
    schema = build_schema(Settings()).graphql_schema
    missing = _undocumented(schema)
    assert not missing, f"{len(missing)} without a description:\n" + "\n".join(missing)
    # The check itself sees every kind of element (so an empty list means something).
    assert len(schema.type_map) > 300


def test_the_check_reports_each_kind_of_element() -> None:
    sdl = """
        type Query { field(argument: Int): Kind }
        enum Kind { VALUE }
        input Filter { inputField: Int }
        type Mutation { change(filter: Filter): Int }
    """
    assert _undocumented(graphql_build_schema(sdl)) == [
        "type Filter",
        "input field Filter.inputField",
        "type Kind",
        "enum value Kind.VALUE",
        "type Mutation",
        "field Mutation.change",
        "argument Mutation.change(filter)",
        "type Query",
        "field Query.field",
        "argument Query.field(argument)",
    ]


def test_derived_descriptions_name_their_source() -> None:
    """Filters, order fields, inputs and connections derive theirs from the entity."""
    schema = build_schema(Settings()).graphql_schema
    task_filter = schema.type_map["TaskFilter"]
    assert task_filter.fields["lockedBy"].description == "Conditions on `Task.lockedBy`."
    order = schema.type_map["TaskOrderField"]
    assert order.values["ORDER_INDEX"].description == "Order by `Task.orderIndex`."
    create = schema.type_map["CreateEpicInput"].fields
    assert create["priority"].description == "How urgent it is. Default: `MEDIUM`."
    assert create["projectId"].description == "ID of the project it belongs to."
    # A description written in the code wins over the derived one.
    assert schema.type_map["CreateTaskInput"].fields["status"].description == (
        "Initial status, PENDING when omitted."
    )
    tasks = schema.type_map["Project"].fields["tasks"]
    assert tasks.args["orderBy"].description.endswith("Default: by `createdAt`, `id`, ascending.")
    assert schema.type_map["ActiveTaskConnection"].description.startswith(
        "A page of `ActiveTask` items."
    )
    assert schema.type_map["TaskStatus"].values["PENDING"].description


def test_inputs_never_expose_read_only_columns() -> None:
    from aura.db.mapping import entity
    from aura.engine.relay import TYPES

    schema = build_schema(Settings())
    checked = 0
    for table, cls in TYPES.items():
        target = entity(table)
        for prefix in ("Create", "Update"):
            definition = schema.get_type_by_name(f"{prefix}{cls.__name__}Input")
            if definition is None:
                continue
            for field in definition.fields:
                checked += 1
                assert field.python_name not in target.read_only, (
                    f"{prefix}{cls.__name__}Input.{field.python_name} is read-only"
                )
    assert checked > 100
