"""The knowledge demo: a source about Aura itself, chunked and embedded by the offline
embedder, and a few learnings, in the demo's ``aura-mvp`` project; so ``searchKnowledge``
answers in GraphiQL on a fresh ``make serve``.

The vectors have the dimension the database's columns were created with, whatever the
current setting.
"""

from __future__ import annotations

import asyncpg
from pgvector import Vector

from aura.ai.chunking import chunk_text
from aura.ai.offline import HashingEmbedder

PROJECT = "aura-mvp"

GUIDE = """\
Aura is a GraphQL API over PostgreSQL. Every request runs in one transaction as the \
calling user, and row-level security decides which rows that user may see. A missing \
or foreign row reads as null, never as an error.

Realtime subscriptions deliver changes in commit order. Each message carries a cursor; \
a client that reconnects with the last cursor it saw resumes without a gap or a \
duplicate. Slow consumers are disconnected rather than buffered without bound.

The knowledge base splits documents into chunks on sentence and paragraph boundaries. \
Each chunk is embedded and stored with pgvector in an HNSW index for cosine similarity \
search. Full-text search uses a generated tsvector column with a GIN index.

Hybrid search fuses the vector ranking and the full-text ranking by reciprocal rank \
fusion. A chunk ranked high by both methods comes first; a chunk found by only one \
still appears.

Tenant filters starve approximate nearest-neighbour search: the index returns its \
nearest rows first and row-level security drops the foreign ones afterwards. Aura \
counts the visible rows, scans them exactly when they are few, and otherwise lets \
pgvector scan the index iteratively until enough visible rows were found.

Secrets are sealed with envelope encryption. The master key lives only in the \
environment; the database holds wrapped data keys and ciphertexts, never a plaintext.
"""

# (title, content, type, category, confidence, impact, tags)
LEARNINGS = [
    (
        "Filter before ranking in vector search",
        "An HNSW scan followed by a tenant filter returns too few rows; count the visible "
        "rows and scan exactly when they are few, iteratively otherwise.",
        "pitfall",
        "database",
        0.9,
        "HIGH",
        ["pgvector", "rls", "search"],
    ),
    (
        "Resume subscriptions with the last cursor",
        "Clients that store the cursor of the last message they processed can reconnect "
        "without missing or repeating a change.",
        "pattern",
        "realtime",
        0.8,
        "MEDIUM",
        ["realtime", "websocket"],
    ),
    (
        "Embed chunks in one batched call",
        "Embedding providers answer a batch of texts almost as fast as one text; send all "
        "new chunks of a document together and skip the unchanged ones by content hash.",
        "insight",
        "performance",
        0.7,
        "MEDIUM",
        ["embeddings", "ingest"],
    ),
]

_DIMENSION = (
    "SELECT atttypmod FROM pg_attribute WHERE attrelid = 'knowledge_chunks'::regclass"
    " AND attname = 'embedding'"
)


async def load(conn: asyncpg.Connection) -> None:
    project = await conn.fetchval("SELECT id FROM projects WHERE name = $1", PROJECT)
    embedder = HashingEmbedder(await conn.fetchval(_DIMENSION))
    source = await conn.fetchval(
        "INSERT INTO knowledge_sources (project_id, source_type, source_id, title, author,"
        " indexed_at) VALUES ($1, 'document', 'docs/architecture.md', 'Aura architecture"
        " notes', 'Aura team', now()) RETURNING id",
        project,
    )
    chunks = chunk_text(GUIDE, size=60, overlap=12)
    vectors = await embedder.embed([c.content for c in chunks])
    await conn.executemany(
        "INSERT INTO knowledge_chunks (source_id, chunk_index, content, content_hash,"
        " token_count, embedding) VALUES ($1, $2, $3, $4, $5, $6)",
        [
            (source, c.index, c.content, c.content_hash, c.token_count, Vector(v))
            for c, v in zip(chunks, vectors, strict=True)
        ],
    )
    for title, content, kind, category, confidence, impact, tags in LEARNINGS:
        (vector,) = await embedder.embed([f"{title}\n\n{content}"])
        await conn.execute(
            "INSERT INTO learnings (project_id, title, content, learning_type, category,"
            " confidence_score, impact_level, tags, embedding, verified)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, true)",
            project,
            title,
            content,
            kind,
            category,
            confidence,
            impact,
            tags,
            Vector(vector),
        )
