"""The fast resolvers and executor give exactly what plain Strawberry gives."""

from __future__ import annotations

from typing import Any

import asyncpg
from strawberry.schema.config import StrawberryConfig

from aura.api import AuraSchema, Mutation, Query, build_schema
from aura.auth.principal import Principal
from aura.config import Settings
from aura.db.pool import create_pool
from aura.db.session import Session
from aura.engine.context import Context
from aura.engine.scalars import SCALAR_MAP, SCALAR_OVERRIDES
from tests import factories
from tests.conftest import Client, People

QUERY = """
query($after: String) {
  projects { totalCount nodes { id name status rules createdAt owner { email role }
    tasks(first: 3, after: $after, orderBy: [{field: TITLE}]) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { id title status priority acceptanceCriteria context
        estimatedMinutes lockedAt project { name } dependencies { nodes { title } }
        comments { nodes { content author } } } } } } }
  broken: task(id: "not-an-id") { id }
}"""


NESTED_ERRORS = """
query($size: Int) {
  tasks(orderBy: [{field: TITLE}]) { nodes { title
    comments(after: "garbage") { nodes { id } }
    dependencies(first: $size) { totalCount } } }
}"""


async def _run(
    schema: AuraSchema,
    dsn: str,
    user: str,
    query: str = QUERY,
    variables: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        settings = Settings()
        session = Session(pool, Principal(user), statement_timeout_ms=5000)
        context = Context(
            request=None, settings=settings, session=session, principal=session.principal
        )
        result = await schema.execute(
            query, variable_values=variables or {"after": None}, context_value=context
        )
        await session.close()
        return result.data, [(e.message, e.path, e.extensions) for e in result.errors or []]
    finally:
        await pool.close()


async def test_accelerated_and_plain_schemas_agree(
    client: Client, people: People, database: str, db: asyncpg.Connection
) -> None:
    project = await factories.project(client, "apollo", rules={"gates": ["review"]})
    first = await factories.task(
        client,
        project["id"],
        "b-first",
        estimatedMinutes=5,
        acceptanceCriteria=["x"],
        context={"repo": "r"},
    )
    for title in ("a", "c", "d", "e"):
        await factories.task(client, project["id"], title, dependencyIds=[first["id"]])
    await factories.comment(client, taskId=first["id"], content="hello")

    lean = await _run(build_schema(Settings()), database, people.alice.id)
    # The same types and scalars, without the lean executor and its accelerations.
    plain_schema = AuraSchema(
        query=Query,
        mutation=Mutation,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )
    plain = await _run(plain_schema, database, people.alice.id)

    assert lean == plain
    data, errors = lean
    assert data["projects"]["nodes"][0]["tasks"]["totalCount"] == 5
    assert [e[2]["code"] for e in errors] == ["BAD_USER_INPUT"]


async def test_errors_in_nested_connections_are_reported_per_parent(
    client: Client, people: People, database: str
) -> None:
    project = await factories.project(client, "apollo")
    for title in ("a", "b"):
        await factories.task(client, project["id"], title)
    # The same types and scalars, without the lean executor and its accelerations.
    plain_schema = AuraSchema(
        query=Query,
        mutation=Mutation,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
    )
    for variables in ({"size": 2}, {"size": 500}):
        lean = await _run(
            build_schema(Settings()), database, people.alice.id, NESTED_ERRORS, variables
        )
        plain = await _run(plain_schema, database, people.alice.id, NESTED_ERRORS, variables)
        assert lean == plain
        data, errors = lean
        # connections are non-null, so the error nulls its way up to the root
        assert data is None
        codes = {e[2]["code"] for e in errors}
        assert codes == {"BAD_USER_INPUT"}
        assert {tuple(e[1][-1:]) for e in errors} >= {("comments",)}
