"""Estimation (seed 002, migration 004): task executions numbered per task, their
time-tracking sessions (at most one open per execution) and factors, the factor
catalogue (seeded), the learned estimation patterns kept with Welford's method, the
metrics and learning triggers, get_recommended_estimate and the accuracy / trend views.

Revision ID: 0009_estimation
Revises: 0008_seed_gaps
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

from migrations.sql import estimation as sql
from migrations.sql import run_script

revision: str = "0009_estimation"
down_revision: str | None = "0008_seed_gaps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "estimation_factors",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("factor_name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("impact_type", sa.Text(), server_default=sa.text("'INCREASE'"), nullable=False),
        sa.Column("average_impact", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=Text()),
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
            "impact_type <> 'DECREASE' OR average_impact < 1",
            name=op.f("ck_estimation_factors_average_impact_valid"),
        ),
        sa.CheckConstraint(
            "impact_type IN ('INCREASE', 'DECREASE')",
            name=op.f("ck_estimation_factors_impact_type_valid"),
        ),
        sa.CheckConstraint(
            "average_impact >= 0", name=op.f("ck_estimation_factors_average_impact_positive")
        ),
        sa.CheckConstraint(
            "length(btrim(factor_name)) > 0",
            name=op.f("ck_estimation_factors_factor_name_not_blank"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estimation_factors")),
        sa.UniqueConstraint("factor_name", name=op.f("uq_estimation_factors_factor_name")),
    )
    op.create_table(
        "estimation_patterns",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("pattern_name", sa.Text(), server_default=sa.text("'learned'"), nullable=False),
        sa.Column("task_type", sa.Text(), nullable=False),
        sa.Column("complexity", sa.Text(), server_default=sa.text("'MEDIUM'"), nullable=False),
        sa.Column("avg_duration_minutes", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("std_deviation", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("sample_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("m2", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column("confidence_score", sa.Float(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "factors",
            postgresql.JSONB(none_as_null=True, astext_type=Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=Text()),
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
            "complexity IN ('LOW', 'MEDIUM', 'HIGH')",
            name=op.f("ck_estimation_patterns_complexity_valid"),
        ),
        sa.CheckConstraint(
            "task_type IN ('FEATURE', 'BUGFIX', 'REFACTOR', 'DOCS', 'TEST', 'INFRA')",
            name=op.f("ck_estimation_patterns_task_type_valid"),
        ),
        sa.CheckConstraint(
            "confidence_score >= 0 AND confidence_score <= 1",
            name=op.f("ck_estimation_patterns_confidence_score_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(pattern_name)) > 0",
            name=op.f("ck_estimation_patterns_pattern_name_not_blank"),
        ),
        sa.CheckConstraint("m2 >= 0", name=op.f("ck_estimation_patterns_m2_positive")),
        sa.CheckConstraint(
            "sample_count >= 0", name=op.f("ck_estimation_patterns_sample_count_positive")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_estimation_patterns_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estimation_patterns")),
        sa.UniqueConstraint(
            "project_id",
            "pattern_name",
            "task_type",
            "complexity",
            name="uq_estimation_patterns_key",
        ),
    )
    op.create_index(
        op.f("ix_estimation_patterns_complexity"),
        "estimation_patterns",
        ["complexity"],
        unique=False,
    )
    op.create_index(
        op.f("ix_estimation_patterns_confidence_score"),
        "estimation_patterns",
        ["confidence_score"],
        unique=False,
    )
    op.create_index(
        op.f("ix_estimation_patterns_task_type"), "estimation_patterns", ["task_type"], unique=False
    )
    op.create_table(
        "task_executions",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("execution_number", sa.Integer(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Float(), nullable=True),
        sa.Column("estimated_minutes", sa.Integer(), nullable=True),
        sa.Column("variance_minutes", sa.Float(), nullable=True),
        sa.Column("variance_percent", sa.Float(), nullable=True),
        sa.Column("status", sa.Text(), server_default=sa.text("'IN_PROGRESS'"), nullable=False),
        sa.Column("complexity", sa.Text(), server_default=sa.text("'MEDIUM'"), nullable=False),
        sa.Column("context_switches", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("interruptions", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "blockers",
            postgresql.ARRAY(Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("pattern_id", sa.UUID(as_uuid=False), nullable=True),
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
            "complexity IN ('LOW', 'MEDIUM', 'HIGH')",
            name=op.f("ck_task_executions_complexity_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED')",
            name=op.f("ck_task_executions_status_valid"),
        ),
        sa.CheckConstraint(
            "completed_at IS NULL OR completed_at >= started_at",
            name=op.f("ck_task_executions_completed_at_valid"),
        ),
        sa.CheckConstraint(
            "context_switches >= 0", name=op.f("ck_task_executions_context_switches_positive")
        ),
        sa.CheckConstraint(
            "estimated_minutes >= 0", name=op.f("ck_task_executions_estimated_minutes_positive")
        ),
        sa.CheckConstraint(
            "execution_number > 0", name=op.f("ck_task_executions_execution_number_positive")
        ),
        sa.CheckConstraint(
            "interruptions >= 0", name=op.f("ck_task_executions_interruptions_positive")
        ),
        sa.ForeignKeyConstraint(
            ["pattern_id"],
            ["estimation_patterns.id"],
            name=op.f("fk_task_executions_pattern_id"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_task_executions_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_executions_task_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_executions")),
        sa.UniqueConstraint(
            "task_id", "execution_number", name=op.f("uq_task_executions_task_id_execution_number")
        ),
    )
    op.create_index(
        op.f("ix_task_executions_complexity"), "task_executions", ["complexity"], unique=False
    )
    op.create_index(
        op.f("ix_task_executions_pattern_id"), "task_executions", ["pattern_id"], unique=False
    )
    op.create_index(
        op.f("ix_task_executions_project_id"), "task_executions", ["project_id"], unique=False
    )
    op.create_index(
        op.f("ix_task_executions_started_at"), "task_executions", ["started_at"], unique=False
    )
    op.create_index(op.f("ix_task_executions_status"), "task_executions", ["status"], unique=False)
    op.create_table(
        "task_execution_factors",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("task_execution_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("factor_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("factor_value", sa.Float(), server_default=sa.text("1"), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "factor_value >= 0", name=op.f("ck_task_execution_factors_factor_value_positive")
        ),
        sa.ForeignKeyConstraint(
            ["factor_id"],
            ["estimation_factors.id"],
            name=op.f("fk_task_execution_factors_factor_id"),
            ondelete="NO ACTION",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_task_execution_factors_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_execution_id"],
            ["task_executions.id"],
            name=op.f("fk_task_execution_factors_task_execution_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_execution_factors")),
        sa.UniqueConstraint(
            "task_execution_id",
            "factor_id",
            name=op.f("uq_task_execution_factors_task_execution_id_factor_id"),
        ),
    )
    op.create_index(
        op.f("ix_task_execution_factors_factor_id"),
        "task_execution_factors",
        ["factor_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_task_execution_factors_project_id"),
        "task_execution_factors",
        ["project_id"],
        unique=False,
    )
    op.create_table(
        "time_tracking_sessions",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("task_execution_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("session_number", sa.Integer(), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_minutes", sa.Float(), nullable=True),
        sa.Column("activity_type", sa.Text(), nullable=True),
        sa.Column("productivity_rating", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=Text()),
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
            "ended_at IS NULL OR ended_at >= started_at",
            name=op.f("ck_time_tracking_sessions_ended_at_valid"),
        ),
        sa.CheckConstraint(
            "productivity_rating IS NULL OR productivity_rating BETWEEN 1 AND 5",
            name=op.f("ck_time_tracking_sessions_productivity_rating_valid"),
        ),
        sa.CheckConstraint(
            "session_number > 0", name=op.f("ck_time_tracking_sessions_session_number_positive")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_time_tracking_sessions_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_execution_id"],
            ["task_executions.id"],
            name=op.f("fk_time_tracking_sessions_task_execution_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_tracking_sessions")),
        sa.UniqueConstraint(
            "task_execution_id",
            "session_number",
            name=op.f("uq_time_tracking_sessions_task_execution_id_session_number"),
        ),
    )
    op.create_index(
        op.f("ix_time_tracking_sessions_activity_type"),
        "time_tracking_sessions",
        ["activity_type"],
        unique=False,
    )
    op.create_index(
        op.f("ix_time_tracking_sessions_project_id"),
        "time_tracking_sessions",
        ["project_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_time_tracking_sessions_started_at"),
        "time_tracking_sessions",
        ["started_at"],
        unique=False,
    )
    op.create_index(
        "uq_time_tracking_sessions_open",
        "time_tracking_sessions",
        ["task_execution_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
    )

    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP_BEHAVIOUR)
    op.drop_index(
        "uq_time_tracking_sessions_open",
        table_name="time_tracking_sessions",
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.drop_index(op.f("ix_time_tracking_sessions_started_at"), table_name="time_tracking_sessions")
    op.drop_index(op.f("ix_time_tracking_sessions_project_id"), table_name="time_tracking_sessions")
    op.drop_index(
        op.f("ix_time_tracking_sessions_activity_type"), table_name="time_tracking_sessions"
    )
    op.drop_table("time_tracking_sessions")
    op.drop_index(op.f("ix_task_execution_factors_project_id"), table_name="task_execution_factors")
    op.drop_index(op.f("ix_task_execution_factors_factor_id"), table_name="task_execution_factors")
    op.drop_table("task_execution_factors")
    op.drop_index(op.f("ix_task_executions_status"), table_name="task_executions")
    op.drop_index(op.f("ix_task_executions_started_at"), table_name="task_executions")
    op.drop_index(op.f("ix_task_executions_project_id"), table_name="task_executions")
    op.drop_index(op.f("ix_task_executions_pattern_id"), table_name="task_executions")
    op.drop_index(op.f("ix_task_executions_complexity"), table_name="task_executions")
    op.drop_table("task_executions")
    op.drop_index(op.f("ix_estimation_patterns_task_type"), table_name="estimation_patterns")
    op.drop_index(op.f("ix_estimation_patterns_confidence_score"), table_name="estimation_patterns")
    op.drop_index(op.f("ix_estimation_patterns_complexity"), table_name="estimation_patterns")
    op.drop_table("estimation_patterns")
    op.drop_table("estimation_factors")
