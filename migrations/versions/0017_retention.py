"""Retention: archives of events and execution logs (``events_archive``,
``execution_logs_archive``), read-only with their sources' row-level security; events may
be deleted by retention only (``aura.retention``), and those deletions stay out of the
change stream.

Revision ID: 0017_retention
Revises: 0016_fulltext
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sql import retention as sql
from migrations.sql import run_script

revision: str = "0017_retention"
down_revision: str | None = "0016_fulltext"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONB = postgresql.JSONB(none_as_null=True, astext_type=sa.Text())
UUID = sa.UUID(as_uuid=False)
TIMESTAMP = sa.DateTime(timezone=True)


def _archived_at() -> sa.Column:
    return sa.Column("archived_at", TIMESTAMP, server_default=sa.text("now()"), nullable=False)


def _indexes(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_created_at"), table, ["created_at"], unique=False)
    op.create_index(
        op.f(f"ix_{table}_project_id_created_at"), table, ["project_id", "created_at"], unique=False
    )


def upgrade() -> None:
    op.create_table(
        "events_archive",
        sa.Column("id", UUID, nullable=False),
        sa.Column("project_id", UUID, nullable=True),
        sa.Column("task_id", UUID, nullable=True),
        sa.Column("user_id", UUID, nullable=True),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _archived_at(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_events_archive_project_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events_archive")),
    )
    _indexes("events_archive")
    op.create_table(
        "execution_logs_archive",
        sa.Column("id", UUID, nullable=False),
        sa.Column("project_id", UUID, nullable=False),
        sa.Column("task_id", UUID, nullable=False),
        sa.Column("user_id", UUID, nullable=True),
        sa.Column("step", sa.Text(), nullable=True),
        sa.Column("agent_type", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("metadata", JSONB, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        _archived_at(),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_execution_logs_archive_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_execution_logs_archive_task_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_execution_logs_archive_user_id"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_execution_logs_archive")),
    )
    _indexes("execution_logs_archive")
    run_script(sql.UPGRADE)


def downgrade() -> None:
    run_script(sql.move_back("events", sql.EVENT_COLUMNS))
    run_script(sql.move_back("execution_logs", sql.LOG_COLUMNS))
    op.drop_table("execution_logs_archive")
    op.drop_table("events_archive")
    run_script(sql.DOWNGRADE)
