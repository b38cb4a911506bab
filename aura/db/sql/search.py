"""A connection's ``search``: the full-text condition and rank over a table's document.

The query is parsed once per statement by ``websearch_to_tsquery`` (words, "quoted
phrases", -excluded, or), joined as ``__q``, so the condition and the rank share it.
Documents and their GIN indexes are in ``aura.db.tables.search``.
"""

from __future__ import annotations

from aura import errors
from aura.db.sql.params import Params
from aura.db.sql.values import encodable
from aura.db.tables.search import CONFIG, DOCUMENTS, document

QUERY = "__q"
RANK = "__rank"
# Longer queries are refused: a search is a few words, not a document.
MAX_LENGTH = 1000


def searchable(table: str) -> bool:
    return table in DOCUMENTS


def check(text: str) -> str:
    """The search text, or BAD_USER_INPUT for one that is blank or too long."""
    if not text.strip():
        raise errors.BadUserInput("search must contain at least one word")
    if len(text) > MAX_LENGTH:
        raise errors.BadUserInput(f"search is at most {MAX_LENGTH} characters, got {len(text)}")
    if "\x00" in text:
        raise errors.BadUserInput("search: the text holds a NUL character")
    encodable(text, "search")
    return text


def query(text: str, params: Params) -> str:
    """The FROM item holding the parsed query (a parameter of the statement)."""
    return f"websearch_to_tsquery('{CONFIG}'::regconfig, {params.add(text, 'text')}) AS {QUERY}"


def matches(table: str, alias: str) -> str:
    return f"{document(table, alias)} @@ {QUERY}"


def rank(table: str, alias: str) -> str:
    """How well a row matches (``ts_rank_cd``, cover density), larger is better."""
    return f"ts_rank_cd({document(table, alias)}, {QUERY})::float8"
