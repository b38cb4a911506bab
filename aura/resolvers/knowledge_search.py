"""Nearest-neighbour, full-text and hybrid search over the knowledge tables, complete
under row-level security, and the search log.

Completeness. Row-level security filters the rows an HNSW index scan returns *after*
the scan; with pgvector's defaults (``ef_search`` 40, no iterative scan) a caller who
sees 10 % of the rows gets about 4 of the 10 nearest. Here every vector search
1. counts the caller's candidate rows up to ``EXACT_SCAN_ROWS`` (an index-served count
   that stops there); below it, an exact scan of those rows (their distances computed,
   sorted: the true answer, and cheap for so few rows);
2. otherwise scans the HNSW index *iteratively* (pgvector 0.8 ``hnsw.iterative_scan =
   strict_order``: the scan goes on past ``ef_search`` until ``limit`` rows passed the
   filters, in exact distance order, up to ``hnsw.max_scan_tuples`` index tuples), and
   the chunks still waiting for the background indexer exactly (``PENDING``);
3. and when that scan still came back short (the budget ran out before ``limit`` visible
   rows passed), answers with the exact scan.
So a search returns ``limit`` rows whenever that many visible rows match, and when the
visible set is small it returns exactly the true nearest ones.

Steps 1 and 2 are one statement (one-time filters on the count decide which part runs),
so a search costs three round trips: its settings, the search, the log (the rare step 3
a fourth).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from pgvector import Vector

from aura.db.mapping import entity
from aura.db.session import Session
from aura.db.sql import filters
from aura.db.sql.params import Params

ALIAS = "t"
MAX_LIMIT = 100
# Fewer candidate rows than this: an exact scan. Measured at dimension 384 (20,000 rows):
# the exact scan of a 2,000-row share takes about 4 ms, as long as the iterative index
# scan for it; below, exact is cheaper and always right.
EXACT_SCAN_ROWS = 2_000
# The HNSW candidate list: 100 gave recall@10 0.93 for a 10 % share at the exact-scan
# threshold (2,000 of 20,000 rows, bench/knowledge.py), 200 gives 0.96.
EF_SEARCH = 200
# Index tuples an iterative scan may visit before giving up (then: the exact scan).
MAX_SCAN_TUPLES = 40_000
# Reciprocal rank fusion (Cormack et al. 2009): score = sum of 1 / (RRF_K + rank).
RRF_K = 60
# Each ranking HYBRID fuses holds this many rows (at least ``limit``).
HYBRID_CANDIDATES = 50
TEXT_SEARCH_CONFIG = "english"


@dataclass(frozen=True)
class Scope:
    """Which rows of a table a search considers: SQL conditions on alias ``t`` (the
    caller's filters; row-level security adds the rest) and their parameters. A
    statement's own parameters (the query vector, …) follow them."""

    table: str
    conditions: tuple[str, ...]
    params: tuple[Any, ...]

    def where(self) -> str:
        return " AND ".join(self.conditions) or "TRUE"

    def next_param(self, offset: int = 1) -> str:
        return f"${len(self.params) + offset}"


def scope(table: str, *, filter_: Any = None, equal: dict[str, Any] | None = None) -> Scope:
    """The rows of ``table`` whose columns equal ``equal`` (None values ignored) and that
    match the filter input ``filter_``."""
    params = Params()
    conditions: list[str] = []
    target = entity(table)
    for column, value in (equal or {}).items():
        if value is not None:
            conditions.append(f"{ALIAS}.{column} = {params.add(value, target.sql_types[column])}")
    condition = filters.where(target, ALIAS, filter_, params)
    if condition:
        conditions.append(f"({condition})")
    return Scope(table, tuple(conditions), tuple(params.values))


def also(where: Scope, condition: str, *params: Any) -> Scope:
    """``where`` and ``condition``, whose placeholders follow ``where``'s."""
    return Scope(where.table, (*where.conditions, condition), (*where.params, *params))


# -- vector search -----------------------------------------------------------------------

# One statement: the caller's candidates counted up to ``cap`` (an index-only count that
# stops there), then, gated on that count by one-time filters so that only one of them
# runs, either their exact nearest rows (every distance computed, in a CTE the index
# cannot serve) or the iterative HNSW scan (the subquery the index serves: ORDER BY the
# distance alone). Always one row at least: with no rows to return, one of nulls that
# carries the count.
_NEAREST = """
WITH total AS MATERIALIZED (
  SELECT count(*) AS n FROM (
    SELECT FROM {table} t WHERE {where} ORDER BY t.project_id LIMIT {cap}
  ) c
), distances AS MATERIALIZED (
  SELECT t.id, t.embedding <=> {vector}::vector AS distance
  FROM {table} t WHERE {where} AND (SELECT n FROM total) < {cap}
), nearest AS MATERIALIZED (
  (SELECT id, distance FROM distances ORDER BY distance, id LIMIT {limit})
  UNION ALL
  (SELECT t.id, t.embedding <=> {vector}::vector AS distance
   FROM {table} t WHERE {where}{indexed} AND (SELECT n FROM total) >= {cap}
   ORDER BY t.embedding <=> {vector}::vector LIMIT {limit}){pending}
)
SELECT total.n AS candidates, r.*
FROM total LEFT JOIN LATERAL (
  SELECT t.*, 1 - n.distance AS similarity, n.distance
  FROM nearest n JOIN {table} t ON t.id = n.id
  ORDER BY n.distance, n.id LIMIT {limit}
) r ON true
ORDER BY r.distance, r.id
"""

# Tables whose rows wait for the background indexer (``aura.db.knowledge_index``): the
# column that says so. Their HNSW index holds only the rows without it; the index scan
# is joined by an exact scan of the pending rows (found by a partial index of their own),
# and the nearest of both win.
PENDING = {"knowledge_chunks": "index_pending"}
_PENDING = """
  UNION ALL
  (SELECT t.id, t.embedding <=> {vector}::vector AS distance
   FROM {table} t WHERE {where} AND t.{flag} AND (SELECT n FROM total) >= {cap}
   ORDER BY 2, 1 LIMIT {limit})"""

_EXACT = """
WITH distances AS MATERIALIZED (
  SELECT t.id, t.embedding <=> {vector}::vector AS distance FROM {table} t WHERE {where}
), nearest AS (
  SELECT id, distance FROM distances ORDER BY distance, id LIMIT {limit}
)
SELECT t.*, 1 - n.distance AS similarity
FROM nearest n JOIN {table} t ON t.id = n.id
ORDER BY n.distance, t.id
"""

# The search's settings (transaction-local) and the projects the caller sees, in one
# round trip. Custom plans: the planner then sees the caller's projects (their share of
# the rows, from the column statistics) and picks the project index for a small share.
_PREPARE = (
    "SELECT set_config('hnsw.iterative_scan', 'strict_order', true),"
    " set_config('hnsw.ef_search', $1, true), set_config('hnsw.max_scan_tuples', $2, true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true),"
    " (SELECT coalesce(array_agg(id), '{}'::uuid[]) FROM projects) AS projects"
)


async def nearest(
    session: Session, where: Scope, vector: Sequence[float] | Vector, limit: int
) -> list[asyncpg.Record]:
    """The ``limit`` rows of ``where`` nearest to ``vector`` (cosine), nearest first, each
    with its ``similarity``; complete under row-level security (see the module)."""
    ef_search = min(1000, max(EF_SEARCH, 2 * limit))
    prepared = await session.fetchrow(_PREPARE, str(ef_search), str(MAX_SCAN_TUPLES))
    # The knowledge tables' policy is their project's visibility, so this condition selects
    # exactly the rows row-level security lets through; stated, the planner can use it.
    projects = prepared["projects"] if prepared is not None else []
    where = also(where, f"t.project_id = ANY({where.next_param()}::uuid[])", projects)
    sql = {
        "table": where.table,
        "where": where.where(),
        "limit": int(limit),
        "vector": where.next_param(),
    }
    args = (*where.params, vector)
    flag = PENDING.get(where.table)
    parts = {"indexed": "", "pending": ""}
    if flag is not None:
        parts = {
            "indexed": f" AND NOT t.{flag}",
            "pending": _PENDING.format(flag=flag, cap=EXACT_SCAN_ROWS, **sql),
        }
    found = await session.fetch(_NEAREST.format(cap=EXACT_SCAN_ROWS, **sql, **parts), *args)
    rows = [r for r in found if r["id"] is not None]
    if found[0]["candidates"] >= EXACT_SCAN_ROWS and len(rows) < limit:
        # The iterative scan's budget ran out before ``limit`` visible rows passed.
        rows = await session.fetch(_EXACT.format(**sql), *args)
    return rows


# -- full-text search --------------------------------------------------------------------

_TEXT = """
SELECT t.*, ts_rank_cd(t.search_vector, q) AS text_rank,
       {similarity} AS similarity
FROM {table} t, websearch_to_tsquery('{config}', {query}::text) q
WHERE t.search_vector @@ q AND {where}
ORDER BY text_rank DESC, t.id
LIMIT {limit}
"""


async def by_text(
    session: Session, where: Scope, query: str, vector: Sequence[float] | Vector | None, limit: int
) -> list[asyncpg.Record]:
    """The ``limit`` rows of ``where`` whose full-text vector best matches ``query``
    (``ts_rank_cd``), best first; with ``vector``, each with its similarity too."""
    similarity = "0::float8"
    args: list[Any] = [*where.params, query]
    if vector is not None:
        args.append(vector)
        similarity = f"1 - (t.embedding <=> {where.next_param(2)}::vector)"
    sql = _TEXT.format(
        table=where.table,
        where=where.where(),
        limit=int(limit),
        similarity=similarity,
        config=TEXT_SEARCH_CONFIG,
        query=where.next_param(),
    )
    return await session.fetch(sql, *args)


# -- hybrid ------------------------------------------------------------------------------


@dataclass
class Hit:
    row: Any
    similarity: float
    text_rank: float | None = None
    vector_position: int | None = None
    text_position: int | None = None
    score: float = 0.0


def fuse(vector_rows: Sequence[Any], text_rows: Sequence[Any], limit: int) -> list[Hit]:
    """Reciprocal rank fusion: score = Σ 1/(RRF_K + position) over the rankings a row is
    in (positions from 1); ties go to the more similar row, then the smaller ID."""
    hits: dict[str, Hit] = {}
    for position, row in enumerate(vector_rows, 1):
        hits[row["id"]] = Hit(row, row["similarity"], vector_position=position)
    for position, row in enumerate(text_rows, 1):
        hit = hits.setdefault(row["id"], Hit(row, row["similarity"]))
        hit.text_rank = row["text_rank"]
        hit.text_position = position
    for hit in hits.values():
        hit.score = sum(
            1.0 / (RRF_K + p) for p in (hit.vector_position, hit.text_position) if p is not None
        )
    ranked = sorted(hits.values(), key=lambda h: (-h.score, -h.similarity, h.row["id"]))
    return ranked[:limit]


# -- the log -----------------------------------------------------------------------------

# The log is analytics: a search does not wait for its row to reach the disk (a crash may
# lose the last moments of the log, never anything else: searches write nothing else).
# The setting is transaction-local and read at commit, so the insert itself sets it, and
# the log costs one round trip.
_LOG = """
INSERT INTO search_queries (project_id, query_text, query_embedding, search_type,
                            result_count, top_result_id, top_result_similarity, filters,
                            metadata)
SELECT $1::uuid, $2::text, $3::vector, $4::text, $5::int, $6::uuid, $7::float8,
       $8::jsonb, $9::jsonb
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous
RETURNING id
"""


@dataclass(frozen=True)
class Logged:
    project_id: str | None
    query_text: str | None
    vector: Sequence[float] | Vector | None
    search_type: str
    result_count: int
    top_result_id: str | None
    top_similarity: float | None
    arguments: dict[str, Any]
    metadata: dict[str, Any]


async def log(session: Session, search: Logged) -> str:
    return str(
        await session.fetchval(
            _LOG,
            search.project_id,
            search.query_text,
            search.vector,  # the codec (aura.db.vectors) takes any sequence of numbers
            search.search_type,
            search.result_count,
            search.top_result_id,
            search.top_similarity,
            orjson.loads(orjson.dumps(search.arguments, default=str)),
            search.metadata,
        )
    )
