"""Accounts security: user lifecycle (disabled accounts, teams), opaque access tokens
(oauth_tokens, stored hashed, with refresh rotation and reuse detection), bonus windows
and the managers' team time-tracking view.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sql import accounts_security as sql
from migrations.sql import run_script

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.UUID(as_uuid=False)
TIMESTAMP = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", TIMESTAMP, server_default=NOW, nullable=False),
        sa.Column("updated_at", TIMESTAMP, server_default=NOW, nullable=False),
    ]


def upgrade() -> None:
    op.add_column("users", sa.Column("manager_id", UUID, nullable=True))
    op.add_column("users", sa.Column("disabled_at", TIMESTAMP, nullable=True))
    op.create_foreign_key(
        op.f("fk_users_manager_id"), "users", "users", ["manager_id"], ["id"], ondelete="SET NULL"
    )
    op.create_check_constraint(
        op.f("ck_users_manager_not_self"), "users", "manager_id IS DISTINCT FROM id"
    )
    op.create_index(op.f("ix_users_manager_id"), "users", ["manager_id"], unique=False)
    op.create_table(
        "oauth_tokens",
        sa.Column("id", UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=True),
        sa.Column("token_type", sa.Text(), server_default=sa.text("'Bearer'"), nullable=False),
        sa.Column("access_token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("refresh_token_hash", sa.LargeBinary(), nullable=True),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("family_id", UUID, nullable=False),
        sa.Column("parent_id", UUID, nullable=True),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("refresh_expires_at", TIMESTAMP, nullable=True),
        sa.Column("refreshed_at", TIMESTAMP, nullable=True),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_oauth_tokens_name_not_blank")),
        sa.CheckConstraint(
            "octet_length(access_token_hash) = 32", name=op.f("ck_oauth_tokens_access_hash_format")
        ),
        sa.CheckConstraint(
            "refresh_token_hash IS NULL OR octet_length(refresh_token_hash) = 32",
            name=op.f("ck_oauth_tokens_refresh_hash_format"),
        ),
        sa.CheckConstraint(
            "cardinality(scopes) > 0", name=op.f("ck_oauth_tokens_scopes_not_blank")
        ),
        sa.CheckConstraint("token_type = 'Bearer'", name=op.f("ck_oauth_tokens_token_type_valid")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_oauth_tokens_user_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["oauth_tokens.id"],
            name=op.f("fk_oauth_tokens_parent_id"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_oauth_tokens_access_token_hash")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_oauth_tokens_refresh_token_hash")),
    )
    op.create_index(
        op.f("ix_oauth_tokens_user_id_created_at"), "oauth_tokens", ["user_id", "created_at"]
    )
    op.create_index(op.f("ix_oauth_tokens_family_id"), "oauth_tokens", ["family_id"])
    targets = (
        "target_task_count",
        "target_feedback_count",
        "target_task_count_tier2",
        "target_feedback_count_tier2",
    )
    op.create_table(
        "bonus_windows",
        sa.Column("id", UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.Text(), server_default=sa.text("'Bonus Window'"), nullable=False),
        sa.Column("start_time", TIMESTAMP, nullable=False),
        sa.Column("end_time", TIMESTAMP, nullable=False),
        *(sa.Column(t, sa.Integer(), server_default=sa.text("0"), nullable=False) for t in targets),
        sa.Column(
            "created_by", UUID, server_default=sa.text("aura.current_user_id()"), nullable=True
        ),
        *_timestamps(),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_bonus_windows_name_not_blank")),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_bonus_windows_end_time_valid")),
        *(
            sa.CheckConstraint(f"{t} >= 0", name=op.f(f"ck_bonus_windows_{t}_positive"))
            for t in targets
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_bonus_windows_created_by"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonus_windows")),
    )
    op.create_index(
        op.f("ix_bonus_windows_start_time_end_time"), "bonus_windows", ["start_time", "end_time"]
    )
    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP_BEHAVIOUR)
    op.drop_index(op.f("ix_bonus_windows_start_time_end_time"), table_name="bonus_windows")
    op.drop_table("bonus_windows")
    op.drop_index(op.f("ix_oauth_tokens_family_id"), table_name="oauth_tokens")
    op.drop_index(op.f("ix_oauth_tokens_user_id_created_at"), table_name="oauth_tokens")
    op.drop_table("oauth_tokens")
    op.drop_index(op.f("ix_users_manager_id"), table_name="users")
    op.drop_constraint(op.f("ck_users_manager_not_self"), "users", type_="check")
    op.drop_constraint(op.f("fk_users_manager_id"), "users", type_="foreignkey")
    op.drop_column("users", "disabled_at")
    op.drop_column("users", "manager_id")
    run_script(sql.PREVIOUS)
