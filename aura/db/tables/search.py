"""Full-text search documents: what a connection's ``search`` argument matches.

Each searchable table has one ``tsvector`` expression, its document, with a GIN index
on exactly that expression (migration 0016_fulltext), so a search is an index scan. An
expression index rather than a stored column keeps the rows (and the change stream's
snapshots of them) as they were. Knowledge chunks already carry a generated
``search_vector`` (migration 0012) under the same text search configuration; their
document is that column, and its index is theirs.

Titles, keys and event types weigh more (``A``) than bodies (``B``) in the ranking.
"""

from __future__ import annotations

import sqlalchemy as sa

# The configuration of every document and query; the knowledge chunks' is the same
# (``aura.db.tables.knowledge.TEXT_SEARCH_CONFIG``, checked by tests/test_search.py).
CONFIG = "english"

_C = f"'{CONFIG}'::regconfig"

# table → its document, with ``{t}`` where a column reference's qualifier goes
DOCUMENTS: dict[str, str] = {
    "tasks": (
        f"((setweight(to_tsvector({_C}, COALESCE({{t}}key, '')), 'A') || "
        f"setweight(to_tsvector({_C}, {{t}}title), 'A')) || "
        f"setweight(to_tsvector({_C}, COALESCE({{t}}description, '')), 'B'))"
    ),
    "issues": (
        f"(setweight(to_tsvector({_C}, {{t}}title), 'A') || "
        f"setweight(to_tsvector({_C}, COALESCE({{t}}description, '')), 'B'))"
    ),
    "comments": f"to_tsvector({_C}, {{t}}content)",
    "events": (
        f"(setweight(to_tsvector({_C}, replace({{t}}event_type, '.', ' ')), 'A') || "
        f"setweight(jsonb_to_tsvector({_C}, {{t}}payload, '[\"string\"]'::jsonb), 'B'))"
    ),
    "execution_logs": (
        f"(setweight(to_tsvector({_C}, {{t}}message), 'A') || "
        f"setweight(to_tsvector({_C}, COALESCE({{t}}step, '')), 'B'))"
    ),
    # the generated column of migration 0012, and its index
    "knowledge_chunks": "{t}search_vector",
}

# Tables whose index this module declares (knowledge declares its own).
INDEXED = tuple(t for t in DOCUMENTS if t != "knowledge_chunks")


def document(table: str, alias: str) -> str | None:
    """The table's document with its columns qualified by ``alias``; None when the table
    is not searchable."""
    template = DOCUMENTS.get(table)
    return None if template is None else template.format(t=f"{alias}.")


def index_name(table: str) -> str:
    return f"ix_{table}_search"


def search_index(table: str) -> sa.Index:
    """The GIN index on ``table``'s document, for its table definition."""
    return sa.Index(
        index_name(table), sa.text(DOCUMENTS[table].format(t="")), postgresql_using="gin"
    )
