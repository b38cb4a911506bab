"""Knowledge sources and their chunks, and the input of `ingestKnowledgeSource`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from aura.ai.chunking import DEFAULT_OVERLAP, DEFAULT_SIZE, MAX_SIZE, MIN_SIZE
from aura.engine.relay import OrderBy, connection_field, entity_type, related_field
from aura.engine.scalars import Embedding
from aura.engine.scopes import in_domain
from aura.schema import docs
from aura.schema.common import lazy
from aura.schema.filters import (
    BooleanFilter,
    DateTimeFilter,
    IDFilter,
    IntFilter,
    JSONFilter,
    StringFilter,
)
from aura.schema.knowledge.shared import (
    HERE,
    VECTOR_DESCRIPTION,
    project_field,
    vector_field,
)

# -- sources -----------------------------------------------------------------------------


@entity_type("knowledge_sources", domain="knowledge")
@strawberry.type(
    description="Where knowledge comes from (a document, an issue, a web page, a chat), "
    "split into embedded chunks by `ingestKnowledgeSource`."
)
class KnowledgeSource:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    project_id: strawberry.ID = strawberry.field(description=docs.PROJECT_ID)
    source_type: str = strawberry.field(
        description="What kind of source it is, e.g. `document`, `issue`, `url`."
    )
    source_id: str | None = strawberry.field(
        description="Its identifier where it lives (a path, an issue number, …). Unique per "
        "project and `sourceType`: ingesting the same one again updates it."
    )
    title: str = strawberry.field(description="Display title.")
    url: str | None = strawberry.field(description="Where to read it, if online.")
    file_path: str | None = strawberry.field(description="Its file, if it is one.")
    author: str | None = strawberry.field(description="Who wrote it, if known.")
    metadata: JSON = strawberry.field(description=docs.METADATA)
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)
    indexed_at: datetime | None = strawberry.field(
        description="When its text was last ingested (chunked and embedded); null before."
    )

    project = project_field("knowledge_sources.project")
    chunks = connection_field(
        "knowledge_chunks",
        via="knowledge_sources.chunks",
        node=lazy("KnowledgeChunk", HERE),
        filter=lazy("KnowledgeChunkFilter", HERE),
        order=lazy("KnowledgeChunkOrderBy", HERE),
        description="The source's chunks, in text order.",
    )


@strawberry.input(description="Conditions on knowledge sources; all given fields must match.")
class KnowledgeSourceFilter:
    id: IDFilter | None = None
    project_id: IDFilter | None = None
    source_type: StringFilter | None = None
    source_id: StringFilter | None = None
    title: StringFilter | None = None
    author: StringFilter | None = None
    metadata: JSONFilter | None = None
    indexed_at: DateTimeFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[KnowledgeSourceFilter] | None = strawberry.field(default=None, name="and")
    or_: list[KnowledgeSourceFilter] | None = strawberry.field(default=None, name="or")
    not_: KnowledgeSourceFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields knowledge sources can be ordered by.")
class KnowledgeSourceOrderField(Enum):
    TITLE = "title"
    SOURCE_TYPE = "source_type"
    INDEXED_AT = "indexed_at"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for knowledge sources.")
class KnowledgeSourceOrderBy(OrderBy[KnowledgeSourceOrderField]):
    pass


@strawberry.input(
    description="A new knowledge source without text (add its text with `ingestKnowledgeSource`)."
)
class CreateKnowledgeSourceInput:
    project_id: strawberry.ID
    source_type: str
    title: str
    source_id: str | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    file_path: str | None = strawberry.UNSET
    author: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@strawberry.input(description="Changes to a knowledge source; omitted fields stay as they are.")
class UpdateKnowledgeSourceInput:
    source_type: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    source_id: str | None = strawberry.UNSET
    url: str | None = strawberry.UNSET
    file_path: str | None = strawberry.UNSET
    author: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


# -- chunks ------------------------------------------------------------------------------


@entity_type("knowledge_chunks", domain="knowledge")
@strawberry.type(
    description="A passage of a knowledge source with its embedding: what `searchKnowledge` finds."
)
class KnowledgeChunk:
    id: strawberry.ID = strawberry.field(description=docs.ID)
    source_id: strawberry.ID = strawberry.field(description="ID of its source (see `source`).")
    project_id: strawberry.ID = strawberry.field(
        description="ID of its project (its source's; see `project`)."
    )
    chunk_index: int = strawberry.field(description="Its position in the source, from 0.")
    content: str = strawberry.field(description="The passage's text.")
    content_hash: str = strawberry.field(
        description="SHA-256 of `content` (hex): identifies the passage in its source."
    )
    token_count: int = strawberry.field(
        description="Tokens in `content`, counted as words and punctuation marks."
    )
    metadata: JSON = strawberry.field(description=docs.METADATA)
    index_pending: bool = strawberry.field(
        description=(
            "True while the passage waits for the background indexer to add it to the "
            "vector index (seconds to minutes after a large ingest). Searches find it all "
            "the same: pending passages are compared with the query one by one."
        )
    )
    created_at: datetime = strawberry.field(description=docs.CREATED_AT)
    updated_at: datetime = strawberry.field(description=docs.UPDATED_AT)

    embedding = vector_field(
        "embedding",
        "The passage's embedding (as many numbers as the installation's dimension; ask for "
        "it only when you need it).",
    )
    project = project_field("knowledge_chunks.project")
    source = related_field(
        "knowledge_chunks.source",
        node=lazy("KnowledgeSource", HERE),
        required=True,
        description="The source the passage comes from.",
    )


@strawberry.input(description="Conditions on knowledge chunks; all given fields must match.")
class KnowledgeChunkFilter:
    id: IDFilter | None = None
    source_id: IDFilter | None = None
    project_id: IDFilter | None = None
    chunk_index: IntFilter | None = None
    content: StringFilter | None = None
    content_hash: StringFilter | None = None
    token_count: IntFilter | None = None
    metadata: JSONFilter | None = None
    index_pending: BooleanFilter | None = None
    created_at: DateTimeFilter | None = None
    and_: list[KnowledgeChunkFilter] | None = strawberry.field(default=None, name="and")
    or_: list[KnowledgeChunkFilter] | None = strawberry.field(default=None, name="or")
    not_: KnowledgeChunkFilter | None = strawberry.field(default=None, name="not")


@strawberry.enum(description="Fields knowledge chunks can be ordered by.")
class KnowledgeChunkOrderField(Enum):
    CHUNK_INDEX = "chunk_index"
    TOKEN_COUNT = "token_count"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@strawberry.input(description="One ordering term for knowledge chunks.")
class KnowledgeChunkOrderBy(OrderBy[KnowledgeChunkOrderField]):
    pass


@strawberry.input(
    description="A new chunk of a source. Its hash and token count are computed; its "
    "embedding too unless you give one."
)
class CreateKnowledgeChunkInput:
    source_id: strawberry.ID = strawberry.field(description="The source it belongs to.")
    content: str = strawberry.field(description="The passage's text (not blank).")
    chunk_index: int | None = strawberry.field(
        default=strawberry.UNSET, description="Its position; defaults to after the last chunk."
    )
    metadata: JSON | None = strawberry.UNSET
    client_embedding: Embedding | None = strawberry.field(
        default=strawberry.UNSET,
        name="embedding",
        description=f"Its embedding, computed by the installation's provider when omitted. "
        f"{VECTOR_DESCRIPTION}",
    )


@strawberry.input(
    description="Changes to a chunk; omitted fields stay as they are. A new `content` "
    "is re-hashed and re-embedded unless you give its embedding."
)
class UpdateKnowledgeChunkInput:
    content: str | None = strawberry.field(default=strawberry.UNSET, description="New text.")
    chunk_index: int | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    client_embedding: Embedding | None = strawberry.field(
        default=strawberry.UNSET,
        name="embedding",
        description=f"A new embedding. {VECTOR_DESCRIPTION}",
    )


# -- ingest ------------------------------------------------------------------------------


@strawberry.input(description="One chunk you split (and possibly embedded) yourself.")
class IngestChunkInput:
    content: str = strawberry.field(description="The passage's text (not blank).")
    client_embedding: Embedding | None = strawberry.field(
        default=None,
        name="embedding",
        description=f"Its embedding; computed by the installation's provider when omitted. "
        f"{VECTOR_DESCRIPTION}",
    )
    metadata: JSON | None = strawberry.field(default=None, description=docs.METADATA)


def _chunk_from_input(cls: type, value: Mapping[str, Any], context: object) -> Any:
    """An ``IngestChunkInput`` built at once: its fields are scalars that need no
    conversion, and Strawberry's generic one (per field, per chunk) took a fifth of an
    ingest's CPU time at 200 chunks per request."""
    return cls(
        content=value["content"],
        client_embedding=value.get("embedding"),
        metadata=value.get("metadata"),
    )


IngestChunkInput.__strawberry_definition__.from_input = _chunk_from_input  # type: ignore[attr-defined]


@strawberry.input(
    description="A source's text to index. Names an existing source by `id`, or by "
    "`projectId` + `sourceType` + `sourceId` (created when it does not exist yet); without "
    "either a new source is created. Give exactly one of `text` (Aura splits it) and "
    "`chunks` (already split)."
)
class IngestKnowledgeSourceInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing source to re-ingest."
    )
    project_id: strawberry.ID | None = strawberry.field(
        default=None, description="The project of a new source (required unless `id`)."
    )
    source_type: str | None = strawberry.field(
        default=None, description="Kind of source (required for a new source)."
    )
    source_id: str | None = strawberry.field(
        default=None, description="Its identifier where it lives; see `KnowledgeSource.sourceId`."
    )
    title: str | None = strawberry.field(
        default=None, description="Display title (required for a new source)."
    )
    url: str | None = strawberry.field(default=strawberry.UNSET, description="Where to read it.")
    file_path: str | None = strawberry.field(default=strawberry.UNSET, description="Its file.")
    author: str | None = strawberry.field(default=strawberry.UNSET, description="Who wrote it.")
    metadata: JSON | None = strawberry.field(default=strawberry.UNSET, description=docs.METADATA)
    text: str | None = strawberry.field(
        default=None,
        description="The whole text. Split into chunks of whole sentences, closing at "
        "paragraph breaks when the next paragraph does not fit.",
    )
    chunks: list[IngestChunkInput] | None = strawberry.field(
        default=None, description="The text already split into chunks, in order."
    )
    chunk_size: int = strawberry.field(
        default=DEFAULT_SIZE,
        description=f"Most tokens (words and punctuation marks) per chunk, {MIN_SIZE}-{MAX_SIZE}.",
    )
    chunk_overlap: int = strawberry.field(
        default=DEFAULT_OVERLAP,
        description="Most tokens of whole sentences each chunk repeats from the end of the "
        "previous one, 0 to half of `chunkSize`.",
    )


@in_domain("knowledge")
@strawberry.type(description="What `ingestKnowledgeSource` did.")
class IngestKnowledgeSourcePayload:
    source: KnowledgeSource = strawberry.field(description="The source, `indexedAt` now.")
    chunks_added: int = strawberry.field(description="New chunks stored (and embedded).")
    chunks_unchanged: int = strawberry.field(
        description="Chunks the source already had (same content hash): kept, not embedded."
    )
    chunks_removed: int = strawberry.field(
        description="Chunks of the previous text that the new one no longer has: deleted."
    )
    chunks_embedded: int = strawberry.field(
        description="Chunks embedded by the installation's provider (one batched call)."
    )
