"""Orchestration domain: plans, decisions, results, overrides, events, artifacts,
checkpoints, agent sessions, service status, workflows, execution logs, task history,
generated documents; event emission on the work and orchestration tables, row-level
security and the recent_events view.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:18:52.740575
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sql import orchestration as sql
from migrations.sql import run_script

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_history",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'PENDING'"), nullable=False),
        sa.Column(
            "results",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("output_summary", sa.Text(), nullable=True),
        sa.Column(
            "output_links",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column(
            "services_used",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
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
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')",
            name=op.f("ck_task_history_status_valid"),
        ),
        sa.CheckConstraint(
            "duration_ms IS NULL OR duration_ms >= 0",
            name=op.f("ck_task_history_duration_ms_positive"),
        ),
        sa.CheckConstraint(
            "length(btrim(description)) > 0", name=op.f("ck_task_history_description_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_task_history_user_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_history")),
    )
    op.create_index(
        "ix_task_history_services_used",
        "task_history",
        ["services_used"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(op.f("ix_task_history_status"), "task_history", ["status"], unique=False)
    op.create_index(
        op.f("ix_task_history_user_id_created_at"),
        "task_history",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "workflows",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "steps",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "trigger",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
        sa.CheckConstraint("jsonb_typeof(steps) = 'array'", name=op.f("ck_workflows_steps_format")),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_workflows_name_not_blank")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_workflows_user_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflows")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_workflows_user_id_name")),
    )
    op.create_table(
        "agent_sessions",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column(
            "snapshot",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("summary", sa.Text(), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_agent_sessions_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agent_sessions_user_id"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_sessions")),
    )
    op.create_index(
        op.f("ix_agent_sessions_project_id_created_at"),
        "agent_sessions",
        ["project_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_agent_sessions_user_id"), "agent_sessions", ["user_id"], unique=False)
    op.create_table(
        "checkpoints",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("repo_ref", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("resume_instructions", sa.Text(), nullable=True),
        sa.Column(
            "snapshot",
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
        sa.CheckConstraint("length(btrim(label)) > 0", name=op.f("ck_checkpoints_label_not_blank")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_checkpoints_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_checkpoints_user_id"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    op.create_index(
        op.f("ix_checkpoints_project_id_created_at"),
        "checkpoints",
        ["project_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_checkpoints_user_id"), "checkpoints", ["user_id"], unique=False)
    op.create_table(
        "documents_generated",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=False,
        ),
        sa.Column("task_history_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
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
            "type IN ('DOC', 'SHEET', 'SLIDES', 'EMAIL', 'CALENDAR_EVENT', 'OTHER')",
            name=op.f("ck_documents_generated_type_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(title)) > 0", name=op.f("ck_documents_generated_title_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["task_history_id"],
            ["task_history.id"],
            name=op.f("fk_documents_generated_task_history_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_documents_generated_user_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents_generated")),
    )
    op.create_index(
        op.f("ix_documents_generated_task_history_id"),
        "documents_generated",
        ["task_history_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_documents_generated_type"), "documents_generated", ["type"], unique=False
    )
    op.create_index(
        op.f("ix_documents_generated_user_id_created_at"),
        "documents_generated",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column(
            "payload",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "event_type ~ '^[a-z][a-z0-9_]*([.][a-z][a-z0-9_]*)*$' AND length(event_type) <= 100",
            name=op.f("ck_events_event_type_format"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_events_project_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_created_at"), "events", ["created_at"], unique=False)
    op.create_index(op.f("ix_events_event_type"), "events", ["event_type"], unique=False)
    op.create_index(
        op.f("ix_events_project_id_created_at"),
        "events",
        ["project_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_events_task_id_created_at",
        "events",
        ["task_id", "created_at"],
        unique=False,
        postgresql_where=sa.text("task_id IS NOT NULL"),
    )
    op.create_index(op.f("ix_events_user_id"), "events", ["user_id"], unique=False)
    op.create_table(
        "service_status",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("service_name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'UNKNOWN'"), nullable=False),
        sa.Column("last_check", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_time_ms", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
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
            "status IN ('UNKNOWN', 'HEALTHY', 'DEGRADED', 'DOWN')",
            name=op.f("ck_service_status_status_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(service_name)) > 0", name=op.f("ck_service_status_service_name_not_blank")
        ),
        sa.CheckConstraint(
            "response_time_ms IS NULL OR response_time_ms >= 0",
            name=op.f("ck_service_status_response_time_ms_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_service_status_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_status")),
        sa.UniqueConstraint(
            "project_id", "service_name", name=op.f("uq_service_status_project_id_service_name")
        ),
    )
    op.create_index(
        op.f("ix_service_status_last_check"), "service_status", ["last_check"], unique=False
    )
    op.create_index(op.f("ix_service_status_status"), "service_status", ["status"], unique=False)
    op.create_table(
        "workflow_history",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=False,
        ),
        sa.Column("workflow_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'PENDING'"), nullable=False),
        sa.Column(
            "input",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "output",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
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
            "status IN ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')",
            name=op.f("ck_workflow_history_status_valid"),
        ),
        sa.CheckConstraint(
            "duration_ms IS NULL OR duration_ms >= 0",
            name=op.f("ck_workflow_history_duration_ms_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_workflow_history_user_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_workflow_history_workflow_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_history")),
    )
    op.create_index(
        op.f("ix_workflow_history_user_id_created_at"),
        "workflow_history",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_workflow_history_workflow_id_started_at"),
        "workflow_history",
        ["workflow_id", "started_at"],
        unique=False,
    )
    op.create_table(
        "artifacts",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
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
            "type IN ('DIFF', 'PR', 'TEST_REPORT', 'DOCUMENT', 'OTHER')",
            name=op.f("ck_artifacts_type_valid"),
        ),
        sa.CheckConstraint("length(btrim(ref)) > 0", name=op.f("ck_artifacts_ref_not_blank")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_artifacts_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_artifacts_task_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_artifacts_user_id"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
    )
    op.create_index(op.f("ix_artifacts_project_id"), "artifacts", ["project_id"], unique=False)
    op.create_index(
        op.f("ix_artifacts_task_id_created_at"),
        "artifacts",
        ["task_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_artifacts_type"), "artifacts", ["type"], unique=False)
    op.create_table(
        "execution_logs",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("agent_type", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), server_default=sa.text("'INFO'"), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "agent_type IN ('PLANNER', 'WORKER', 'EVALUATOR')",
            name=op.f("ck_execution_logs_agent_type_valid"),
        ),
        sa.CheckConstraint(
            "level IN ('INFO', 'SUCCESS', 'WARNING', 'ERROR')",
            name=op.f("ck_execution_logs_level_valid"),
        ),
        sa.CheckConstraint(
            "length(btrim(message)) > 0", name=op.f("ck_execution_logs_message_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_execution_logs_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_execution_logs_task_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_execution_logs_user_id"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_execution_logs")),
    )
    op.create_index(
        op.f("ix_execution_logs_created_at"), "execution_logs", ["created_at"], unique=False
    )
    op.create_index(op.f("ix_execution_logs_level"), "execution_logs", ["level"], unique=False)
    op.create_index(
        op.f("ix_execution_logs_project_id_created_at"),
        "execution_logs",
        ["project_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_execution_logs_task_id_created_at"),
        "execution_logs",
        ["task_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "human_overrides",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("ai_suggestion", sa.Text(), nullable=False),
        sa.Column("human_decision", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("applied_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
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
            "applied_count IS NULL OR applied_count >= 0",
            name=op.f("ck_human_overrides_applied_count_positive"),
        ),
        sa.CheckConstraint(
            "length(btrim(ai_suggestion)) > 0",
            name=op.f("ck_human_overrides_ai_suggestion_not_blank"),
        ),
        sa.CheckConstraint(
            "length(btrim(human_decision)) > 0",
            name=op.f("ck_human_overrides_human_decision_not_blank"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_human_overrides_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_human_overrides_task_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_human_overrides_user_id"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_human_overrides")),
    )
    op.create_index(
        op.f("ix_human_overrides_project_id_category"),
        "human_overrides",
        ["project_id", "category"],
        unique=False,
    )
    op.create_index(
        op.f("ix_human_overrides_task_id"), "human_overrides", ["task_id"], unique=False
    )
    op.create_table(
        "plans",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("approach", sa.Text(), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=True),
        sa.Column(
            "steps",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("agent", sa.Text(), nullable=True),
        sa.Column("estimated_duration", sa.Integer(), nullable=True),
        sa.Column(
            "dependencies",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column(
            "risks",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), server_default=sa.text("'PROPOSED'"), nullable=False),
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
        sa.CheckConstraint("jsonb_typeof(risks) = 'array'", name=op.f("ck_plans_risks_format")),
        sa.CheckConstraint("jsonb_typeof(steps) = 'array'", name=op.f("ck_plans_steps_format")),
        sa.CheckConstraint(
            "status IN ('PROPOSED', 'APPROVED', 'REJECTED', 'EXECUTING')",
            name=op.f("ck_plans_status_valid"),
        ),
        sa.CheckConstraint(
            "estimated_duration IS NULL OR estimated_duration >= 0",
            name=op.f("ck_plans_estimated_duration_positive"),
        ),
        sa.CheckConstraint("length(btrim(approach)) > 0", name=op.f("ck_plans_approach_not_blank")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_plans_project_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_plans_task_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_plans_project_id_key")),
    )
    op.create_index(op.f("ix_plans_status"), "plans", ["status"], unique=False)
    op.create_index(
        op.f("ix_plans_task_id_created_at"), "plans", ["task_id", "created_at"], unique=False
    )
    op.create_table(
        "decisions",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("plan_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column(
            "user_id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("aura.current_user_id()"),
            nullable=True,
        ),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column(
            "options",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("selected_option", sa.Integer(), nullable=True),
        sa.Column("choice", sa.Text(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column(
            "overrides",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
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
            "category IN ('ARCHITECTURE', 'UX', 'PERFORMANCE', 'SECURITY', 'INTEGRATION', 'PROCESS', 'OTHER')",
            name=op.f("ck_decisions_category_valid"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(options) = 'array'", name=op.f("ck_decisions_options_format")
        ),
        sa.CheckConstraint("length(btrim(title)) > 0", name=op.f("ck_decisions_title_not_blank")),
        sa.CheckConstraint(
            "selected_option IS NULL OR selected_option >= 0",
            name=op.f("ck_decisions_selected_option_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_decisions_plan_id"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_decisions_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_decisions_task_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_decisions_user_id"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_decisions_project_id_key")),
    )
    op.create_index(op.f("ix_decisions_category"), "decisions", ["category"], unique=False)
    op.create_index(op.f("ix_decisions_plan_id"), "decisions", ["plan_id"], unique=False)
    op.create_index(
        op.f("ix_decisions_project_id_created_at"),
        "decisions",
        ["project_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_decisions_task_id"), "decisions", ["task_id"], unique=False)
    op.create_index(op.f("ix_decisions_user_id"), "decisions", ["user_id"], unique=False)
    op.create_table(
        "results",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("task_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("plan_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("key", sa.Text(), nullable=True),
        sa.Column("version", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column(
            "outputs",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "quality_gates",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "test_results",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("agent", sa.Text(), nullable=True),
        sa.Column(
            "errors", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True
        ),
        sa.Column(
            "completed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
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
            "status IN ('SUCCESS', 'FAILED', 'PARTIAL')", name=op.f("ck_results_status_valid")
        ),
        sa.CheckConstraint(
            "duration IS NULL OR duration >= 0", name=op.f("ck_results_duration_positive")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_results_plan_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_results_project_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_results_task_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_results_project_id_key")),
    )
    op.create_index(op.f("ix_results_plan_id"), "results", ["plan_id"], unique=False)
    op.create_index(op.f("ix_results_status"), "results", ["status"], unique=False)
    op.create_index(op.f("ix_results_task_id"), "results", ["task_id"], unique=False)
    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP_BEHAVIOUR)
    op.drop_index(op.f("ix_results_task_id"), table_name="results")
    op.drop_index(op.f("ix_results_status"), table_name="results")
    op.drop_index(op.f("ix_results_plan_id"), table_name="results")
    op.drop_table("results")
    op.drop_index(op.f("ix_decisions_user_id"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_task_id"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_project_id_created_at"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_plan_id"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_category"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_index(op.f("ix_plans_task_id_created_at"), table_name="plans")
    op.drop_index(op.f("ix_plans_status"), table_name="plans")
    op.drop_table("plans")
    op.drop_index(op.f("ix_human_overrides_task_id"), table_name="human_overrides")
    op.drop_index(op.f("ix_human_overrides_project_id_category"), table_name="human_overrides")
    op.drop_table("human_overrides")
    op.drop_index(op.f("ix_execution_logs_task_id_created_at"), table_name="execution_logs")
    op.drop_index(op.f("ix_execution_logs_project_id_created_at"), table_name="execution_logs")
    op.drop_index(op.f("ix_execution_logs_level"), table_name="execution_logs")
    op.drop_index(op.f("ix_execution_logs_created_at"), table_name="execution_logs")
    op.drop_table("execution_logs")
    op.drop_index(op.f("ix_artifacts_type"), table_name="artifacts")
    op.drop_index(op.f("ix_artifacts_task_id_created_at"), table_name="artifacts")
    op.drop_index(op.f("ix_artifacts_project_id"), table_name="artifacts")
    op.drop_table("artifacts")
    op.drop_index(op.f("ix_workflow_history_workflow_id_started_at"), table_name="workflow_history")
    op.drop_index(op.f("ix_workflow_history_user_id_created_at"), table_name="workflow_history")
    op.drop_table("workflow_history")
    op.drop_index(op.f("ix_service_status_status"), table_name="service_status")
    op.drop_index(op.f("ix_service_status_last_check"), table_name="service_status")
    op.drop_table("service_status")
    op.drop_index(op.f("ix_events_user_id"), table_name="events")
    op.drop_index(
        "ix_events_task_id_created_at",
        table_name="events",
        postgresql_where=sa.text("task_id IS NOT NULL"),
    )
    op.drop_index(op.f("ix_events_project_id_created_at"), table_name="events")
    op.drop_index(op.f("ix_events_event_type"), table_name="events")
    op.drop_index(op.f("ix_events_created_at"), table_name="events")
    op.drop_table("events")
    op.drop_index(
        op.f("ix_documents_generated_user_id_created_at"), table_name="documents_generated"
    )
    op.drop_index(op.f("ix_documents_generated_type"), table_name="documents_generated")
    op.drop_index(op.f("ix_documents_generated_task_history_id"), table_name="documents_generated")
    op.drop_table("documents_generated")
    op.drop_index(op.f("ix_checkpoints_user_id"), table_name="checkpoints")
    op.drop_index(op.f("ix_checkpoints_project_id_created_at"), table_name="checkpoints")
    op.drop_table("checkpoints")
    op.drop_index(op.f("ix_agent_sessions_user_id"), table_name="agent_sessions")
    op.drop_index(op.f("ix_agent_sessions_project_id_created_at"), table_name="agent_sessions")
    op.drop_table("agent_sessions")
    op.drop_table("workflows")
    op.drop_index(op.f("ix_task_history_user_id_created_at"), table_name="task_history")
    op.drop_index(op.f("ix_task_history_status"), table_name="task_history")
    op.drop_index(
        "ix_task_history_services_used", table_name="task_history", postgresql_using="gin"
    )
    op.drop_table("task_history")
