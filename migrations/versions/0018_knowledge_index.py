"""Knowledge chunks indexed in the background: ``knowledge_chunks.index_pending``, the
HNSW index partial on indexed chunks, a partial index that finds the pending ones, the
backlog count and the indexing job's queue entry, a chunk trigger that does not turn
the embedding into JSON, and seed 002's search function over both parts.

The HNSW index is built again (partial), which takes as long as building it did and
blocks writes to the chunks meanwhile.

Revision ID: 0018_knowledge_index
Revises: 0017_retention
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.sql import knowledge_index as sql
from migrations.sql import run_script

revision: str = "0018_knowledge_index"
down_revision: str | None = "0017_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HNSW = "ix_knowledge_chunks_embedding_hnsw"


def _hnsw(where: str | None) -> None:
    op.create_index(
        HNSW,
        "knowledge_chunks",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_ops={"embedding": "vector_cosine_ops"},
        postgresql_where=None if where is None else sa.text(where),
    )


def upgrade() -> None:
    op.add_column(
        "knowledge_chunks",
        sa.Column("index_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.drop_index(HNSW, table_name="knowledge_chunks")
    _hnsw("NOT index_pending")
    op.create_index(
        "ix_knowledge_chunks_index_pending",
        "knowledge_chunks",
        ["project_id"],
        unique=False,
        postgresql_where=sa.text("index_pending"),
    )
    run_script(sql.UPGRADE)


def downgrade() -> None:
    run_script(sql.DOWNGRADE)
    op.drop_index("ix_knowledge_chunks_index_pending", table_name="knowledge_chunks")
    op.drop_index(HNSW, table_name="knowledge_chunks")
    op.drop_column("knowledge_chunks", "index_pending")
    _hnsw(None)
