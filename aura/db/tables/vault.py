"""Vault domain (seed 002's secrets management, seed 003's user tokens, seed 004's system
settings): envelope-encrypted values and their audit.

Plaintext never reaches the database. ``encryption_keys`` hold data keys wrapped by the
master key (which lives only in the environment); every encrypted column holds a sealed
value (``aura.auth.crypto``) and its row names the data key in ``encryption_key_id``,
so a key rotation finds the rows still under an old key.

Tenancy: secrets, their access log and rotation schedules belong to the secret's project
(``project_id``, derived); templates are shared, readable by members and written by
admins; user tokens belong to their user alone (admins included: nobody reads another
user's provider tokens); system settings are readable by members unless secret (then
admins only) and written by admins.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from aura.db.tables.base import (
    UUID,
    fk,
    id_column,
    json_column,
    metadata,
    text_array,
    timestamps,
)

BYTEA = pg.BYTEA()
CURRENT_USER = sa.text("aura.current_user_id()")
TIMESTAMP = sa.DateTime(timezone=True)


def _not_blank(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"length(btrim({column})) > 0", name=f"{column}_not_blank")


def _key_id(nullable: bool = False) -> sa.Column:
    return fk("encryption_key_id", "encryption_keys.id", ondelete="RESTRICT", nullable=nullable)


encryption_keys = sa.Table(
    "encryption_keys",
    metadata,
    id_column(),
    sa.Column("key_name", sa.Text, nullable=False),
    sa.Column("encrypted_key", BYTEA, nullable=False),
    sa.Column("algorithm", sa.Text, nullable=False, server_default=sa.text("'AES-256-GCM'")),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("rotation_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("last_rotated_at", TIMESTAMP),
    *timestamps(),
    sa.UniqueConstraint("key_name"),
    # At most one active key: the one new values are sealed with.
    sa.Index(
        "uq_encryption_keys_active",
        "is_active",
        unique=True,
        postgresql_where=sa.text("is_active"),
    ),
)

secret_templates = sa.Table(
    "secret_templates",
    metadata,
    id_column(),
    sa.Column("template_name", sa.Text, nullable=False),
    sa.Column("secret_type", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("validation_pattern", sa.Text),
    sa.Column("rotation_interval_days", sa.Integer),
    json_column("metadata"),
    *timestamps(),
    _not_blank("template_name"),
    _not_blank("secret_type"),
    sa.CheckConstraint(
        "rotation_interval_days IS NULL OR rotation_interval_days > 0",
        name="rotation_interval_days_positive",
    ),
    sa.UniqueConstraint("template_name"),
)

secrets = sa.Table(
    "secrets",
    metadata,
    id_column(),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    sa.Column("key_name", sa.Text, nullable=False),
    sa.Column("encrypted_value", BYTEA, nullable=False),
    _key_id(),
    sa.Column("secret_type", sa.Text, nullable=False, server_default=sa.text("'generic'")),
    fk("template_id", "secret_templates.id", ondelete="SET NULL"),
    sa.Column("description", sa.Text),
    json_column("metadata"),
    sa.Column("last_accessed_at", TIMESTAMP),
    sa.Column("access_count", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("expires_at", TIMESTAMP),
    *timestamps(),
    _not_blank("key_name"),
    _not_blank("secret_type"),
    sa.CheckConstraint("access_count >= 0", name="access_count_positive"),
    sa.UniqueConstraint("project_id", "key_name"),
    sa.Index(None, "encryption_key_id"),
    sa.Index(None, "secret_type"),
    sa.Index(None, "expires_at"),
    sa.Index(None, "template_id"),
)

secret_access_log = sa.Table(
    "secret_access_log",
    metadata,
    id_column(),
    fk("secret_id", "secrets.id", ondelete="CASCADE", nullable=False),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    fk("accessed_by", "users.id", ondelete="SET NULL"),
    sa.Column("access_type", sa.Text, nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Column("error_message", sa.Text),
    sa.Column("ip_address", pg.INET),
    json_column("metadata"),
    sa.Column(
        "accessed_at", TIMESTAMP, nullable=False, server_default=sa.text("clock_timestamp()")
    ),
    sa.CheckConstraint("access_type IN ('REVEAL', 'ROTATE')", name="access_type_valid"),
    sa.Index(None, "secret_id", "accessed_at"),
    sa.Index(None, "project_id", "accessed_at"),
    sa.Index(None, "accessed_by"),
    sa.Index(None, "success"),
)

secret_rotation_schedule = sa.Table(
    "secret_rotation_schedule",
    metadata,
    id_column(),
    fk("secret_id", "secrets.id", ondelete="CASCADE", nullable=False),
    fk("project_id", "projects.id", ondelete="CASCADE", nullable=False),
    sa.Column("rotation_interval_days", sa.Integer, nullable=False),
    sa.Column("last_rotation_at", TIMESTAMP),
    sa.Column("next_rotation_at", TIMESTAMP, nullable=False),
    sa.Column("auto_rotate", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("notification_days", sa.Integer, nullable=False, server_default=sa.text("7")),
    json_column("metadata"),
    *timestamps(),
    sa.CheckConstraint("rotation_interval_days > 0", name="rotation_interval_days_positive"),
    sa.CheckConstraint("notification_days >= 0", name="notification_days_positive"),
    sa.UniqueConstraint("secret_id"),
    sa.Index(None, "next_rotation_at"),
    sa.Index(None, "auto_rotate"),
)

user_tokens = sa.Table(
    "user_tokens",
    metadata,
    id_column(),
    sa.Column(
        "user_id",
        UUID,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        server_default=CURRENT_USER,
    ),
    sa.Column("provider", sa.Text, nullable=False),
    sa.Column("encrypted_access_token", BYTEA, nullable=False),
    sa.Column("encrypted_refresh_token", BYTEA),
    _key_id(),
    sa.Column("token_type", sa.Text, nullable=False, server_default=sa.text("'Bearer'")),
    text_array("scopes"),
    sa.Column("expires_at", TIMESTAMP),
    json_column("metadata"),
    *timestamps(),
    _not_blank("provider"),
    sa.UniqueConstraint("user_id", "provider"),
    sa.Index(None, "encryption_key_id"),
)

system_settings = sa.Table(
    "system_settings",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    # Plain settings keep their value here; secret ones only the sealed value below.
    sa.Column("value", sa.Text),
    sa.Column("encrypted_value", BYTEA),
    _key_id(nullable=True),
    sa.Column("is_secret", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("description", sa.Text),
    fk("updated_by", "users.id", ondelete="SET NULL"),
    sa.Column("updated_at", TIMESTAMP, nullable=False, server_default=sa.text("now()")),
    sa.CheckConstraint("key ~ '^[a-z][a-z0-9_.-]*$'", name="key_format"),
    sa.CheckConstraint(
        "(is_secret AND value IS NULL AND encrypted_value IS NOT NULL"
        " AND encryption_key_id IS NOT NULL)"
        " OR (NOT is_secret AND value IS NOT NULL AND encrypted_value IS NULL"
        " AND encryption_key_id IS NULL)",
        name="value_valid",
    ),
    sa.Index(None, "encryption_key_id"),
)

# -- views (seed 002), created by the migration's SQL ---------------------------------

secrets_expiring_soon = sa.Table(
    "secrets_expiring_soon",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("key_name", sa.Text),
    sa.Column("secret_type", sa.Text),
    sa.Column("expires_at", TIMESTAMP),
    sa.Column("seconds_until_expiry", sa.Integer),
    sa.Column("project_name", sa.Text),
    info={"view": True},
)

secrets_needing_rotation = sa.Table(
    "secrets_needing_rotation",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("project_id", UUID),
    sa.Column("key_name", sa.Text),
    sa.Column("secret_type", sa.Text),
    sa.Column("next_rotation_at", TIMESTAMP),
    sa.Column("seconds_until_rotation", sa.Integer),
    sa.Column("auto_rotate", sa.Boolean),
    sa.Column("project_name", sa.Text),
    info={"view": True},
)
