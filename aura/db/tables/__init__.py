"""SQLAlchemy Core tables, one module per domain: the single description of columns.

Alembic compares migrations against ``metadata``; the SQL builders and the entity
mapping read column names and types from the same objects. Views are described as
tables too (``info={"view": True}``) so the builders can select from them, but
Alembic leaves them to the hand-written SQL in the migrations.

A domain's module adds its tables to ``metadata`` when it is imported; ``aura.domains``
imports every domain's, so read the complete metadata from there
(``from aura.domains import metadata``), as Alembic's environment does.
"""

from aura.db.tables.base import metadata

__all__ = ["metadata"]
