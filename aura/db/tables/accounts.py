"""Accounts domain: people, their roles and teams, and their access tokens (seeds 001, 003, 004).

``oauth_tokens`` are the opaque access tokens that agents, MCP servers and scripts
present as ``Authorization: Bearer aura_at_…``. The database keeps only the SHA-256 of
each token (``access_token_hash``, ``refresh_token_hash``): the plaintext is shown once,
when the token is issued, and exists nowhere else. A refresh creates a new row in the
same ``family_id``; presenting a refresh token twice revokes the whole family.
"""

import sqlalchemy as sa

from aura.db.enums import UserRole
from aura.db.tables.base import (
    NOW,
    TEXT_ARRAY,
    UUID,
    enum_check,
    enum_column,
    fk,
    id_column,
    metadata,
    timestamps,
)

TIMESTAMP = sa.DateTime(timezone=True)

users = sa.Table(
    "users",
    metadata,
    id_column(),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text),
    enum_column("role", UserRole, default=UserRole.PENDING),
    sa.Column("must_reset_password", sa.Boolean, nullable=False, server_default=sa.false()),
    *timestamps(),
    # The manager whose team this user belongs to (seed 004: "Team manager").
    fk("manager_id", "users.id", ondelete="SET NULL"),
    # Set while the account is disabled: none of its tokens work.
    sa.Column("disabled_at", TIMESTAMP),
    enum_check("role", UserRole),
    sa.CheckConstraint("email ~ '^[^@\\s]+@[^@\\s]+$'", name="email_format"),
    sa.CheckConstraint("manager_id IS DISTINCT FROM id", name="manager_not_self"),
    sa.Index(
        "uq_users_email_lower", sa.text("lower(email)"), unique=True, info={"columns": ["email"]}
    ),
    sa.Index(None, "manager_id"),
)

oauth_tokens = sa.Table(
    "oauth_tokens",
    metadata,
    id_column(),
    fk("user_id", "users.id", ondelete="CASCADE", nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("client_id", sa.Text),
    sa.Column("token_type", sa.Text, nullable=False, server_default=sa.text("'Bearer'")),
    sa.Column("access_token_hash", sa.LargeBinary, nullable=False),
    sa.Column("refresh_token_hash", sa.LargeBinary),
    sa.Column("scopes", TEXT_ARRAY, nullable=False),
    # The first token of a refresh chain; its refreshed descendants share it.
    sa.Column("family_id", UUID, nullable=False),
    fk("parent_id", "oauth_tokens.id", ondelete="SET NULL"),
    sa.Column("expires_at", TIMESTAMP, nullable=False),
    sa.Column("refresh_expires_at", TIMESTAMP),
    # When its refresh token was exchanged: a second exchange is a reuse.
    sa.Column("refreshed_at", TIMESTAMP),
    sa.Column("last_used_at", TIMESTAMP),
    sa.Column("revoked_at", TIMESTAMP),
    sa.Column("revoked_reason", sa.Text),
    *timestamps(),
    sa.CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
    sa.CheckConstraint("octet_length(access_token_hash) = 32", name="access_hash_format"),
    sa.CheckConstraint(
        "refresh_token_hash IS NULL OR octet_length(refresh_token_hash) = 32",
        name="refresh_hash_format",
    ),
    sa.CheckConstraint("cardinality(scopes) > 0", name="scopes_not_blank"),
    sa.CheckConstraint("token_type = 'Bearer'", name="token_type_valid"),
    sa.UniqueConstraint("access_token_hash"),
    sa.UniqueConstraint("refresh_token_hash"),
    sa.Index(None, "user_id", "created_at"),
    sa.Index(None, "family_id"),
)

# -- sign-in (aura.auth.passwords, aura.auth.oidc) -----------------------------------------
# None of these is exposed through the API, and the request role holds no privilege on
# them: SECURITY DEFINER functions of migration 0014 read and write them for sign-in.

# A user's password (argon2id, encoded with its parameters and salt).
user_credentials = sa.Table(
    "user_credentials",
    metadata,
    fk("user_id", "users.id", ondelete="CASCADE", nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("changed_at", TIMESTAMP, nullable=False, server_default=NOW),
    sa.PrimaryKeyConstraint("user_id"),
    sa.CheckConstraint("password_hash LIKE '$argon2id$%'", name="argon2id"),
)

# One-time password reset tokens: only their SHA-256 is kept.
password_reset_tokens = sa.Table(
    "password_reset_tokens",
    metadata,
    id_column(),
    fk("user_id", "users.id", ondelete="CASCADE", nullable=False),
    sa.Column("token_hash", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", TIMESTAMP, nullable=False),
    sa.Column("used_at", TIMESTAMP),
    fk("created_by", "users.id", ondelete="SET NULL"),
    sa.Column("created_at", TIMESTAMP, nullable=False, server_default=NOW),
    sa.CheckConstraint("octet_length(token_hash) = 32", name="token_hash_format"),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "user_id"),
)

# Who a user is at an external identity provider (OIDC ``iss`` and ``sub``).
external_identities = sa.Table(
    "external_identities",
    metadata,
    id_column(),
    fk("user_id", "users.id", ondelete="CASCADE", nullable=False),
    sa.Column("issuer", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("email", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False, server_default=NOW),
    sa.Column("last_seen_at", TIMESTAMP, nullable=False, server_default=NOW),
    sa.UniqueConstraint("issuer", "subject"),
    sa.Index(None, "user_id"),
)
