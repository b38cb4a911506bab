"""Trusted documents: the GraphQL documents an installation runs in trusted-documents
mode (``AURA_TRUSTED_DOCUMENTS=1``), registered ahead of time by ``aura documents
register`` and keyed by the SHA-256 of their text.

An installation-level table, like the system settings: no tenant owns a document. Row
level security lets administrators read and change it and nobody else; requests (the
``aura_app`` role) are granted nothing but that. The server reads it as the owner.

Revision ID: 0015_documents
Revises: 0014_signin
"""

from collections.abc import Sequence

from alembic import op

from migrations.sql import run_script

revision: str = "0015_documents"
down_revision: str | None = "0014_signin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADMIN = "(SELECT aura.is_admin())"

UPGRADE = f"""
CREATE TABLE aura.trusted_documents (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{{64}}$'),
  body text NOT NULL CHECK (length(body) > 0),
  name text,
  created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE aura.trusted_documents IS
  'GraphQL documents allowed in trusted-documents mode, by the SHA-256 of their text';
ALTER TABLE aura.trusted_documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY trusted_documents_admin ON aura.trusted_documents FOR ALL
  USING ({_ADMIN}) WITH CHECK ({_ADMIN});
GRANT SELECT, INSERT, DELETE ON aura.trusted_documents TO aura_app;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS aura.trusted_documents")
