"""Realtime: the commit-ordered change stream (aura.stream) that subscriptions read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

from migrations.sql import realtime as sql
from migrations.sql import run_script

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    run_script(sql.AFTER_TABLES)


def downgrade() -> None:
    run_script(sql.DROP)
