"""Knowledge: sources, embedded chunks (with a generated full-text vector), learnings,
their applications and the search log (seed 002, migration 005); row-level security by
project, the seed's search functions and its three views.

The embedding columns are ``vector(N)`` with N read from ``AURA_EMBEDDING_DIMENSION``
when this revision runs: the dimension is fixed per installation (changing the setting
later means a new database, or re-embedding everything by hand), and the server refuses
to start when the columns and the setting disagree (``aura.db.knowledge``).

Revision ID: 0012_knowledge
Revises: 0011_dataops
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

from aura.config import Settings
from migrations.sql import knowledge as sql
from migrations.sql import run_script

revision: str = "0012_knowledge"
down_revision: str | None = "0011_dataops"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dimension = Settings.from_env().embedding_dimension
    op.create_table(
        "knowledge_sources",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("source_type", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "length(btrim(source_type)) > 0",
            name=op.f("ck_knowledge_sources_source_type_not_blank"),
        ),
        sa.CheckConstraint(
            "length(btrim(title)) > 0", name=op.f("ck_knowledge_sources_title_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_knowledge_sources_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_sources")),
    )
    op.create_index(
        op.f("ix_knowledge_sources_project_id"), "knowledge_sources", ["project_id"], unique=False
    )
    op.create_index(
        op.f("ix_knowledge_sources_source_id"), "knowledge_sources", ["source_id"], unique=False
    )
    op.create_index(
        op.f("ix_knowledge_sources_source_type"), "knowledge_sources", ["source_type"], unique=False
    )
    op.create_index(
        "uq_knowledge_sources_identity",
        "knowledge_sources",
        ["project_id", "source_type", "source_id"],
        unique=True,
        postgresql_where=sa.text("source_id IS NOT NULL"),
    )
    op.create_table(
        "learnings",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("learning_type", sa.Text(), server_default=sa.text("'insight'"), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("confidence_score", sa.Float(), server_default=sa.text("0.5"), nullable=False),
        sa.Column("impact_level", sa.Text(), server_default=sa.text("'MEDIUM'"), nullable=False),
        sa.Column(
            "source_chunks",
            postgresql.ARRAY(sa.UUID(as_uuid=False)),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column(
            "tags",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("embedding", Vector(dimension), nullable=False),
        sa.Column("verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("verified_by", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("usage_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "impact_level IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')",
            name=op.f("ck_learnings_impact_level_valid"),
        ),
        sa.CheckConstraint(
            "confidence_score >= 0 AND confidence_score <= 1",
            name=op.f("ck_learnings_confidence_score_range"),
        ),
        sa.CheckConstraint(
            "length(btrim(content)) > 0", name=op.f("ck_learnings_content_not_blank")
        ),
        sa.CheckConstraint(
            "length(btrim(learning_type)) > 0", name=op.f("ck_learnings_learning_type_not_blank")
        ),
        sa.CheckConstraint("length(btrim(title)) > 0", name=op.f("ck_learnings_title_not_blank")),
        sa.CheckConstraint("usage_count >= 0", name=op.f("ck_learnings_usage_count_positive")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_learnings_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"],
            ["users.id"],
            name=op.f("fk_learnings_verified_by"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learnings")),
    )
    op.create_index(op.f("ix_learnings_category"), "learnings", ["category"], unique=False)
    op.create_index(
        op.f("ix_learnings_confidence_score"), "learnings", ["confidence_score"], unique=False
    )
    op.create_index(
        "ix_learnings_embedding_hnsw",
        "learnings",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index(op.f("ix_learnings_impact_level"), "learnings", ["impact_level"], unique=False)
    op.create_index(
        op.f("ix_learnings_learning_type"), "learnings", ["learning_type"], unique=False
    )
    op.create_index(op.f("ix_learnings_project_id"), "learnings", ["project_id"], unique=False)
    op.create_index(
        "ix_learnings_tags", "learnings", ["tags"], unique=False, postgresql_using="gin"
    )
    op.create_index(op.f("ix_learnings_verified"), "learnings", ["verified"], unique=False)
    op.create_table(
        "knowledge_chunks",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("source_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("embedding", Vector(dimension), nullable=False),
        sa.Column("token_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english'::regconfig, content)", persisted=True),
            nullable=True,
        ),
        sa.CheckConstraint(
            "content_hash ~ '^[0-9a-f]{64}$'", name=op.f("ck_knowledge_chunks_content_hash_format")
        ),
        sa.CheckConstraint(
            "chunk_index >= 0", name=op.f("ck_knowledge_chunks_chunk_index_positive")
        ),
        sa.CheckConstraint(
            "length(btrim(content)) > 0", name=op.f("ck_knowledge_chunks_content_not_blank")
        ),
        sa.CheckConstraint(
            "token_count >= 0", name=op.f("ck_knowledge_chunks_token_count_positive")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_knowledge_chunks_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["knowledge_sources.id"],
            name=op.f("fk_knowledge_chunks_source_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
        sa.UniqueConstraint(
            "source_id", "content_hash", name=op.f("uq_knowledge_chunks_source_id_content_hash")
        ),
    )
    op.create_index(
        op.f("ix_knowledge_chunks_content_hash"), "knowledge_chunks", ["content_hash"], unique=False
    )
    op.create_index(
        "ix_knowledge_chunks_embedding_hnsw",
        "knowledge_chunks",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index(
        op.f("ix_knowledge_chunks_project_id"), "knowledge_chunks", ["project_id"], unique=False
    )
    op.create_index(
        "ix_knowledge_chunks_search_vector",
        "knowledge_chunks",
        ["search_vector"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "learning_applications",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("learning_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("applied_to_type", sa.Text(), nullable=False),
        sa.Column("applied_to_id", sa.Text(), nullable=True),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), server_default=sa.text("'UNKNOWN'"), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "outcome IN ('SUCCESS', 'PARTIAL', 'FAILURE', 'UNKNOWN')",
            name=op.f("ck_learning_applications_outcome_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(applied_to_type)) > 0",
            name=op.f("ck_learning_applications_applied_to_type_not_blank"),
        ),
        sa.ForeignKeyConstraint(
            ["learning_id"],
            ["learnings.id"],
            name=op.f("fk_learning_applications_learning_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_learning_applications_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_learning_applications_user_id"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_applications")),
    )
    op.create_index(
        op.f("ix_learning_applications_learning_id"),
        "learning_applications",
        ["learning_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_learning_applications_outcome"), "learning_applications", ["outcome"], unique=False
    )
    op.create_index(
        op.f("ix_learning_applications_project_id"),
        "learning_applications",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "search_queries",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=False,
        ),
        sa.Column("query_text", sa.Text(), nullable=True),
        sa.Column("query_embedding", Vector(dimension), nullable=True),
        sa.Column("search_type", sa.Text(), nullable=False),
        sa.Column("result_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("top_result_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("top_result_similarity", sa.Float(), nullable=True),
        sa.Column(
            "filters",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("user_feedback", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "search_type IN ('VECTOR', 'TEXT', 'HYBRID', 'LEARNINGS', 'SIMILAR_LEARNINGS')",
            name=op.f("ck_search_queries_search_type_valid"),
        ),
        sa.CheckConstraint(
            "user_feedback IN ('HELPFUL', 'NOT_HELPFUL')",
            name=op.f("ck_search_queries_user_feedback_valid"),
        ),
        sa.CheckConstraint(
            "result_count >= 0", name=op.f("ck_search_queries_result_count_positive")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_search_queries_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["top_result_id"],
            ["knowledge_chunks.id"],
            name=op.f("fk_search_queries_top_result_id"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_search_queries_user_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_queries")),
    )
    op.create_index(
        op.f("ix_search_queries_created_at"), "search_queries", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_search_queries_project_id"), "search_queries", ["project_id"], unique=False
    )
    op.create_index(
        op.f("ix_search_queries_top_result_id"), "search_queries", ["top_result_id"], unique=False
    )
    op.create_index(
        op.f("ix_search_queries_user_feedback"), "search_queries", ["user_feedback"], unique=False
    )
    op.create_index(op.f("ix_search_queries_user_id"), "search_queries", ["user_id"], unique=False)

    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP_BEHAVIOUR)
    for table in (
        "search_queries",
        "learning_applications",
        "knowledge_chunks",
        "learnings",
        "knowledge_sources",
    ):
        op.drop_table(table)  # with its indexes, policies and triggers
