"""Knowledge domain mapping: sources with their chunks, learnings with their
applications, the search log, and the seed 002 views; the relations they add to
``projects``."""

import sqlalchemy as sa

from aura.db.mapping import REGISTRY, Entity, Relation, extend, many, one, register
from aura.db.mapping import relations as _relations
from aura.db.tables import knowledge as t


def _project() -> Relation:
    return one("project", "projects", local="project_id")


_DERIVED = frozenset({"id", "created_at", "updated_at"})
# Embeddings and the full-text vector are written by the knowledge resolvers (embedded
# or checked there), never through the generic inputs.
_COMPUTED = frozenset(
    {"embedding", "search_vector", "content_hash", "token_count", "index_pending"}
)


def _view(table: sa.Table, order: tuple[str, ...], key: str = "id") -> Entity:
    # A view's ``project`` field navigates like a table's (the types declare it).
    columns = frozenset(c.name for c in table.columns)
    return Entity(
        table.name,
        table,
        default_order=order,
        primary_key=key,
        read_only=columns,
        relations=_relations(_project()) if "project_id" in columns else {},
    )


register(
    Entity(
        "knowledge_sources",
        t.knowledge_sources,
        relations=_relations(
            _project(),
            many("chunks", "knowledge_chunks", remote="source_id"),
        ),
        read_only=_DERIVED | {"indexed_at"},
    ),
    Entity(
        "knowledge_chunks",
        t.knowledge_chunks,
        relations=_relations(
            _project(),
            one("source", "knowledge_sources", local="source_id"),
        ),
        default_order=("chunk_index", "id"),
        read_only=_DERIVED | _COMPUTED | {"project_id"},
    ),
    Entity(
        "learnings",
        t.learnings,
        relations=_relations(
            _project(),
            one("verifier", "users", local="verified_by"),
            many("applications", "learning_applications", remote="learning_id"),
        ),
        read_only=_DERIVED
        | {"embedding", "verified_by", "verified_at", "usage_count", "last_used_at"},
    ),
    Entity(
        "learning_applications",
        t.learning_applications,
        relations=_relations(
            _project(),
            one("learning", "learnings", local="learning_id"),
            one("user", "users", local="user_id"),
        ),
        read_only=_DERIVED | {"project_id", "user_id"},
    ),
    Entity(
        "search_queries",
        t.search_queries,
        relations=_relations(
            _project(),
            one("user", "users", local="user_id"),
            one("top_result", "knowledge_chunks", local="top_result_id"),
        ),
        read_only=frozenset(c.name for c in t.search_queries.columns),
    ),
    _view(t.learning_effectiveness, ("created_at", "id")),
    _view(
        t.knowledge_coverage_by_project,
        ("created_at", "project_id"),
        key="project_id",
    ),
    _view(t.popular_search_queries, ("last_queried", "id")),
)

extend(
    "projects",
    many("knowledge_sources", "knowledge_sources", remote="project_id"),
    many("knowledge_chunks", "knowledge_chunks", remote="project_id"),
    many("learnings", "learnings", remote="project_id"),
)

# Vector parameters are cast to ``vector``: the column's ``vector(N)`` would be the
# dimension this process was imported with, and pgvector checks the dimension anyway.
for _name, _column in (
    ("knowledge_chunks", "embedding"),
    ("learnings", "embedding"),
    ("search_queries", "query_embedding"),
):
    REGISTRY[_name].sql_types[_column] = "vector"
