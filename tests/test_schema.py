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
