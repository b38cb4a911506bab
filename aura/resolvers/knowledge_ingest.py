"""`ingestKnowledgeSource`: a source's text into chunks, embedded once.

New chunks are stored ``index_pending`` (``aura.db.knowledge_index``): the background
indexer adds them to the vector index, and searches find them before that too.

Re-ingesting is incremental: a chunk is identified in its source by its content hash,
so chunks the source already has are kept (only their position is updated), chunks of
the old text that the new one lacks are deleted, and only new chunks are embedded, all
in one batched call to the provider. Nothing is written when the input is refused or
the provider fails: the request's transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import strawberry
from strawberry.types import Info

from aura import errors
from aura.ai.chunking import check_sizes, chunk_text, content_hash, count_tokens
from aura.ai.embedder import Embedder, check_answer, check_vector
from aura.db.sql.values import check_id, encodable
from aura.db.vectors import Packed
from aura.engine import crud
from aura.schema.knowledge import IngestKnowledgeSourceInput, IngestKnowledgeSourcePayload

MAX_CHUNKS = 10_000  # per ingest; a bigger source goes in several
_SOURCE_FIELDS = ("source_type", "source_id", "title", "url", "file_path", "author", "metadata")


@dataclass
class Piece:
    content: str
    content_hash: str
    token_count: int
    vector: Sequence[float] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def pieces_of(data: IngestKnowledgeSourceInput, dimension: int) -> list[Piece]:
    """The chunks to store, in order, duplicates dropped; vectors checked."""
    if (data.text is None) == (data.chunks is None):
        raise errors.BadUserInput("give exactly one of text and chunks", field="text")
    check_sizes(data.chunk_size, data.chunk_overlap)
    if data.text is not None:
        if not data.text.strip():
            raise errors.BadUserInput("text is empty", field="text")
        found = [
            Piece(c.content, c.content_hash, c.token_count)
            for c in chunk_text(data.text, size=data.chunk_size, overlap=data.chunk_overlap)
        ]
    else:
        found = []
        seen: set[str] = set()
        for i, chunk in enumerate(data.chunks or ()):
            content = chunk.content.strip()
            if not content:
                raise errors.BadUserInput(f"chunks[{i}].content is empty", field="chunks")
            digest = content_hash(content)
            if digest in seen:
                continue
            seen.add(digest)
            vector = chunk.client_embedding
            found.append(
                Piece(
                    content,
                    digest,
                    count_tokens(content),
                    None
                    if vector is None
                    else check_vector(vector, dimension, f"chunks[{i}].embedding"),
                    encodable(chunk.metadata or {}, f"chunks[{i}].metadata"),
                )
            )
    if len(found) > MAX_CHUNKS:
        raise errors.BadUserInput(
            f"{len(found)} chunks: at most {MAX_CHUNKS} per ingest", field="text"
        )
    return found


def _given(data: IngestKnowledgeSourceInput) -> dict[str, Any]:
    values = {}
    for name in _SOURCE_FIELDS:
        value = getattr(data, name)
        if value is strawberry.UNSET or (value is None and name in ("source_type", "title")):
            continue
        values[name] = value
    return values


async def _source(info: Info, data: IngestKnowledgeSourceInput) -> Any:
    """The source row: updated when named (by ``id``, or by its identity), else new."""
    values = _given(data)
    session = info.context.session
    source_id = data.id
    if source_id is None and data.project_id is not None and data.source_id is not None:
        source_id = await session.fetchval(
            "SELECT id FROM knowledge_sources WHERE project_id = $1::uuid"
            " AND source_type = $2 AND source_id = $3",
            check_id(data.project_id, "projectId"),
            data.source_type,
            data.source_id,
        )
    if source_id is not None:
        if data.project_id is not None and data.id is not None:
            values["project_id"] = check_id(data.project_id, "projectId")  # another: refused
        return await crud.update(info, "knowledge_sources", source_id, values)
    missing = [
        n
        for n, v in (
            ("projectId", data.project_id),
            ("sourceType", data.source_type),
            ("title", data.title),
        )
        if v is None
    ]
    if missing:
        raise errors.BadUserInput(
            f"a new source needs {', '.join(missing)} (or give the id of an existing one)",
            field=missing[0],
        )
    values["project_id"] = check_id(data.project_id, "projectId")
    return await crud.insert(info, "knowledge_sources", values)


_EXISTING = "SELECT content_hash FROM knowledge_chunks WHERE source_id = $1::uuid"
_DELETE = (
    "DELETE FROM knowledge_chunks WHERE source_id = $1::uuid"
    " AND NOT (content_hash = ANY($2::text[]))"
)
_REINDEX = """
UPDATE knowledge_chunks c SET chunk_index = v.position
FROM unnest($2::text[], $3::int[]) AS v(hash, position)
WHERE c.source_id = $1::uuid AND c.content_hash = v.hash AND c.chunk_index <> v.position
"""
_INSERT = """
INSERT INTO knowledge_chunks
  (source_id, chunk_index, content, content_hash, token_count, embedding, metadata,
   index_pending)
SELECT $1::uuid, v.*, $8::boolean FROM unnest($2::int[], $3::text[], $4::text[], $5::int[],
                                              $6::vector[], $7::jsonb[]) AS v
"""
# Whether the new chunks wait for the background indexer (and its job is queued in this
# transaction), or, the backlog being full, go into the vector index at once.
_DEFER = "SELECT aura.defer_knowledge_index($1::bigint)"
_INDEXED = "UPDATE knowledge_sources SET indexed_at = now() WHERE id = $1::uuid RETURNING *"


async def embed_missing(embedder: Embedder, pieces: list[Piece]) -> int:
    """Embed the pieces without a vector in one call; how many were embedded."""
    todo = [p for p in pieces if p.vector is None]
    if not todo:
        return 0
    vectors = await embedder.embed([p.content for p in todo])
    check_answer(vectors, len(todo), embedder.dimension, embedder.model)
    for piece, vector in zip(todo, vectors, strict=True):
        piece.vector = vector
    return len(todo)


async def ingest(
    info: Info, data: IngestKnowledgeSourceInput, embedder: Embedder
) -> IngestKnowledgeSourcePayload:
    pieces = pieces_of(data, embedder.dimension)
    source = await _source(info, data)
    session = info.context.session
    source_id = source["id"]
    existing = {r["content_hash"] for r in await session.fetch(_EXISTING, source_id)}
    hashes = [p.content_hash for p in pieces]
    removed = int((await session.execute(_DELETE, source_id, hashes)).split()[-1])
    kept = [(i, p) for i, p in enumerate(pieces) if p.content_hash in existing]
    if kept:
        await session.execute(
            _REINDEX, source_id, [p.content_hash for _, p in kept], [i for i, _ in kept]
        )
    new = [(i, p) for i, p in enumerate(pieces) if p.content_hash not in existing]
    embedded = await embed_missing(embedder, [p for _, p in new])
    if new:
        deferred = await session.fetchval(_DEFER, info.context.settings.knowledge_index_backlog)
        await session.execute(
            _INSERT,
            source_id,
            [i for i, _ in new],
            [p.content for _, p in new],
            [p.content_hash for _, p in new],
            [p.token_count for _, p in new],
            # every piece has its vector now (embed_missing)
            [Packed(cast(Sequence[float], p.vector)) for _, p in new],
            [p.metadata for _, p in new],
            deferred,
        )
    row = await session.fetchrow(_INDEXED, source_id)
    return IngestKnowledgeSourcePayload(
        source=crud.as_object("knowledge_sources", row),
        chunks_added=len(new),
        chunks_unchanged=len(kept),
        chunks_removed=removed,
        chunks_embedded=embedded,
    )
