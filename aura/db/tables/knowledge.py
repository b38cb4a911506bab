"""Knowledge domain (seed 002, migration 005 "Learnings Index"): sources split into
embedded chunks, learnings, their applications, and the search log.

Every row belongs to a project (``project_id``, derived from the parent row where there
is one), so tenancy is the projects' like everywhere else. Embeddings are
``vector(N)`` with N the installation's ``AURA_EMBEDDING_DIMENSION``, fixed when the
migration ran (the server refuses to start when the columns and the setting differ).
Chunks also carry a generated ``tsvector`` for full-text and hybrid search.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql as pg

from aura.config import Settings
from aura.db.enums import Priority
from aura.db.tables.base import (
    UUID,
    enum_check,
    enum_column,
    fk,
    id_column,
    json_column,
    metadata,
    text_array,
    timestamps,
)

TIMESTAMP = sa.DateTime(timezone=True)
# The columns' dimension is the installation's: what the migration created them with.
DIMENSION = Settings.from_env().embedding_dimension
# The text search configuration of chunks' generated search vector and of TEXT queries.
TEXT_SEARCH_CONFIG = "english"


class ApplicationOutcome(StrEnum):
    SUCCESS = "SUCCESS"
    PARTIAL = "PARTIAL"
    FAILURE = "FAILURE"
    UNKNOWN = "UNKNOWN"


class SearchFeedback(StrEnum):
    HELPFUL = "HELPFUL"
    NOT_HELPFUL = "NOT_HELPFUL"


class SearchType(StrEnum):
    VECTOR = "VECTOR"
    TEXT = "TEXT"
    HYBRID = "HYBRID"


def _not_blank(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"length(btrim({column})) > 0", name=f"{column}_not_blank")


def _project() -> sa.Column:
    return fk("project_id", "projects.id", ondelete="CASCADE", nullable=False)


def _hnsw(table: str, column: str, where: str | None = None) -> sa.Index:
    return sa.Index(
        f"ix_{table}_{column}_hnsw",
        column,
        postgresql_using="hnsw",
        postgresql_ops={column: "vector_cosine_ops"},
        postgresql_where=None if where is None else sa.text(where),
    )


knowledge_sources = sa.Table(
    "knowledge_sources",
    metadata,
    id_column(),
    _project(),
    sa.Column("source_type", sa.Text, nullable=False),
    # The source's identifier where it lives (a document's path, an issue number, …).
    sa.Column("source_id", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("file_path", sa.Text),
    sa.Column("author", sa.Text),
    json_column("metadata"),
    *timestamps(),
    sa.Column("indexed_at", TIMESTAMP),
    _not_blank("source_type"),
    _not_blank("title"),
    sa.Index(None, "project_id"),
    sa.Index(None, "source_type"),
    sa.Index(None, "source_id"),
    # One source per external identifier and type in a project: ingesting it again
    # updates it.
    sa.Index(
        "uq_knowledge_sources_identity",
        "project_id",
        "source_type",
        "source_id",
        unique=True,
        postgresql_where=sa.text("source_id IS NOT NULL"),
    ),
)

knowledge_chunks = sa.Table(
    "knowledge_chunks",
    metadata,
    id_column(),
    fk("source_id", "knowledge_sources.id", ondelete="CASCADE", nullable=False),
    _project(),
    sa.Column("chunk_index", sa.Integer, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("embedding", Vector(DIMENSION), nullable=False),
    sa.Column("token_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    json_column("metadata"),
    *timestamps(),
    # True while the chunk waits for the background indexer (``aura.db.knowledge_index``):
    # an ingest stores chunks without maintaining the HNSW index, whose insert costs
    # PostgreSQL about 2 ms of CPU per chunk, and searches scan pending chunks exactly.
    sa.Column("index_pending", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column(
        "search_vector",
        pg.TSVECTOR,
        sa.Computed(f"to_tsvector('{TEXT_SEARCH_CONFIG}'::regconfig, content)", persisted=True),
        nullable=True,
    ),
    _not_blank("content"),
    sa.CheckConstraint("chunk_index >= 0", name="chunk_index_positive"),
    sa.CheckConstraint("token_count >= 0", name="token_count_positive"),
    sa.CheckConstraint("content_hash ~ '^[0-9a-f]{64}$'", name="content_hash_format"),
    # A source holds a text once: ingesting skips chunks whose hash it already has.
    sa.UniqueConstraint("source_id", "content_hash"),
    sa.Index(None, "project_id"),
    sa.Index(None, "content_hash"),
    _hnsw("knowledge_chunks", "embedding", where="NOT index_pending"),
    sa.Index(
        "ix_knowledge_chunks_index_pending",
        "project_id",
        postgresql_where=sa.text("index_pending"),
    ),
    sa.Index("ix_knowledge_chunks_search_vector", "search_vector", postgresql_using="gin"),
)

learnings = sa.Table(
    "learnings",
    metadata,
    id_column(),
    _project(),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("learning_type", sa.Text, nullable=False, server_default=sa.text("'insight'")),
    sa.Column("category", sa.Text),
    sa.Column("confidence_score", sa.Float, nullable=False, server_default=sa.text("0.5")),
    enum_column("impact_level", Priority, default=Priority.MEDIUM),
    sa.Column(
        "source_chunks",
        pg.ARRAY(UUID),
        nullable=False,
        server_default=sa.text("'{}'::uuid[]"),
    ),
    text_array("tags"),
    sa.Column("embedding", Vector(DIMENSION), nullable=False),
    sa.Column("verified", sa.Boolean, nullable=False, server_default=sa.false()),
    fk("verified_by", "users.id", ondelete="SET NULL"),
    sa.Column("verified_at", TIMESTAMP),
    sa.Column("usage_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_used_at", TIMESTAMP),
    json_column("metadata"),
    *timestamps(),
    _not_blank("title"),
    _not_blank("content"),
    _not_blank("learning_type"),
    enum_check("impact_level", Priority),
    sa.CheckConstraint(
        "confidence_score >= 0 AND confidence_score <= 1", name="confidence_score_range"
    ),
    sa.CheckConstraint("usage_count >= 0", name="usage_count_positive"),
    sa.Index(None, "project_id"),
    sa.Index(None, "learning_type"),
    sa.Index(None, "category"),
    sa.Index(None, "confidence_score"),
    sa.Index(None, "impact_level"),
    sa.Index(None, "verified"),
    sa.Index("ix_learnings_tags", "tags", postgresql_using="gin"),
    _hnsw("learnings", "embedding"),
)

learning_applications = sa.Table(
    "learning_applications",
    metadata,
    id_column(),
    fk("learning_id", "learnings.id", ondelete="CASCADE", nullable=False),
    _project(),
    # What the learning was applied to: an entity type and its ID (a task, a plan, …).
    sa.Column("applied_to_type", sa.Text, nullable=False),
    sa.Column("applied_to_id", sa.Text),
    sa.Column("context", sa.Text),
    enum_column("outcome", ApplicationOutcome, default=ApplicationOutcome.UNKNOWN),
    sa.Column("feedback", sa.Text),
    sa.Column(
        "user_id",
        UUID,
        sa.ForeignKey("users.id", ondelete="SET NULL"),
        server_default=sa.text("aura.current_user_id()"),
    ),
    *timestamps(),
    _not_blank("applied_to_type"),
    enum_check("outcome", ApplicationOutcome),
    sa.Index(None, "learning_id"),
    sa.Index(None, "project_id"),
    sa.Index(None, "outcome"),
)

search_queries = sa.Table(
    "search_queries",
    metadata,
    id_column(),
    # The project searched; null for a search over every project the user may see.
    fk("project_id", "projects.id", ondelete="CASCADE"),
    sa.Column(
        "user_id",
        UUID,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        server_default=sa.text("aura.current_user_id()"),
    ),
    sa.Column("query_text", sa.Text),
    sa.Column("query_embedding", Vector(DIMENSION)),
    sa.Column("search_type", sa.Text, nullable=False),
    sa.Column("result_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    fk("top_result_id", "knowledge_chunks.id", ondelete="SET NULL"),
    sa.Column("top_result_similarity", sa.Float),
    json_column("filters"),
    enum_column("user_feedback", SearchFeedback, nullable=True),
    json_column("metadata"),
    sa.Column("created_at", TIMESTAMP, nullable=False, server_default=sa.text("now()")),
    sa.CheckConstraint(
        "search_type IN ('VECTOR', 'TEXT', 'HYBRID', 'LEARNINGS', 'SIMILAR_LEARNINGS')",
        name="search_type_valid",
    ),
    enum_check("user_feedback", SearchFeedback),
    sa.CheckConstraint("result_count >= 0", name="result_count_positive"),
    sa.Index(None, "project_id"),
    sa.Index(None, "user_id"),
    sa.Index(None, "created_at"),
    sa.Index(None, "user_feedback"),
    sa.Index(None, "top_result_id"),
)

# -- views (seed 002), created by the migration's SQL ---------------------------------

learning_effectiveness = sa.Table(
    "learning_effectiveness",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("title", sa.Text),
    sa.Column("learning_type", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("confidence_score", sa.Float),
    sa.Column("usage_count", sa.Integer),
    sa.Column("application_count", sa.Integer),
    sa.Column("successful_applications", sa.Integer),
    sa.Column("failed_applications", sa.Integer),
    sa.Column("success_rate_percent", sa.Float),
    sa.Column("created_at", TIMESTAMP),
    info={"view": True},
)

knowledge_coverage_by_project = sa.Table(
    "knowledge_coverage_by_project",
    metadata,
    sa.Column("project_id", UUID, primary_key=True),
    sa.Column("project_name", sa.Text),
    sa.Column("source_count", sa.Integer),
    sa.Column("chunk_count", sa.Integer),
    sa.Column("learning_count", sa.Integer),
    sa.Column("total_tokens", sa.BigInteger),
    sa.Column("source_type_count", sa.Integer),
    sa.Column("source_types", pg.ARRAY(sa.Text)),
    sa.Column("created_at", TIMESTAMP),
    info={"view": True},
)

popular_search_queries = sa.Table(
    "popular_search_queries",
    metadata,
    # A stable key of the (project, query text) group, so the view pages like a table.
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("query_text", sa.Text),
    sa.Column("query_count", sa.Integer),
    sa.Column("avg_results", sa.Float),
    sa.Column("helpful_count", sa.Integer),
    sa.Column("not_helpful_count", sa.Integer),
    sa.Column("last_queried", TIMESTAMP),
    info={"view": True},
)
