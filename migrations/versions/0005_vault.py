"""Vault: encryption keys, secrets with their access log, rotation schedules and
templates, user (provider) tokens, system settings; row-level security, the audit
function and the secrets_expiring_soon / secrets_needing_rotation views.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:38:50.204373
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.sql import run_script
from migrations.sql import vault as sql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "encryption_keys",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("key_name", sa.Text(), nullable=False),
        sa.Column("encrypted_key", postgresql.BYTEA(), nullable=False),
        sa.Column("algorithm", sa.Text(), server_default=sa.text("'AES-256-GCM'"), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("rotation_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_rotated_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encryption_keys")),
        sa.UniqueConstraint("key_name", name=op.f("uq_encryption_keys_key_name")),
    )
    op.create_index(
        "uq_encryption_keys_active",
        "encryption_keys",
        ["is_active"],
        unique=True,
        postgresql_where=sa.text("is_active"),
    )
    op.create_table(
        "secret_templates",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("template_name", sa.Text(), nullable=False),
        sa.Column("secret_type", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("validation_pattern", sa.Text(), nullable=True),
        sa.Column("rotation_interval_days", sa.Integer(), nullable=True),
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
            "length(btrim(secret_type)) > 0", name=op.f("ck_secret_templates_secret_type_not_blank")
        ),
        sa.CheckConstraint(
            "length(btrim(template_name)) > 0",
            name=op.f("ck_secret_templates_template_name_not_blank"),
        ),
        sa.CheckConstraint(
            "rotation_interval_days IS NULL OR rotation_interval_days > 0",
            name=op.f("ck_secret_templates_rotation_interval_days_positive"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secret_templates")),
        sa.UniqueConstraint("template_name", name=op.f("uq_secret_templates_template_name")),
    )
    op.create_table(
        "system_settings",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("encrypted_value", postgresql.BYTEA(), nullable=True),
        sa.Column("encryption_key_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("is_secret", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.UUID(as_uuid=False), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "key ~ '^[a-z][a-z0-9_.-]*$'", name=op.f("ck_system_settings_key_format")
        ),
        sa.CheckConstraint(
            "(is_secret AND value IS NULL AND encrypted_value IS NOT NULL AND encryption_key_id IS NOT NULL) OR (NOT is_secret AND value IS NOT NULL AND encrypted_value IS NULL AND encryption_key_id IS NULL)",
            name=op.f("ck_system_settings_value_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["encryption_key_id"],
            ["encryption_keys.id"],
            name=op.f("fk_system_settings_encryption_key_id"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_system_settings_updated_by"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_system_settings")),
    )
    op.create_index(
        op.f("ix_system_settings_encryption_key_id"),
        "system_settings",
        ["encryption_key_id"],
        unique=False,
    )
    op.create_table(
        "user_tokens",
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
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("encrypted_access_token", postgresql.BYTEA(), nullable=False),
        sa.Column("encrypted_refresh_token", postgresql.BYTEA(), nullable=True),
        sa.Column("encryption_key_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("token_type", sa.Text(), server_default=sa.text("'Bearer'"), nullable=False),
        sa.Column(
            "scopes",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
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
            "length(btrim(provider)) > 0", name=op.f("ck_user_tokens_provider_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["encryption_key_id"],
            ["encryption_keys.id"],
            name=op.f("fk_user_tokens_encryption_key_id"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_tokens_user_id"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_tokens")),
        sa.UniqueConstraint("user_id", "provider", name=op.f("uq_user_tokens_user_id_provider")),
    )
    op.create_index(
        op.f("ix_user_tokens_encryption_key_id"), "user_tokens", ["encryption_key_id"], unique=False
    )
    op.create_table(
        "secrets",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("key_name", sa.Text(), nullable=False),
        sa.Column("encrypted_value", postgresql.BYTEA(), nullable=False),
        sa.Column("encryption_key_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("secret_type", sa.Text(), server_default=sa.text("'generic'"), nullable=False),
        sa.Column("template_id", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("last_accessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint("access_count >= 0", name=op.f("ck_secrets_access_count_positive")),
        sa.CheckConstraint(
            "length(btrim(key_name)) > 0", name=op.f("ck_secrets_key_name_not_blank")
        ),
        sa.CheckConstraint(
            "length(btrim(secret_type)) > 0", name=op.f("ck_secrets_secret_type_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["encryption_key_id"],
            ["encryption_keys.id"],
            name=op.f("fk_secrets_encryption_key_id"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_secrets_project_id"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["secret_templates.id"],
            name=op.f("fk_secrets_template_id"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secrets")),
        sa.UniqueConstraint("project_id", "key_name", name=op.f("uq_secrets_project_id_key_name")),
    )
    op.create_index(
        op.f("ix_secrets_encryption_key_id"), "secrets", ["encryption_key_id"], unique=False
    )
    op.create_index(op.f("ix_secrets_expires_at"), "secrets", ["expires_at"], unique=False)
    op.create_index(op.f("ix_secrets_secret_type"), "secrets", ["secret_type"], unique=False)
    op.create_index(op.f("ix_secrets_template_id"), "secrets", ["template_id"], unique=False)
    op.create_table(
        "secret_access_log",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("secret_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("accessed_by", sa.UUID(as_uuid=False), nullable=True),
        sa.Column("access_type", sa.Text(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("ip_address", postgresql.INET(), nullable=True),
        sa.Column(
            "metadata",
            postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "accessed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "access_type IN ('REVEAL', 'ROTATE')",
            name=op.f("ck_secret_access_log_access_type_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["accessed_by"],
            ["users.id"],
            name=op.f("fk_secret_access_log_accessed_by"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_secret_access_log_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["secret_id"],
            ["secrets.id"],
            name=op.f("fk_secret_access_log_secret_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secret_access_log")),
    )
    op.create_index(
        op.f("ix_secret_access_log_accessed_by"), "secret_access_log", ["accessed_by"], unique=False
    )
    op.create_index(
        op.f("ix_secret_access_log_project_id_accessed_at"),
        "secret_access_log",
        ["project_id", "accessed_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_secret_access_log_secret_id_accessed_at"),
        "secret_access_log",
        ["secret_id", "accessed_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_secret_access_log_success"), "secret_access_log", ["success"], unique=False
    )
    op.create_table(
        "secret_rotation_schedule",
        sa.Column(
            "id",
            sa.UUID(as_uuid=False),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
        sa.Column("secret_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("project_id", sa.UUID(as_uuid=False), nullable=False),
        sa.Column("rotation_interval_days", sa.Integer(), nullable=False),
        sa.Column("last_rotation_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_rotation_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("auto_rotate", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("notification_days", sa.Integer(), server_default=sa.text("7"), nullable=False),
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
            "notification_days >= 0",
            name=op.f("ck_secret_rotation_schedule_notification_days_positive"),
        ),
        sa.CheckConstraint(
            "rotation_interval_days > 0",
            name=op.f("ck_secret_rotation_schedule_rotation_interval_days_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_secret_rotation_schedule_project_id"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["secret_id"],
            ["secrets.id"],
            name=op.f("fk_secret_rotation_schedule_secret_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_secret_rotation_schedule")),
        sa.UniqueConstraint("secret_id", name=op.f("uq_secret_rotation_schedule_secret_id")),
    )
    op.create_index(
        op.f("ix_secret_rotation_schedule_auto_rotate"),
        "secret_rotation_schedule",
        ["auto_rotate"],
        unique=False,
    )
    op.create_index(
        op.f("ix_secret_rotation_schedule_next_rotation_at"),
        "secret_rotation_schedule",
        ["next_rotation_at"],
        unique=False,
    )

    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP_BEHAVIOUR)
    op.drop_index(
        op.f("ix_secret_rotation_schedule_next_rotation_at"), table_name="secret_rotation_schedule"
    )
    op.drop_index(
        op.f("ix_secret_rotation_schedule_auto_rotate"), table_name="secret_rotation_schedule"
    )
    op.drop_table("secret_rotation_schedule")
    op.drop_index(op.f("ix_secret_access_log_success"), table_name="secret_access_log")
    op.drop_index(
        op.f("ix_secret_access_log_secret_id_accessed_at"), table_name="secret_access_log"
    )
    op.drop_index(
        op.f("ix_secret_access_log_project_id_accessed_at"), table_name="secret_access_log"
    )
    op.drop_index(op.f("ix_secret_access_log_accessed_by"), table_name="secret_access_log")
    op.drop_table("secret_access_log")
    op.drop_index(op.f("ix_secrets_template_id"), table_name="secrets")
    op.drop_index(op.f("ix_secrets_secret_type"), table_name="secrets")
    op.drop_index(op.f("ix_secrets_expires_at"), table_name="secrets")
    op.drop_index(op.f("ix_secrets_encryption_key_id"), table_name="secrets")
    op.drop_table("secrets")
    op.drop_index(op.f("ix_user_tokens_encryption_key_id"), table_name="user_tokens")
    op.drop_table("user_tokens")
    op.drop_index(op.f("ix_system_settings_encryption_key_id"), table_name="system_settings")
    op.drop_table("system_settings")
    op.drop_table("secret_templates")
    op.drop_index(
        "uq_encryption_keys_active",
        table_name="encryption_keys",
        postgresql_where=sa.text("is_active"),
    )
    op.drop_table("encryption_keys")
