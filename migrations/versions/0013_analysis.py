"""Analytics jobs on the change stream: their progress reaches subscribers
(``analyticsJobChanged``), as ingest jobs' does.

Revision ID: 0013_analysis
Revises: 0012_knowledge
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_analysis"
down_revision: str | None = "0012_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE CONSTRAINT TRIGGER t99_stream AFTER INSERT OR UPDATE OR DELETE ON analytics_jobs "
        "DEFERRABLE INITIALLY DEFERRED "
        "FOR EACH ROW EXECUTE FUNCTION aura.stream_append('snapshot')"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS t99_stream ON analytics_jobs")
    op.execute("DELETE FROM aura.stream WHERE source = 'analytics_jobs'")
