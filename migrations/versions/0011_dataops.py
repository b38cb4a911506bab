"""Data review (seed 004): data records, Likert scores, ingest jobs with their uploads,
analytics jobs; row-level security by project; the ingest jobs' change stream; the job
queue (pgqueuer's tables in the schema aura_queue) and enqueueing into it; the feedback
counts of bonus windows.

``data_records.embedding`` is ``vector(N)`` with N = ``AURA_EMBEDDING_DIMENSION`` (1536
by default) when this revision runs, as for the knowledge domain's columns.

Revision ID: 0011_dataops
Revises: 0010_ports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

from aura.config import Settings
from migrations.sql import dataops as sql
from migrations.sql import queue, run_script

revision: str = "0011_dataops"
down_revision: str | None = "0010_ports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMBEDDING_DIMENSION = Settings.from_env().embedding_dimension


def upgrade() -> None:
    run_script(queue.INSTALL)
    op.create_table(
        "analytics_jobs",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column(
            "created_by",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'PENDING'"), nullable=False),
        sa.Column("total_records", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("processed_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "result", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True
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
            "status IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED')",
            name=op.f("ck_analytics_jobs_status_valid"),
        ),
        sa.CheckConstraint(
            "type IN ('TASK', 'FEEDBACK')", name=op.f("ck_analytics_jobs_type_valid")
        ),
        sa.CheckConstraint(
            "processed_count >= 0", name=op.f("ck_analytics_jobs_processed_count_positive")
        ),
        sa.CheckConstraint(
            "total_records >= 0", name=op.f("ck_analytics_jobs_total_records_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_analytics_jobs_created_by"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_analytics_jobs_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_jobs")),
    )
    op.create_index(
        op.f("ix_analytics_jobs_project_id"), "analytics_jobs", ["project_id"], unique=False
    )
    op.create_table(
        "ingest_jobs",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column(
            "created_by",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'PENDING'"), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("file_bytes", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "column_mapping",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("total_records", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("saved_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("skipped_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rows_done", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "skipped_details",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
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
            "status IN ('PENDING', 'PROCESSING', 'QUEUED_FOR_VEC', 'VECTORIZING', 'COMPLETED', 'FAILED', 'CANCELLED')",
            name=op.f("ck_ingest_jobs_status_valid"),
        ),
        sa.CheckConstraint("type IN ('TASK', 'FEEDBACK')", name=op.f("ck_ingest_jobs_type_valid")),
        sa.CheckConstraint("rows_done >= 0", name=op.f("ck_ingest_jobs_rows_done_positive")),
        sa.CheckConstraint("saved_count >= 0", name=op.f("ck_ingest_jobs_saved_count_positive")),
        sa.CheckConstraint(
            "skipped_count >= 0", name=op.f("ck_ingest_jobs_skipped_count_positive")
        ),
        sa.CheckConstraint(
            "total_records >= 0", name=op.f("ck_ingest_jobs_total_records_positive")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_ingest_jobs_created_by"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ingest_jobs_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_jobs")),
    )
    op.create_index(op.f("ix_ingest_jobs_project_id"), "ingest_jobs", ["project_id"], unique=False)
    op.create_index(op.f("ix_ingest_jobs_status"), "ingest_jobs", ["status"], unique=False)
    op.create_table(
        "data_records",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), server_default=sa.text("'api'"), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("embedding", Vector(EMBEDDING_DIMENSION), nullable=True),
        sa.Column("alignment_analysis", sa.Text(), nullable=True),
        sa.Column(
            "has_been_reviewed", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("is_category_correct", sa.Boolean(), nullable=True),
        sa.Column("reviewed_by", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Text(), nullable=True),
        sa.Column("created_by_name", sa.Text(), nullable=True),
        sa.Column("created_by_email", sa.Text(), nullable=True),
        sa.Column("ingest_job_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
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
            "category IN ('TOP_10', 'BOTTOM_10')", name=op.f("ck_data_records_category_valid")
        ),
        sa.CheckConstraint("type IN ('TASK', 'FEEDBACK')", name=op.f("ck_data_records_type_valid")),
        sa.CheckConstraint(
            "(ingest_job_id IS NULL) OR (source_row IS NOT NULL)",
            name=op.f("ck_data_records_source_row_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(content)) > 0", name=op.f("ck_data_records_content_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_data_records_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_records")),
        sa.UniqueConstraint(
            "ingest_job_id", "source_row", name=op.f("uq_data_records_ingest_job_id_source_row")
        ),
    )
    op.create_index(
        "ix_data_records_feedback_creator",
        "data_records",
        ["created_by_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("type = 'FEEDBACK'"),
    )
    op.create_index(
        op.f("ix_data_records_project_id_created_at"),
        "data_records",
        ["project_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_data_records_project_id_type_category"),
        "data_records",
        ["project_id", "type", "category"],
        unique=False,
    )
    op.create_table(
        "ingest_uploads",
        sa.Column("job_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["ingest_jobs.id"],
            name=op.f("fk_ingest_uploads_job_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "chunk", name=op.f("pk_ingest_uploads")),
    )
    op.create_table(
        "likert_scores",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("record_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column(
            "user_id", sa.Text(), server_default=sa.text("aura.current_user_id()"), nullable=False
        ),
        sa.Column("realism_score", sa.Integer(), nullable=False),
        sa.Column("quality_score", sa.Integer(), nullable=False),
        sa.Column("llm_model", sa.Text(), nullable=True),
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
            "(user_id = '00000000-0000-0000-0000-000000000000') = (llm_model IS NOT NULL)",
            name=op.f("ck_likert_scores_llm_model_valid"),
        ),
        sa.CheckConstraint(
            "quality_score BETWEEN 1 AND 7", name=op.f("ck_likert_scores_quality_score_valid")
        ),
        sa.CheckConstraint(
            "realism_score BETWEEN 1 AND 7", name=op.f("ck_likert_scores_realism_score_valid")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["data_records.id"],
            name=op.f("fk_likert_scores_record_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_likert_scores")),
        sa.UniqueConstraint(
            "record_id",
            "user_id",
            "llm_model",
            name=op.f("uq_likert_scores_record_id_user_id_llm_model"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(
        op.f("ix_likert_scores_llm_model"), "likert_scores", ["llm_model"], unique=False
    )
    op.create_index(
        op.f("ix_likert_scores_project_id"), "likert_scores", ["project_id"], unique=False
    )
    op.create_index(op.f("ix_likert_scores_user_id"), "likert_scores", ["user_id"], unique=False)
    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP_BEHAVIOUR)
    op.drop_table("likert_scores")
    op.drop_table("ingest_uploads")
    op.drop_table("data_records")
    op.drop_table("ingest_jobs")
    op.drop_table("analytics_jobs")
    run_script(queue.UNINSTALL)
