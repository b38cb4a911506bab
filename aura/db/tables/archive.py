"""Archive tables: where retention (``aura.db.retention``) moves rows past their age.

An archive has its source's columns, keys and foreign keys (a project's archived events
go with the project, as its live ones do), none of its defaults or checks (its rows are
copies of rows that passed them), and ``archived_at``.
"""

from __future__ import annotations

import sqlalchemy as sa

from aura.db.tables.base import NOW, metadata


def archive_of(source: sa.Table) -> sa.Table:
    """``<source>_archive``: the source's columns, plus when each row was archived."""
    columns = [
        sa.Column(
            c.name,
            c.type,
            *(sa.ForeignKey(f.target_fullname, ondelete=f.ondelete) for f in c.foreign_keys),
            primary_key=c.primary_key,
            nullable=c.nullable,
        )
        for c in source.columns
    ]
    name = f"{source.name}_archive"
    return sa.Table(
        name,
        metadata,
        *columns,
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Index(None, "project_id", "created_at"),
        sa.Index(None, "created_at"),
    )
