"""Differential test: the compiled path answers with the resolved path's exact bytes.

Queries are generated from the executable schema (every root query field, whatever
domain added it: new domains are covered without new test code), with random
selections, page arguments, orderings, null-filters, aliases, inline fragments, named
fragments, ``@skip``/``@include`` with variables and ``__typename``. They run over a
dataset with edge values (unicode and control characters, quotes and backslashes,
nulls, empty and non-empty lists, 32-bit limits and a 64-bit integer, timestamps with
and without microseconds, the first representable instant) as several principals.
Every answer is requested twice, compiled and resolved, and the bytes must match.
The share that took the compiled path is reported (and bounded below).
``AURA_DIFF_SEED`` and ``AURA_DIFF_QUERIES`` run other or more queries.
"""

from __future__ import annotations

import os
import random
from typing import Any

import asyncpg
import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    parse,
    validate,
)

from aura.api import build_schema
from aura.config import Settings
from aura.engine import compiler
from tests.conftest import People, User

SEED = int(os.environ.get("AURA_DIFF_SEED", "20261202"))
QUERIES = int(os.environ.get("AURA_DIFF_QUERIES", "90"))
MAX_DEPTH = 4

EDGE_TEXT = [
    "plain",
    'quote " and backslash \\ and slash /',
    "tab\tnewline\ncr\rbell\x07 del\x7f",
    "ünïcødé ✓ 日本語 🚀 \u2028\u2029",
    "",
]


def _named(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type


def _required(graphql_type: Any) -> bool:
    return isinstance(graphql_type, GraphQLNonNull)


class Generator:
    """Random valid query documents over a schema."""

    def __init__(self, schema: GraphQLSchema, ids: list[str], rng: random.Random) -> None:
        self.schema = schema
        self.ids = ids
        self.rng = rng
        self.fragments: dict[str, str] = {}
        self.variables: dict[str, tuple[str, Any]] = {}

    def document(self) -> tuple[str, dict[str, Any]]:
        self.fragments, self.variables = {}, {}
        query = self.schema.query_type
        assert query is not None
        selection = self.selection(query, 0, roots=True)
        header = ""
        if self.variables:
            header = "(" + ", ".join(f"${n}: {t}" for n, (t, _) in self.variables.items()) + ")"
        text = f"query Generated{header} {{ {selection} }}"
        text += "".join(f" fragment {name} on {body}" for name, body in self.fragments.items())
        return text, {n: v for n, (_, v) in self.variables.items()}

    def _variable(self, type_text: str, value: Any) -> str:
        name = f"v{len(self.variables)}"
        self.variables[name] = (type_text, value)
        return f"${name}"

    def _arguments(self, field: Any) -> str | None:
        """Arguments for ``field``, or None when a required one cannot be given."""
        parts = []
        for name, argument in field.args.items():
            named = _named(argument.type)
            if name == "id" and named.name == "ID":
                value = self.rng.choice(self.ids)
                parts.append(
                    f'id: "{value}"'
                    if self.rng.random() < 0.5
                    else f"id: {self._variable('ID!', value)}"
                )
            elif name in ("first", "last") and not _required(argument.type):
                if name == "last" and self.rng.random() < 0.15:
                    parts.append(f"last: {self.rng.choice([0, 1, 3])}")
                elif name == "first" and self.rng.random() < 0.6:
                    size = self.rng.choice([0, 1, 2, 3, 5, 50])
                    parts.append(
                        f"first: {self._variable('Int', size)}"
                        if self.rng.random() < 0.3
                        else f"first: {size}"
                    )
            elif name == "orderBy" and self.rng.random() < 0.5:
                order = _named(argument.type)
                enum = _named(order.fields["field"].type)
                value = self.rng.choice(list(enum.values))
                direction = self.rng.choice(["ASC", "DESC"])
                parts.append(f"orderBy: [{{field: {value}, direction: {direction}}}]")
            elif name == "filter" and self.rng.random() < 0.4:
                condition = self._filter(_named(argument.type))
                if condition:
                    parts.append(f"filter: {condition}")
            elif _required(argument.type):
                return None
        return "(" + ", ".join(parts) + ")" if parts else ""

    def _filter(self, input_type: GraphQLInputObjectType) -> str | None:
        candidates = [
            (name, _named(f.type))
            for name, f in input_type.fields.items()
            if isinstance(_named(f.type), GraphQLInputObjectType)
            and "isNull" in _named(f.type).fields
        ]
        if not candidates:
            return None
        name, _ = self.rng.choice(candidates)
        return f"{{{name}: {{isNull: {self.rng.choice(['true', 'false'])}}}}}"

    def _directive(self) -> str:
        roll = self.rng.random()
        if roll < 0.06:
            return f" @include(if: {self._variable('Boolean!', self.rng.random() < 0.5)})"
        if roll < 0.12:
            return f" @skip(if: {self.rng.choice(['true', 'false'])})"
        return ""

    def selection(self, object_type: GraphQLObjectType, depth: int, roots: bool = False) -> str:
        fields = list(object_type.fields.items())
        self.rng.shuffle(fields)
        wanted = self.rng.randint(1, 2 if roots else 5)
        chosen: list[str] = []
        used: set[str] = set()
        for name, field in fields:
            if len(chosen) >= wanted:
                break
            text = self._field(name, field, depth, used)
            if text:
                chosen.append(text)
        if not chosen or self.rng.random() < 0.1:
            chosen.append("__typename")
        if not roots and self.rng.random() < 0.15:
            body = " ".join(chosen)
            if self.rng.random() < 0.5:
                return f"... on {object_type.name} {{ {body} }}"
            fragment = f"F{len(self.fragments)}"
            self.fragments[fragment] = f"{object_type.name} {{ {body} }}"
            return f"...{fragment}"
        return " ".join(chosen)

    def _field(self, name: str, field: Any, depth: int, used: set[str]) -> str | None:
        named = _named(field.type)
        arguments = self._arguments(field)
        if arguments is None:
            return None
        key = name
        if self.rng.random() < 0.15:
            key = f"{name}_{len(used)}"
        if key in used:
            return None
        used.add(key)
        prefix = f"{key}: {name}" if key != name else name
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            return f"{prefix}{arguments}{self._directive()}"
        if depth >= MAX_DEPTH:
            return None
        if isinstance(named, GraphQLObjectType):
            inner = self.selection(named, depth + 1)
            return f"{prefix}{arguments}{self._directive()} {{ {inner} }}"
        return f"{prefix}{arguments} {{ __typename }}"


async def given_edge_values(db: asyncpg.Connection, people: People) -> list[str]:
    """Rows of the work and orchestration domains with awkward values; their IDs."""
    owner = people.alice.id
    texts = EDGE_TEXT
    await db.execute(
        """
        WITH p AS (
          INSERT INTO projects (owner_id, name, description, created_at)
          SELECT $1::uuid, ($2::text[])[1 + g % 4], CASE WHEN g % 2 = 0 THEN NULL
                 ELSE ($2::text[])[1 + (g + 1) % 5] END,
                 CASE g WHEN 1 THEN '0001-01-01 00:00:00+00'::timestamptz
                        WHEN 2 THEN '2024-05-01 12:00:00.000001+00'
                        ELSE '2024-05-01 12:00:00+00'::timestamptz + g * interval '1 hour' END
          FROM generate_series(1, 4) g RETURNING id
        ), t AS (
          INSERT INTO tasks (project_id, key, title, description, user_id, status, priority,
                             estimated_minutes, actual_minutes, acceptance_criteria, locked_at,
                             locked_by, metadata, created_at)
          SELECT p.id, 'task-' || n, ($2::text[])[1 + n % 4],
                 CASE WHEN n % 3 = 0 THEN NULL ELSE ($2::text[])[1 + (n + 2) % 5] END,
                 $1::uuid, (ARRAY['PENDING','IN_PROGRESS','COMPLETED','BLOCKED'])[1 + n % 4],
                 (ARRAY['LOW','MEDIUM','HIGH','CRITICAL'])[1 + n % 4],
                 CASE WHEN n % 2 = 0 THEN 2147483647 ELSE NULL END,
                 CASE WHEN n % 2 = 1 THEN 2147483647 - n END,
                 CASE WHEN n % 2 = 0 THEN '{}'::text[] ELSE $2::text[] END,
                 CASE WHEN n % 3 = 1 THEN '2025-12-31 23:59:59.999999+00'::timestamptz END,
                 CASE WHEN n % 3 = 1 THEN 'agent ✓' END,
                 CASE WHEN n % 2 = 0 THEN '{}'::jsonb ELSE jsonb_build_object('b', 1.50, 'a',
                      jsonb_build_array(1e-7, 100.0, 12345678901234567, 'ü', NULL, true),
                      'long key', '{"x": [[]]}'::jsonb) END,
                 '2024-06-01 00:00:00+00'::timestamptz + n * interval '1.5 second'
          FROM p, generate_series(1, 6) n
          RETURNING id, project_id
        ), c AS (
          INSERT INTO comments (project_id, task_id, author, content, user_id, github_id)
          SELECT t.project_id, t.id, 'agent', ($2::text[])[1 + k % 5], $1::uuid,
                 CASE WHEN k = 1 THEN 9007199254740993 END
          FROM t, generate_series(1, 2) k
        ), pl AS (
          INSERT INTO plans (project_id, task_id, key, approach, dependencies)
          SELECT project_id, id, NULL, ($2::text[])[3], '{}' FROM t
          RETURNING id, project_id, task_id
        ), d AS (
          INSERT INTO decisions (project_id, task_id, plan_id, title, user_id)
          SELECT project_id, task_id, id, ($2::text[])[4], $1::uuid FROM pl
        ), e AS (
          INSERT INTO epics (project_id, key, title, estimated_hours, actual_hours)
          SELECT p.id, 'epic-' || k, 'epic', (ARRAY[0.1::float8 + 0.2, 1e16, 1e-7, -0.0])[k],
                 (ARRAY[100.0::float8, 1.5e300, NULL, 123456789.125])[k]
          FROM p, generate_series(1, 4) k
        )
        INSERT INTO events (project_id, task_id, event_type, payload)
        SELECT t.project_id, t.id, 'task.touched',
               '{"n": 0.1, "big": 1e300, "s": "a\\\\b", "u": "\\u00e9"}' FROM t
        """,
        owner,
        texts,
    )
    rows = await db.fetch(
        "SELECT id::text FROM projects UNION ALL (SELECT id::text FROM tasks LIMIT 5) "
        "UNION ALL SELECT id::text FROM users"
    )
    return [r[0] for r in rows] + ["00000000-0000-0000-0000-000000000000"]


async def _post(
    http: httpx.AsyncClient, user: User, body: dict[str, Any], path: str
) -> httpx.Response:
    headers = {"authorization": f"Bearer {user.token}"}
    if path == "resolved":
        headers["x-aura-execution"] = "resolved"
    return await http.post("/graphql", json=body, headers=headers)


async def test_generated_queries_answer_the_same_bytes(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    ids = await given_edge_values(db, people)
    schema = build_schema(Settings()).graphql_schema
    generator = Generator(schema, ids, random.Random(SEED))
    principals = [people.alice, people.bob, people.admin, people.pending]
    generated = compiled = 0
    mismatches = []
    while generated < QUERIES:
        text, variables = generator.document()
        if validate(schema, parse(text)):
            continue  # e.g. two random selections that cannot merge
        generated += 1
        user = principals[generated % len(principals)]
        body = {"query": text, "variables": variables}
        fast = await _post(http, user, body, "compiled")
        reference = await _post(http, user, body, "resolved")
        assert reference.headers["x-aura-execution"] == "resolved"
        if fast.headers.get("x-aura-execution") == "compiled":
            compiled += 1
        if fast.content != reference.content or fast.status_code != reference.status_code:
            mismatches.append((text, variables, fast.content[:2000], reference.content[:2000]))
    share = compiled / generated
    print(f"\ncompiled path: {compiled} of {generated} generated queries ({share:.0%})")
    reasons = {k: v for k, v in compiler.counters().items() if k.startswith("fallback")}
    print("fallbacks (whole run):", sorted(reasons.items(), key=lambda kv: -kv[1]))
    assert not mismatches, mismatches[:3]
    assert share >= 0.3


HAND_WRITTEN = [
    (
        """query($id: ID!, $with: Boolean!, $n: Int) { first: project(id: $id) {
             ...P nameAgain: name @include(if: $with) tasks(first: $n) { edges { cursor
             node { ... on Task { key title } status } } pageInfo { endCursor } } }
             __typename } fragment P on Project { id name __typename }""",
        {"with": True, "n": 2},
    ),
    (
        """query($id: ID!) { project(id: $id) { tasks(filter: {description: {isNull: true}},
             orderBy: [{field: TITLE, direction: DESC}]) { totalCount nodes { title
             description acceptanceCriteria estimatedMinutes actualMinutes lockedAt } }
             a: tasks(first: 1) { nodes { id } } b: tasks(last: 2) { nodes { id }
             pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }""",
        {},
    ),
    (
        """query($id: ID!, $skip: Boolean = true) { project(id: $id) { id @skip(if: $skip)
             tasks { nodes { comments { nodes { content githubId user { email } } }
             plans { nodes { key approach dependencies decisions { totalCount } } } } } } }""",
        {},
    ),
]


async def test_hand_written_variants_answer_the_same_bytes(
    http: httpx.AsyncClient, db: asyncpg.Connection, people: People
) -> None:
    ids = await given_edge_values(db, people)
    for query, variables in HAND_WRITTEN:
        for user in (people.alice, people.bob, people.admin):
            body = {"query": query, "variables": {"id": ids[0], **variables}}
            fast = await _post(http, user, body, "compiled")
            reference = await _post(http, user, body, "resolved")
            assert fast.headers["x-aura-execution"] == "compiled", fast.content[:300]
            assert fast.content == reference.content
            assert "errors" not in fast.json()
