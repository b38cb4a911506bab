"""Knowledge domain: sources and chunks (ingest), learnings and their applications,
vector / full-text / hybrid search and the search log, the seed 002 views.

Embeddings come from one place, ``_embedder`` (the installation's provider);
client-supplied vectors are checked (``aura.ai.embedder.check_vector``) and never
embedded again. Searches are complete
under row-level security (``aura.resolvers.knowledge_search``) and logged in
``search_queries`` in the request's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from pgvector import Vector
from strawberry.types import Info

from aura import errors
from aura.ai.chunking import content_hash, count_tokens
from aura.ai.embedder import Embedder, check_vector
from aura.db.mapping import entity
from aura.db.sql.values import check_id
from aura.engine import crud
from aura.engine.crud import CREATE_INPUT, UPDATE_INPUT
from aura.engine.relay import ID_ARGUMENT, by_id_field, connection_field
from aura.engine.scalars import Embedding
from aura.resolvers import knowledge_search as search
from aura.resolvers.knowledge_ingest import ingest
from aura.schema.knowledge import (
    CreateKnowledgeChunkInput,
    CreateKnowledgeSourceInput,
    CreateLearningApplicationInput,
    CreateLearningInput,
    CreateLearningPayload,
    IngestKnowledgeSourceInput,
    IngestKnowledgeSourcePayload,
    KnowledgeChunk,
    KnowledgeChunkFilter,
    KnowledgeChunkOrderBy,
    KnowledgeCoverage,
    KnowledgeCoverageFilter,
    KnowledgeCoverageOrderBy,
    KnowledgeSearchHit,
    KnowledgeSearchResult,
    KnowledgeSource,
    KnowledgeSourceFilter,
    KnowledgeSourceOrderBy,
    Learning,
    LearningApplication,
    LearningApplicationFilter,
    LearningApplicationOrderBy,
    LearningEffectiveness,
    LearningEffectivenessFilter,
    LearningEffectivenessOrderBy,
    LearningFilter,
    LearningMatch,
    LearningOrderBy,
    LearningSearchResult,
    PopularSearchQuery,
    PopularSearchQueryFilter,
    PopularSearchQueryOrderBy,
    SearchFeedback,
    SearchMode,
    SearchQuery,
    SearchQueryFilter,
    SearchQueryOrderBy,
    UpdateKnowledgeChunkInput,
    UpdateKnowledgeSourceInput,
    UpdateLearningApplicationInput,
    UpdateLearningInput,
)

# Learnings at least this similar to a new one are listed as likely duplicates.
DUPLICATE_SIMILARITY = 0.9
DEFAULT_LIMIT = 10


async def _embedder(info: Info) -> Embedder:
    """The installation's embedding provider (system settings; the offline embedder
    unless they name another)."""
    return await info.context.embedder()


async def _embed_one(info: Info, text: str) -> list[float]:
    embedder = await _embedder(info)
    vectors = await embedder.embed([text])
    return vectors[0]


def _dimension(info: Info) -> int:
    return int(info.context.settings.embedding_dimension)


# -- arguments ---------------------------------------------------------------------------

QueryArg = Annotated[
    str | None,
    strawberry.argument(description="The query's text (embedded unless `embedding` is given)."),
]
EmbeddingArg = Annotated[
    Embedding | None,
    strawberry.argument(
        description="The query's embedding, instead of (or besides) its text: exactly the "
        "installation's dimension, all finite."
    ),
]
ProjectArg = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description="Search this project only (NOT_FOUND when you cannot see it); omitted: "
        "every project you see."
    ),
]
LimitArg = Annotated[
    int, strawberry.argument(description=f"How many results, 1-{search.MAX_LIMIT}.")
]
MinSimilarityArg = Annotated[
    float | None,
    strawberry.argument(
        description="Leave out results whose cosine similarity to the query is below this "
        "(-1 to 1; not applied to TEXT searches)."
    ),
]


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= search.MAX_LIMIT:
        raise errors.BadUserInput(f"limit must be between 1 and {search.MAX_LIMIT}", field="limit")
    return limit


def _check_min(value: float | None, name: str = "minSimilarity") -> float | None:
    if value is not None and not -1.0 <= value <= 1.0:
        raise errors.BadUserInput(f"{name} must be between -1 and 1", field=name)
    return value


def _check_query(query: str | None) -> str | None:
    if query is not None and not query.strip():
        raise errors.BadUserInput("query is empty", field="query")
    return query.strip() if query is not None else None


async def _query_vector(info: Info, query: str | None, embedding: Any) -> Sequence[float]:
    if embedding is not None:
        return check_vector(embedding, _dimension(info), "embedding")
    if query is None:
        raise errors.BadUserInput("give a query or an embedding", field="query")
    return await _embed_one(info, query)


async def _visible_project(info: Info, project_id: strawberry.ID | None) -> str | None:
    if project_id is None:
        return None
    key = check_id(project_id, "projectId")
    if await info.context.session.fetchval("SELECT 1 FROM projects WHERE id = $1::uuid", key):
        return key
    raise errors.NotFound(f"no project with id {key}")


def _plain(value: Any) -> Any:
    """An input object (a filter) as JSON for the log; unset and null fields left out."""
    if hasattr(value, "__dataclass_fields__"):
        return {
            k.rstrip("_"): _plain(v)
            for k, v in vars(value).items()
            if v is not None and v is not strawberry.UNSET
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)


def _above(rows: list[Any], min_similarity: float | None) -> list[Any]:
    if min_similarity is None:
        return rows
    return [r for r in rows if r["similarity"] >= min_similarity]


# -- searches ----------------------------------------------------------------------------


async def _search_knowledge(
    info: Info,
    query: str | None,
    embedding: Any,
    project_id: strawberry.ID | None,
    limit: int,
    min_similarity: float | None,
    filter: Any,
    mode: SearchMode,
) -> KnowledgeSearchResult:
    query = _check_query(query)
    _check_limit(limit)
    _check_min(min_similarity)
    if mode is not SearchMode.VECTOR and query is None:
        raise errors.BadUserInput(f"a {mode.name} search needs a query text", field="query")
    vector = None if mode is SearchMode.TEXT else await _query_vector(info, query, embedding)
    project = await _visible_project(info, project_id)
    session = info.context.session
    where = search.scope("knowledge_chunks", filter_=filter, equal={"project_id": project})
    if mode is SearchMode.TEXT:
        rows = await search.by_text(session, where, query or "", None, limit)
        hits = [
            search.Hit(r, 0.0, r["text_rank"], None, i, r["text_rank"])
            for i, r in enumerate(rows, 1)
        ]
    elif mode is SearchMode.VECTOR:
        assert vector is not None
        rows = _above(await search.nearest(session, where, vector, limit), min_similarity)
        hits = [
            search.Hit(r, r["similarity"], None, i, None, r["similarity"])
            for i, r in enumerate(rows, 1)
        ]
    else:
        assert vector is not None
        candidates = max(limit, search.HYBRID_CANDIDATES)
        by_vector = _above(await search.nearest(session, where, vector, candidates), min_similarity)
        by_text = await search.by_text(session, where, query or "", vector, candidates)
        hits = search.fuse(by_vector, by_text, limit)
    top = hits[0] if hits else None
    query_id = await search.log(
        session,
        search.Logged(
            project_id=project,
            query_text=query,
            vector=vector,
            search_type=mode.name,
            result_count=len(hits),
            top_result_id=top.row["id"] if top else None,
            top_similarity=None if top is None or mode is SearchMode.TEXT else top.similarity,
            arguments={
                "mode": mode.name,
                "limit": limit,
                "minSimilarity": min_similarity,
                "filter": _plain(filter),
                "embeddingGiven": embedding is not None,
            },
            metadata={},
        ),
    )
    return KnowledgeSearchResult(
        query_id=strawberry.ID(query_id),
        mode=mode,
        hits=[
            KnowledgeSearchHit(
                chunk=crud.as_object("knowledge_chunks", h.row),
                score=h.score,
                similarity=h.similarity,
                text_rank=h.text_rank,
                vector_position=h.vector_position,
                text_position=h.text_position,
            )
            for h in hits
        ],
    )


async def _learning_matches(
    info: Info,
    where: search.Scope,
    vector: Sequence[float],
    limit: int,
    min_similarity: float | None,
    logged: dict[str, Any],
) -> LearningSearchResult:
    rows = _above(await search.nearest(info.context.session, where, vector, limit), min_similarity)
    top = rows[0] if rows else None
    query_id = await search.log(
        info.context.session,
        search.Logged(
            project_id=logged.pop("project_id"),
            query_text=logged.pop("query_text"),
            vector=vector,
            search_type=logged.pop("search_type"),
            result_count=len(rows),
            top_result_id=None,  # a learning, not a chunk: named in metadata
            top_similarity=top["similarity"] if top else None,
            arguments={"limit": limit, "minSimilarity": min_similarity, **logged},
            metadata={"topLearningId": top["id"]} if top else {},
        ),
    )
    return LearningSearchResult(
        query_id=strawberry.ID(query_id),
        matches=[
            LearningMatch(learning=crud.as_object("learnings", r), similarity=r["similarity"])
            for r in rows
        ],
    )


async def _similar_to(
    info: Info, learning_id: str, project_id: str, vector: Any, limit: int
) -> list[LearningMatch]:
    """Likely duplicates of a learning: its project's learnings at least
    ``DUPLICATE_SIMILARITY`` similar, itself left out."""
    where = search.scope("learnings", equal={"project_id": project_id})
    where = search.also(where, f"t.id <> {where.next_param()}::uuid", learning_id)
    rows = await search.nearest(info.context.session, where, vector, limit)
    return [
        LearningMatch(learning=crud.as_object("learnings", r), similarity=r["similarity"])
        for r in rows
        if r["similarity"] >= DUPLICATE_SIMILARITY
    ]


# -- chunk and learning writes -------------------------------------------------------------


async def _chunk_values(info: Info, data: Any, skip: frozenset[str]) -> dict[str, Any]:
    values = crud.values_from(entity("knowledge_chunks"), data, skip=skip | {"client_embedding"})
    vector = data.client_embedding
    if vector is not None and vector is not strawberry.UNSET:
        values["embedding"] = check_vector(vector, _dimension(info), "embedding")
    if "content" in values:
        if values["content"] is None or not values["content"].strip():
            raise errors.BadUserInput("content is empty", field="content")
        values["content_hash"] = content_hash(values["content"])
        values["token_count"] = count_tokens(values["content"])
        if "embedding" not in values:
            values["embedding"] = Vector(await _embed_one(info, values["content"]))
    return values


_NEXT_INDEX = (
    "SELECT coalesce(max(chunk_index) + 1, 0) FROM knowledge_chunks WHERE source_id = $1::uuid"
)


async def _create_chunk(info: Info, data: CreateKnowledgeChunkInput) -> Any:
    values = await _chunk_values(info, data, frozenset())
    if "chunk_index" not in values or values["chunk_index"] is None:
        source = check_id(data.source_id, "sourceId")
        values["chunk_index"] = await info.context.session.fetchval(_NEXT_INDEX, source)
    return crud.as_object("knowledge_chunks", await crud.insert(info, "knowledge_chunks", values))


def _learning_text(title: str, content: str) -> str:
    return f"{title}\n\n{content}"


async def _check_chunks(info: Info, ids: list[str] | None) -> None:
    """A learning names chunks the caller can see (another tenant's read as missing)."""
    if not ids:
        return
    seen = await info.context.session.fetchval(
        "SELECT count(*) FROM knowledge_chunks WHERE id = ANY($1::uuid[])", ids
    )
    if seen != len(set(ids)):
        raise errors.BadUserInput(
            "knowledgeChunkIds: no such knowledge chunk among them", field="knowledgeChunkIds"
        )


async def _learning_values(info: Info, data: Any, current: Any = None) -> dict[str, Any]:
    values = crud.values_from(entity("learnings"), data, skip=frozenset({"client_embedding"}))
    await _check_chunks(info, values.get("source_chunks"))
    vector = data.client_embedding
    if vector is not None and vector is not strawberry.UNSET:
        values["embedding"] = check_vector(vector, _dimension(info), "embedding")
    elif current is None or {"title", "content"} & set(values):
        title = values.get("title", current["title"] if current else "")
        content = values.get("content", current["content"] if current else "")
        if not (title or "").strip() or not (content or "").strip():
            raise errors.BadUserInput("title and content must not be empty", field="content")
        values["embedding"] = Vector(await _embed_one(info, _learning_text(title, content)))
    return values


async def _create_learning(info: Info, data: CreateLearningInput) -> CreateLearningPayload:
    values = await _learning_values(info, data)
    row = await crud.insert(info, "learnings", values)
    similar = await _similar_to(info, row["id"], row["project_id"], row["embedding"], 10)
    return CreateLearningPayload(
        learning=crud.as_object("learnings", row), similar_learnings=similar
    )


async def _update_learning(info: Info, id_: str, data: UpdateLearningInput) -> Any:
    key = check_id(id_)
    current = await info.context.session.fetchrow(
        "SELECT title, content FROM learnings WHERE id = $1::uuid", key
    )
    if current is None:
        raise errors.NotFound(f"no learning with id {key}")
    values = await _learning_values(info, data, current)
    return crud.as_object("learnings", await crud.update(info, "learnings", key, values))


async def _use_learning(info: Info, id_: str) -> int:
    key = check_id(id_)
    count = await info.context.session.fetchval(
        "SELECT aura.increment_learning_usage($1::uuid)", key
    )
    if count is None:
        raise errors.NotFound(f"no learning with id {key}")
    return int(count)


# -- root fields ---------------------------------------------------------------------------


@strawberry.type
class KnowledgeQuery:
    knowledge_source = by_id_field(
        "knowledge_sources", node=KnowledgeSource, description="A knowledge source by ID."
    )
    knowledge_sources = connection_field(
        "knowledge_sources",
        node=KnowledgeSource,
        filter=KnowledgeSourceFilter,
        order=KnowledgeSourceOrderBy,
        description="Knowledge sources of the projects you see.",
    )
    knowledge_chunk = by_id_field(
        "knowledge_chunks", node=KnowledgeChunk, description="A knowledge chunk by ID."
    )
    knowledge_chunks = connection_field(
        "knowledge_chunks",
        node=KnowledgeChunk,
        filter=KnowledgeChunkFilter,
        order=KnowledgeChunkOrderBy,
        description="Chunks of the knowledge sources you see (by position in their source).",
    )
    learning = by_id_field("learnings", node=Learning, description="A learning by ID.")
    learnings = connection_field(
        "learnings",
        node=Learning,
        filter=LearningFilter,
        order=LearningOrderBy,
        description="Learnings of the projects you see.",
    )
    learning_application = by_id_field(
        "learning_applications",
        node=LearningApplication,
        description="A learning application by ID.",
    )
    learning_applications = connection_field(
        "learning_applications",
        node=LearningApplication,
        filter=LearningApplicationFilter,
        order=LearningApplicationOrderBy,
        description="Applications of the learnings you see.",
    )
    search_query = by_id_field(
        "search_queries", node=SearchQuery, description="A logged search by ID."
    )
    search_queries = connection_field(
        "search_queries",
        node=SearchQuery,
        filter=SearchQueryFilter,
        order=SearchQueryOrderBy,
        description="Logged searches: yours, and those of the projects you see.",
    )
    learning_effectiveness = connection_field(
        "learning_effectiveness",
        node=LearningEffectiveness,
        filter=LearningEffectivenessFilter,
        order=LearningEffectivenessOrderBy,
        description="Each learning's applications and success rate (seed view "
        "`learning_effectiveness`).",
    )
    knowledge_coverage_by_project = connection_field(
        "knowledge_coverage_by_project",
        node=KnowledgeCoverage,
        filter=KnowledgeCoverageFilter,
        order=KnowledgeCoverageOrderBy,
        description="What the knowledge base holds per project (seed view "
        "`knowledge_coverage_by_project`).",
    )
    popular_search_queries = connection_field(
        "popular_search_queries",
        node=PopularSearchQuery,
        filter=PopularSearchQueryFilter,
        order=PopularSearchQueryOrderBy,
        description="Searches grouped by query text, with their counts and feedback (seed "
        "view `popular_search_queries`); order by `QUERY_COUNT` descending for the most "
        "popular.",
    )

    @strawberry.field(
        description="Chunks nearest to a query, best first (seed `search_knowledge_chunks`): "
        "by embedding (VECTOR, the default), by full text (TEXT) or both fused (HYBRID). "
        "Only chunks you may see, and still `limit` of them when that many match. The search "
        "is logged (`SearchQuery`). BAD_USER_INPUT for an empty query, an embedding of the "
        "wrong dimension or with NaN, a limit out of range; PROVIDER_ERROR when the query "
        "cannot be embedded."
    )
    async def search_knowledge(
        self,
        info: Info,
        query: QueryArg = None,
        embedding: EmbeddingArg = None,
        project_id: ProjectArg = None,
        limit: LimitArg = DEFAULT_LIMIT,
        min_similarity: MinSimilarityArg = None,
        filter: Annotated[
            KnowledgeChunkFilter | None,
            strawberry.argument(description="Only chunks matching this filter."),
        ] = None,
        mode: Annotated[
            SearchMode, strawberry.argument(description="How to rank (see `SearchMode`).")
        ] = SearchMode.VECTOR,
    ) -> KnowledgeSearchResult | None:
        return await _search_knowledge(
            info, query, embedding, project_id, limit, min_similarity, filter, mode
        )

    @strawberry.field(
        description="Learnings nearest to a query by embedding, most similar first (seed "
        "`search_learnings`); complete under row-level security and logged like "
        "`searchKnowledge`."
    )
    async def search_learnings(
        self,
        info: Info,
        query: QueryArg = None,
        embedding: EmbeddingArg = None,
        project_id: ProjectArg = None,
        category: Annotated[
            str | None, strawberry.argument(description="Only learnings of this category.")
        ] = None,
        limit: LimitArg = DEFAULT_LIMIT,
        min_similarity: MinSimilarityArg = None,
        filter: Annotated[
            LearningFilter | None,
            strawberry.argument(description="Only learnings matching this filter."),
        ] = None,
    ) -> LearningSearchResult | None:
        query = _check_query(query)
        _check_limit(limit)
        _check_min(min_similarity)
        vector = await _query_vector(info, query, embedding)
        project = await _visible_project(info, project_id)
        where = search.scope(
            "learnings", filter_=filter, equal={"project_id": project, "category": category}
        )
        logged = {
            "project_id": project,
            "query_text": query,
            "search_type": "LEARNINGS",
            "category": category,
            "filter": _plain(filter),
        }
        return await _learning_matches(info, where, vector, limit, min_similarity, logged)

    @strawberry.field(
        description="Learnings similar to a learning (by `learningId`: its project's, itself "
        "left out) or to an embedding or text, at least `threshold` similar, most similar "
        "first (seed `find_similar_learnings`): likely duplicates. Logged like the searches."
    )
    async def find_similar_learnings(
        self,
        info: Info,
        learning_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The learning to find duplicates of."),
        ] = None,
        embedding: EmbeddingArg = None,
        query: QueryArg = None,
        project_id: ProjectArg = None,
        threshold: Annotated[
            float, strawberry.argument(description="Least cosine similarity, -1 to 1.")
        ] = DUPLICATE_SIMILARITY,
        limit: LimitArg = DEFAULT_LIMIT,
    ) -> LearningSearchResult | None:
        query = _check_query(query)
        _check_limit(limit)
        _check_min(threshold, "threshold")
        project = await _visible_project(info, project_id)
        where = search.scope("learnings", equal={"project_id": project})
        if learning_id is not None:
            key = check_id(learning_id, "learningId")
            row = await info.context.session.fetchrow(
                "SELECT project_id, embedding FROM learnings WHERE id = $1::uuid", key
            )
            if row is None:
                raise errors.NotFound(f"no learning with id {key}")
            where = search.scope("learnings", equal={"project_id": project or row["project_id"]})
            where = search.also(where, f"t.id <> {where.next_param()}::uuid", key)
            vector = row["embedding"].to_list()
        else:
            vector = await _query_vector(info, query, embedding)
        logged = {
            "project_id": project,
            "query_text": query,
            "search_type": "SIMILAR_LEARNINGS",
            "learningId": learning_id,
            "threshold": threshold,
        }
        return await _learning_matches(info, where, vector, limit, threshold, logged)


@strawberry.type
class KnowledgeMutation:
    @strawberry.mutation(
        description="Index a source's text: create or update the source, split the text "
        "into chunks (or take yours), keep the chunks it already has (same content hash), "
        "delete those the text no longer has, embed the new ones in one batched call and "
        "set `indexedAt`. All or nothing. BAD_USER_INPUT for a refused input (both or "
        "neither of text and chunks, an empty text, sizes out of range, an embedding of "
        "the wrong dimension or with NaN); PROVIDER_ERROR when embedding fails."
    )
    async def ingest_knowledge_source(
        self, info: Info, input: Annotated[IngestKnowledgeSourceInput, CREATE_INPUT]
    ) -> IngestKnowledgeSourcePayload:
        return await ingest(info, input, await _embedder(info))

    create_knowledge_source = crud.create_field(
        "knowledge_sources",
        input=CreateKnowledgeSourceInput,
        node=KnowledgeSource,
        description="Create a knowledge source without text (see `ingestKnowledgeSource`).",
    )
    update_knowledge_source = crud.update_field(
        "knowledge_sources",
        input=UpdateKnowledgeSourceInput,
        node=KnowledgeSource,
        description="Change a knowledge source's fields (not its text: re-ingest it).",
    )
    delete_knowledge_source = crud.delete_field(
        "knowledge_sources",
        description="Delete a knowledge source and its chunks. Returns its ID.",
    )

    @strawberry.mutation(
        description="Add one chunk to a source: hashed, counted and (unless you give its "
        "embedding) embedded. CONFLICT when the source already has that content."
    )
    async def create_knowledge_chunk(
        self, info: Info, input: Annotated[CreateKnowledgeChunkInput, CREATE_INPUT]
    ) -> KnowledgeChunk:
        return await _create_chunk(info, input)

    @strawberry.mutation(
        description="Change a chunk; new content is re-hashed and re-embedded unless you "
        "give its embedding."
    )
    async def update_knowledge_chunk(
        self,
        info: Info,
        id: ID_ARGUMENT,
        input: Annotated[UpdateKnowledgeChunkInput, UPDATE_INPUT],
    ) -> KnowledgeChunk:
        values = await _chunk_values(info, input, frozenset())
        return crud.as_object(
            "knowledge_chunks", await crud.update(info, "knowledge_chunks", id, values)
        )

    delete_knowledge_chunk = crud.delete_field(
        "knowledge_chunks", description="Delete a knowledge chunk. Returns its ID."
    )

    @strawberry.mutation(
        description="Create a learning, embedded from its title and content unless you give "
        "its embedding; the payload lists likely duplicates."
    )
    async def create_learning(
        self, info: Info, input: Annotated[CreateLearningInput, CREATE_INPUT]
    ) -> CreateLearningPayload:
        return await _create_learning(info, input)

    @strawberry.mutation(
        description="Change a learning; a new title or content is re-embedded unless you "
        "give the embedding. Setting `verified` records you as the verifier, now."
    )
    async def update_learning(
        self, info: Info, id: ID_ARGUMENT, input: Annotated[UpdateLearningInput, UPDATE_INPUT]
    ) -> Learning:
        return await _update_learning(info, id, input)

    delete_learning = crud.delete_field(
        "learnings", description="Delete a learning and its applications. Returns its ID."
    )

    @strawberry.mutation(
        description="Count one use of a learning now (seed `increment_learning_usage`)."
    )
    async def increment_learning_usage(self, info: Info, id: ID_ARGUMENT) -> Learning:
        await _use_learning(info, id)
        return crud.as_object("learnings", await crud.update(info, "learnings", id, {}))

    @strawberry.mutation(
        description="Record that a learning was applied, with its outcome and feedback; "
        "also counts a use of the learning."
    )
    async def record_learning_application(
        self, info: Info, input: Annotated[CreateLearningApplicationInput, CREATE_INPUT]
    ) -> LearningApplication:
        application = await crud.create_object(info, "learning_applications", input)
        await _use_learning(info, application.learning_id)
        return application

    update_learning_application = crud.update_field(
        "learning_applications",
        input=UpdateLearningApplicationInput,
        node=LearningApplication,
        description="Change a learning application (its outcome, feedback, …).",
    )
    delete_learning_application = crud.delete_field(
        "learning_applications", description="Delete a learning application. Returns its ID."
    )

    @strawberry.mutation(description="Say whether a search's results helped.")
    async def record_search_feedback(
        self,
        info: Info,
        search_query_id: Annotated[
            strawberry.ID, strawberry.argument(description="The search (`queryId`).")
        ],
        helpful: Annotated[bool, strawberry.argument(description="Did the results help?")],
    ) -> SearchQuery:
        feedback = SearchFeedback.HELPFUL if helpful else SearchFeedback.NOT_HELPFUL
        row = await crud.update(
            info, "search_queries", search_query_id, {"user_feedback": feedback.value}
        )
        return crud.as_object("search_queries", row)

    delete_search_query = crud.delete_field(
        "search_queries", description="Delete a logged search. Returns its ID."
    )
