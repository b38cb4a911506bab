"""The committed schema.graphql is the schema the code serves."""

from pathlib import Path

from aura.api import printed_schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_schema_graphql_is_current() -> None:
    assert SCHEMA_FILE.read_text() == printed_schema(), (
        "schema.graphql is stale: run `make schema` and commit the result"
    )


def test_public_types_are_documented() -> None:
    text = printed_schema()
    for type_name in (
        "type Task ",
        "type Project ",
        "type User ",
        "input TaskFilter ",
        "type TaskConnection ",
    ):
        block_start = text.index(type_name)
        assert text[:block_start].rstrip().endswith('"""'), f"{type_name} has no description"


def test_inputs_never_expose_read_only_columns() -> None:
    from aura.api import build_schema
    from aura.config import Settings
    from aura.db.mapping import entity
    from aura.schema.relay import TYPES

    schema = build_schema(Settings())
    checked = 0
    for table, cls in TYPES.items():
        target = entity(table)
        for prefix in ("Create", "Update"):
            definition = schema.get_type_by_name(f"{prefix}{cls.__name__}Input")
            if definition is None:
                continue
            for field in definition.fields:  # type: ignore[union-attr]
                checked += 1
                assert field.python_name not in target.read_only, (
                    f"{prefix}{cls.__name__}Input.{field.python_name} is read-only"
                )
    assert checked > 100
