"""Seed gaps: the secret templates and the indexes seeds 001 and 002 name.

- Secret templates (API key, database URL, JWT secret, SSH private key, OAuth client
  secret, webhook secret, TLS certificate and key, password, …), each with a validation
  pattern the vault enforces and a rotation interval (migrations/sql/seed_gaps.py).
  Inserted only where no template of that name exists; the downgrade deletes exactly
  the rows this revision inserted (marked ``metadata.seed = "0008_seed_gaps"``), and
  secrets that used them keep their values and lose the template (ON DELETE SET NULL).
- Indexes the seeds list that were missing: tasks(type), tasks(order_index),
  tasks(created_at), issues(priority), issues(github_id), artifacts(user_id),
  artifacts(created_at), checkpoints(created_at), decisions(created_at). Seed 001 writes
  the created_at ones DESC; a B-tree serves both directions alike for one column, so
  they are plain ascending indexes.

Revision ID: 0008_seed_gaps
Revises: 0007_session_dates
"""

from collections.abc import Sequence

from alembic import op

from migrations.sql import run_script
from migrations.sql.seed_gaps import DELETE_TEMPLATES, insert_templates

revision: str = "0008_seed_gaps"
down_revision: str | None = "0007_session_dates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("tasks", "type"),
    ("tasks", "order_index"),
    ("tasks", "created_at"),
    ("issues", "priority"),
    ("issues", "github_id"),
    ("artifacts", "user_id"),
    ("artifacts", "created_at"),
    ("checkpoints", "created_at"),
    ("decisions", "created_at"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
    run_script(insert_templates())


def downgrade() -> None:
    run_script(DELETE_TEMPLATES)
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
