"""Sign-in: passwords (argon2id), one-time reset tokens, external identities (OIDC), and
``mustResetPassword`` enforced when a request opens.

Revision ID: 0014_signin
Revises: 0013_analysis
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.sql import run_script
from migrations.sql import signin as sql

revision: str = "0014_signin"
down_revision: str | None = "0013_analysis"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.UUID(as_uuid=False)
TIMESTAMP = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def _user_fk(table: str, column: str = "user_id", ondelete: str = "CASCADE"):
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "user_credentials",
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("changed_at", TIMESTAMP, server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "password_hash LIKE '$argon2id$%'", name=op.f("ck_user_credentials_argon2id")
        ),
        _user_fk("user_credentials"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_credentials")),
    )
    op.create_table(
        "password_reset_tokens",
        sa.Column("id", UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("used_at", TIMESTAMP, nullable=True),
        sa.Column("created_by", UUID, nullable=True),
        sa.Column("created_at", TIMESTAMP, server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "octet_length(token_hash) = 32", name=op.f("ck_password_reset_tokens_token_hash_format")
        ),
        _user_fk("password_reset_tokens"),
        _user_fk("password_reset_tokens", "created_by", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    op.create_index(op.f("ix_password_reset_tokens_user_id"), "password_reset_tokens", ["user_id"])
    op.create_table(
        "external_identities",
        sa.Column("id", UUID, server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, server_default=NOW, nullable=False),
        sa.Column("last_seen_at", TIMESTAMP, server_default=NOW, nullable=False),
        _user_fk("external_identities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        sa.UniqueConstraint(
            "issuer", "subject", name=op.f("uq_external_identities_issuer_subject")
        ),
    )
    op.create_index(op.f("ix_external_identities_user_id"), "external_identities", ["user_id"])
    run_script(sql.UPGRADE)


def downgrade() -> None:
    run_script(sql.DOWNGRADE)
    run_script(sql.PREVIOUS)
    op.drop_index(op.f("ix_external_identities_user_id"), table_name="external_identities")
    op.drop_table("external_identities")
    op.drop_index(op.f("ix_password_reset_tokens_user_id"), table_name="password_reset_tokens")
    op.drop_table("password_reset_tokens")
    op.drop_table("user_credentials")
