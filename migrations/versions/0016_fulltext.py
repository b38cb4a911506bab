"""Full-text search: a GIN index on each searchable table's document (its ``tsvector``
expression, as ``aura.db.tables.search`` writes it when this revision was made), for the
connections' ``search`` argument. Expression indexes: the rows stay as they were.

Revision ID: 0016_fulltext
Revises: 0015_documents
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_fulltext"
down_revision: str | None = "0015_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DOCUMENTS = {
    "tasks": "((setweight(to_tsvector('english'::regconfig, COALESCE(key, '')), 'A') || setweight(to_tsvector('english'::regconfig, title), 'A')) || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B'))",
    "issues": "(setweight(to_tsvector('english'::regconfig, title), 'A') || setweight(to_tsvector('english'::regconfig, COALESCE(description, '')), 'B'))",
    "comments": "to_tsvector('english'::regconfig, content)",
    "events": "(setweight(to_tsvector('english'::regconfig, replace(event_type, '.', ' ')), 'A') || setweight(jsonb_to_tsvector('english'::regconfig, payload, '[\"string\"]'::jsonb), 'B'))",
    "execution_logs": "(setweight(to_tsvector('english'::regconfig, message), 'A') || setweight(to_tsvector('english'::regconfig, COALESCE(step, '')), 'B'))",
}


def upgrade() -> None:
    for table, document in DOCUMENTS.items():
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (({document}))")


def downgrade() -> None:
    for table in DOCUMENTS:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
