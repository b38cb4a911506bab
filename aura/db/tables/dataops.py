"""Dataops domain: data records, their Likert ratings, CSV ingest jobs and analytics jobs
(seed 004).

Every row carries ``project_id`` so row-level security is one indexed comparison, as
elsewhere. ``ingest_uploads`` holds an uploaded file in chunks until its job is done:
any worker, on any machine, reads it from the database.
"""

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector

from aura.config import Settings
from aura.db.enums import AnalyticsStatus, IngestStatus, RecordCategory, RecordType
from aura.db.tables.base import (
    JSONB,
    UUID,
    enum_check,
    enum_column,
    fk,
    id_column,
    json_column,
    metadata,
    timestamps,
)

# The all-zero user id marks a rating made by an LLM (seed 004); ``llm_model`` names it.
LLM_USER_ID = "00000000-0000-0000-0000-000000000000"
# Fixed per installation (see aura.config.Settings.embedding_dimension).
EMBEDDING_DIMENSION = Settings.from_env().embedding_dimension


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=False, server_default=sa.text("0"))


def _creator() -> sa.Column:
    return sa.Column(
        "created_by",
        UUID,
        sa.ForeignKey("users.id", ondelete="SET NULL"),
        server_default=sa.text("aura.current_user_id()"),
    )


data_records = sa.Table(
    "data_records",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    enum_column("type", RecordType),
    enum_column("category", RecordCategory, nullable=True),
    sa.Column("source", sa.Text, nullable=False, server_default=sa.text("'api'")),
    sa.Column("content", sa.Text, nullable=False),
    json_column("metadata"),
    sa.Column("embedding", Vector(EMBEDDING_DIMENSION)),
    sa.Column("alignment_analysis", sa.Text),
    sa.Column("has_been_reviewed", sa.Boolean, nullable=False, server_default=sa.text("false")),
    sa.Column("is_category_correct", sa.Boolean),
    sa.Column("reviewed_by", sa.Text),
    sa.Column("reviewed_at", sa.DateTime(timezone=True)),
    sa.Column("created_by_id", sa.Text),
    sa.Column("created_by_name", sa.Text),
    sa.Column("created_by_email", sa.Text),
    # Not a foreign key: checking one per row would halve the speed of bulk loads. A
    # trigger on ingest_jobs clears it when its job is deleted (ON DELETE SET NULL).
    sa.Column("ingest_job_id", UUID),
    sa.Column("source_row", sa.Integer),
    *timestamps(),
    enum_check("type", RecordType),
    enum_check("category", RecordCategory),
    sa.CheckConstraint("length(btrim(content)) > 0", name="content_not_blank"),
    sa.CheckConstraint(
        "(ingest_job_id IS NULL) OR (source_row IS NOT NULL)", name="source_row_valid"
    ),
    # A job that is picked up again after a crash stores each source row once.
    sa.UniqueConstraint("ingest_job_id", "source_row"),
    # Every query is scoped to projects (row-level security), so the composite index
    # serves type and category filters; single-column ones would only slow bulk loads.
    sa.Index(None, "project_id", "type", "category"),
    sa.Index(None, "project_id", "created_at"),
    # Bonus windows count each member's feedback (only FEEDBACK rows pay for it).
    sa.Index(
        "ix_data_records_feedback_creator",
        "created_by_id",
        "created_at",
        postgresql_where=sa.text("type = 'FEEDBACK'"),
    ),
)

likert_scores = sa.Table(
    "likert_scores",
    metadata,
    id_column(),
    fk("record_id", "data_records.id", ondelete="CASCADE", nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column("user_id", sa.Text, nullable=False, server_default=sa.text("aura.current_user_id()")),
    sa.Column("realism_score", sa.Integer, nullable=False),
    sa.Column("quality_score", sa.Integer, nullable=False),
    sa.Column("llm_model", sa.Text),
    *timestamps(),
    sa.CheckConstraint("realism_score BETWEEN 1 AND 7", name="realism_score_valid"),
    sa.CheckConstraint("quality_score BETWEEN 1 AND 7", name="quality_score_valid"),
    sa.CheckConstraint(
        f"(user_id = '{LLM_USER_ID}') = (llm_model IS NOT NULL)", name="llm_model_valid"
    ),
    # One rating per record and rater (and model: several LLMs may rate one record).
    sa.UniqueConstraint("record_id", "user_id", "llm_model", postgresql_nulls_not_distinct=True),
    sa.Index(None, "user_id"),
    sa.Index(None, "llm_model"),
    sa.Index(None, "project_id"),
)

ingest_jobs = sa.Table(
    "ingest_jobs",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    _creator(),
    enum_column("type", RecordType),
    enum_column("status", IngestStatus, default=IngestStatus.PENDING),
    sa.Column("file_name", sa.Text),
    sa.Column("file_bytes", sa.BigInteger, nullable=False, server_default=sa.text("0")),
    json_column("column_mapping"),
    _counter("total_records"),
    _counter("saved_count"),
    _counter("skipped_count"),
    # The last source row whose outcome is committed: a job picked up again after a
    # crash goes on after it.
    _counter("rows_done"),
    json_column("skipped_details", "[]"),
    sa.Column("error", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    *timestamps(),
    enum_check("type", RecordType),
    enum_check("status", IngestStatus),
    *(
        sa.CheckConstraint(f"{c} >= 0", name=f"{c}_positive")
        for c in ("total_records", "saved_count", "skipped_count", "rows_done")
    ),
    sa.Index(None, "project_id"),
    sa.Index(None, "status"),
)

ingest_uploads = sa.Table(
    "ingest_uploads",
    metadata,
    fk("job_id", "ingest_jobs.id", ondelete="CASCADE", nullable=False),
    sa.Column("chunk", sa.Integer, nullable=False),
    sa.Column("project_id", UUID, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("job_id", "chunk"),
)

analytics_jobs = sa.Table(
    "analytics_jobs",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    _creator(),
    enum_column("type", RecordType, nullable=True),
    enum_column("status", AnalyticsStatus, default=AnalyticsStatus.PENDING),
    _counter("total_records"),
    _counter("processed_count"),
    sa.Column("error", sa.Text),
    sa.Column("result", JSONB),
    *timestamps(),
    enum_check("type", RecordType),
    enum_check("status", AnalyticsStatus),
    sa.CheckConstraint("total_records >= 0", name="total_records_positive"),
    sa.CheckConstraint("processed_count >= 0", name="processed_count_positive"),
    sa.Index(None, "project_id"),
)
